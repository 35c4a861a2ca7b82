import Foundation
import TradewindTestSupport
import TradewindCrypto
import TradewindLedger
import TradewindWire

/// A seeded random run: a genesis, then blocks of random transactions (valid and
/// invalid, many accounts, several assets, orders in every state), executed by the
/// ledger and by the reference model side by side.
struct RandomLedgerRun {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static let assets = [AssetCode("USD")!, AssetCode("EUR")!, AssetCode("JPY")!]
    static let hour: UInt64 = 3_600_000

    var random: SeededGenerator
    let keys: [String: Ed25519.PrivateKey]
    let participants: [String]
    let authorityNames: [String]
    let genesis: Genesis
    let ledger: Ledger
    let model: ReferenceModel
    var state = MemoryState()
    var root: Bytes32
    var parentID = Bytes32.zero
    var height: UInt64 = 0
    var time: UInt64
    var blocks: [Block] = []
    var roots: [Bytes32] = []
    var transactionCount = 0
    var codeCounts: [ResultCode: Int] = [:]
    var orderStates: [Order.State: Int] = [:]
    var quoteIDs: UInt64 = 0
    /// Sequence numbers handed out while a block's candidates are generated.
    var planned: [Address: UInt64] = [:]

    init(seed: UInt64) throws {
        random = SeededGenerator(seed: seed)
        participants = (0..<12).map { "p\($0)" } + ["fx0", "fx1"]
        authorityNames = (0..<4).map { "a\($0)" }
        var keys: [String: Ed25519.PrivateKey] = [:]
        for name in participants + authorityNames + Self.assets.map({ "issuer\($0)" }) {
            keys[name] = try Ed25519.PrivateKey(seed: Blake2b.hash256(Array("random-run/\(name)".utf8)))
        }
        self.keys = keys
        var balances: [Genesis.Balance] = []
        for name in participants {
            for asset in Self.assets {
                balances.append(.init(account: keys[name]!.publicKey.address, asset: asset,
                                      amount: UInt64.random(in: 100_000...10_000_000, using: &random)))
            }
        }
        var parameters = Genesis.Parameters()
        parameters.disputeWindowMs = 48 * Self.hour
        parameters.arbitrationWindowMs = 72 * Self.hour
        time = 1_800_000_000_000
        genesis = Genesis(
            chainName: "random-\(seed)", genesisTime: time, authorities: authorityNames.map { keys[$0]!.publicKey.address },
            assets: Self.assets.map { .init(code: $0, decimals: $0.rawValue == "JPY" ? 0 : 2,
                                            issuer: keys["issuer\($0)"]!.publicKey.address) },
            balances: balances, parameters: parameters)
        ledger = try Ledger(genesis: genesis)
        model = ReferenceModel(genesis: genesis, network: ledger.networkID,
                               keys: Dictionary(uniqueKeysWithValues: keys.values.map { ($0.publicKey.address, $0) }))
        let initial = ledger.genesisState()
        state.apply(initial.writes)
        root = initial.root
    }

    func address(_ name: String) -> Address { keys[name]!.publicKey.address }

    mutating func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &random)] }
    mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &random) < percent }

    /// Runs blocks until `total` transactions were generated, checking after each block.
    mutating func run(transactions total: Int) throws {
        while transactionCount < total {
            let size = Int.random(in: 1...40, using: &random)
            var candidates: [Transaction] = []
            planned = model.nextSequence
            for _ in 0..<min(size, total - transactionCount) { candidates.append(makeTransaction()) }
            transactionCount += candidates.count
            try block(candidates)
        }
    }

    mutating func block(_ candidates: [Transaction]) throws {
        let steps: [UInt64] = [1000, 60_000, 60_000, Self.hour, Self.hour, 6 * Self.hour, 30 * Self.hour]
        let blockTime = time + pick(steps)
        let context = Ledger.BlockContext(height: height + 1, time: blockTime, parentTime: time)
        let execution = try ledger.execute(candidates, context: context, previousRoot: root, view: state)
        let expected = model.block(candidates, height: context.height, parentTime: time)
        for (index, transaction) in candidates.enumerated() {
            let actual = execution.results[index].code
            codeCounts[actual, default: 0] += 1
            guard actual == expected[index] else {
                let listing = candidates.enumerated().map { offset, candidate in
                    "  \(offset): \(candidate.body.kind) by \(candidate.sender.description.prefix(14)) seq \(candidate.sequence): "
                        + "ledger \(execution.results[offset].code.name) (\(execution.results[offset].message)), model \(expected[offset].name)"
                }.joined(separator: "\n")
                throw Failure(description: "height \(context.height), transaction \(index): \(transaction.body.kind) by "
                    + "\(transaction.sender): ledger \(actual.label), model \(expected[index].label)\n\(listing)")
            }
        }
        state.apply(execution.writes)
        let authorities = model.authorities
        let block = ledger.block(from: execution, context: context, parentID: parentID, proposer: authorities[0],
                                 authorities: authorities)
        blocks.append(block)
        roots.append(execution.stateRoot)
        parentID = block.header.id
        root = execution.stateRoot
        height = context.height
        time = blockTime
        try compare()
    }

    // MARK: Comparison

    func record<T: WireDecodable>(_ key: StateKey, as type: T.Type = T.self) -> T? {
        state.value(for: key).flatMap { try? T(wireEncoded: $0) }
    }

    func compare() throws {
        var accounts = Set(keys.values.map { $0.publicKey.address })
        accounts.formUnion(model.credits.keys)
        for account in accounts {
            for asset in Self.assets {
                let balance: UInt64 = record(.balance(account, asset)) ?? 0
                guard balance == model.balance(account, asset) else {
                    throw Failure(description: "height \(height): balance of \(account) in \(asset): ledger \(balance), model \(model.balance(account, asset))")
                }
                let held: UInt64 = record(.held(account, asset)) ?? 0
                guard held == model.held[.init(account: account, asset: asset)] ?? 0 else {
                    throw Failure(description: "height \(height): held \(account) \(asset)")
                }
            }
            let accountState: AccountState? = record(.account(account))
            guard accountState?.nextSequence == model.nextSequence[account],
                  (accountState?.frozen ?? false) == model.frozen.contains(account) else {
                throw Failure(description: "height \(height): account \(account): ledger \(String(describing: accountState)), "
                    + "model next \(String(describing: model.nextSequence[account])) frozen \(model.frozen.contains(account))")
            }
            let credit: CreditRecord = record(.credit(account)) ?? CreditRecord()
            guard credit == model.credits[account] ?? CreditRecord() else {
                throw Failure(description: "height \(height): credit record of \(account): ledger \(credit), model \(String(describing: model.credits[account]))")
            }
        }
        for (id, expected) in model.orders {
            guard let order: Order = record(.order(id)) else { throw Failure(description: "order \(id) missing") }
            let same = order.state == expected.state && order.shippedAt == expected.shippedAt
                && order.deliveredAt == expected.deliveredAt && order.disputedAt == expected.disputedAt
                && order.legs.map { "\($0.asset)\($0.amount)\($0.owner)\($0.beneficiary)" }
                    == expected.legs.map { "\($0.0)\($0.1)\($0.2)\($0.3)" }
            guard same else { throw Failure(description: "height \(height): order \(id.hex) differs: \(order.state) vs \(expected.state)") }
        }
        for asset in Self.assets {
            let (accounted, outstanding) = supply(asset)
            guard accounted == outstanding else {
                throw Failure(description: "height \(height): \(asset) balances + held + escrow = \(accounted), issued − redeemed = \(outstanding)")
            }
        }
    }

    /// Σ balances + Σ held + Σ escrow, and issued − redeemed, from the ledger's state.
    func supply(_ asset: AssetCode) -> (UInt64, UInt64) {
        let suffix = [UInt8(asset.rawValue.utf8.count)] + Array(asset.rawValue.utf8)
        var total: UInt64 = 0
        for (key, value) in state.entries {
            switch key.table {
            case .balance?, .held?:
                if key.bytes.count == 33 + suffix.count && Array(key.bytes.suffix(suffix.count)) == suffix {
                    total += (try? UInt64(wireEncoded: value)) ?? 0
                }
            case .escrow?:
                if Array(key.bytes.dropFirst()) == suffix { total += (try? UInt64(wireEncoded: value)) ?? 0 }
            default:
                break
            }
        }
        let supply: Supply = record(.supply(asset)) ?? Supply()
        return (total, supply.issued - supply.redeemed)
    }

    // MARK: Transactions

    mutating func makeTransaction() -> Transaction {
        let roll = Int.random(in: 0..<100, using: &random)
        let (sender, body): (String, TransactionBody)
        switch roll {
        case 0..<22: (sender, body) = transfer()
        case 22..<38: (sender, body) = createOrder()
        case 38..<80: (sender, body) = orderAction()
        case 80..<84:
            // Sorted: a Set's order follows the process's hash seed, and the run must replay from its seed alone.
            let frozen = model.frozen.sorted()
            let name = pick(authorityNames + ["p0"])
            // Sometimes an authority freezes itself, then tries to lift its own freeze.
            let target = chance(10) ? address(name)
                : !frozen.isEmpty && chance(75) ? pick(frozen) : address(pick(participants))
            (sender, body) = (name, model.frozen.contains(target) || chance(70)
                ? .unfreeze(account: target) : .freeze(account: target))
        case 84..<88:
            let name = pick(participants)
            (sender, body) = (name, chance(50) ? .setDepositAuth(enabled: chance(50))
                                               : .preauthorize(account: address(pick(participants)), authorized: chance(70)))
        case 88..<92:
            let asset = pick(Self.assets)
            let issuer = chance(85) ? "issuer\(asset)" : pick(participants)
            (sender, body) = (issuer, chance(60) ? .issue(to: address(pick(participants + [issuer])), asset: asset,
                                                          amount: UInt64.random(in: 1...50_000, using: &random))
                                                 : .redeem(asset: asset, amount: UInt64.random(in: 1...5_000, using: &random)))
        case 92..<95: (sender, body) = (pick(participants), .claim(asset: pick(Self.assets)))
        case 95..<98:
            let merchant = address(pick(participants))
            (sender, body) = (pick(authorityNames + ["p1"]), chance(70)
                ? .merchantAttest(merchant: merchant, name: "Merchant", jurisdiction: "SG", registrationHash: .zero)
                : .merchantRevoke(merchant: merchant))
        default:
            let key = address(pick(participants + authorityNames))
            (sender, body) = (pick(authorityNames + ["p2"]), .authorityVote(chance(50) ? .add(key) : .remove(key)))
        }
        return sign(sender, body)
    }

    mutating func sign(_ name: String, _ body: TransactionBody) -> Transaction {
        let sender = address(name)
        var sequence = planned[sender] ?? 0
        if chance(3) {
            sequence = chance(50) ? sequence + 1 : sequence &- 1
        } else {
            planned[sender] = sequence + 1
        }
        let lastValid = chance(2) ? height : height + 50
        var transaction = Transaction(sender: sender, sequence: sequence, lastValidHeight: lastValid, body: body)
            .signed(by: keys[name]!, network: ledger.networkID)
        if chance(1) { transaction.signature = Bytes64(low: transaction.signature.high, high: transaction.signature.low) }
        return transaction
    }

    mutating func transfer() -> (String, TransactionBody) {
        let from = pick(participants)
        let to = chance(3) ? from : pick(participants)
        let asset = chance(2) ? AssetCode("XAU")! : pick(Self.assets)
        let amount = chance(2) ? 0 : UInt64.random(in: 1...200_000, using: &random)
        return (from, .transfer(to: address(to), asset: asset, amount: amount, memo: chance(20) ? [1, 2, 3] : []))
    }

    mutating func createOrder() -> (String, TransactionBody) {
        let buyer = pick(participants.filter { !$0.hasPrefix("fx") })
        let others = participants.filter { $0 != buyer && !$0.hasPrefix("fx") }
        let seller = pick(others)
        let rest = others.filter { $0 != seller }
        let asset = pick(Self.assets)
        let shipBy = time + UInt64.random(in: Self.hour...(96 * Self.hour), using: &random)
        let deliverBy = shipBy + UInt64.random(in: Self.hour...(96 * Self.hour), using: &random)
        var terms = OrderTerms(
            seller: address(seller), asset: asset, price: UInt64.random(in: 1...300_000, using: &random),
            carrier: chance(60) ? address(rest[0]) : nil, arbiter: chance(70) ? address(rest[1]) : nil,
            goodsHash: .zero, shipBy: chance(2) ? time : shipBy, deliverBy: chance(2) ? shipBy : deliverBy,
            requireVerifiedMerchant: chance(15))
        if chance(30) {
            let provider = pick(["fx0", "fx1"])
            let buyerAsset = pick(Self.assets.filter { $0 != asset })
            quoteIDs += 1
            // Now and then a quote wrong in one way: made out to someone else, one asset
            // into itself, for another asset than the order's, or at a zero rate.
            let quoteBuyer = chance(2) ? pick(others) : buyer
            let quoteSellerAsset = chance(3) ? buyerAsset : chance(3) ? pick(Self.assets.filter { $0 != asset }) : asset
            let quote = FXQuote(
                provider: address(provider), buyer: address(quoteBuyer), buyerAsset: buyerAsset, sellerAsset: quoteSellerAsset,
                rateNumerator: chance(2) ? 0 : UInt64.random(in: 1...20_000, using: &random),
                rateDenominator: UInt64.random(in: 1...20_000, using: &random),
                maxAmount: UInt64.random(in: 1...400_000, using: &random),
                expiryHeight: height + UInt64.random(in: 0...5, using: &random),
                quoteID: chance(5) ? 1 : quoteIDs)
            terms.fxQuote = quote.signed(by: keys[chance(3) ? "p0" : provider]!, network: ledger.networkID)
        }
        return (buyer, .orderCreate(terms))
    }

    mutating func orderAction() -> (String, TransactionBody) {
        guard !model.orderIDs.isEmpty else { return transfer() }
        // Recent orders more often, so that orders reach every state.
        let ids = model.orderIDs
        let id = chance(70) ? ids[max(0, ids.count - Int.random(in: 1...min(ids.count, 8), using: &random))] : pick(ids)
        let order = model.orders[id]!
        let terms = order.terms
        var parties = [order.buyer, terms.seller] + [terms.carrier, terms.arbiter].compactMap { $0 }
        parties.append(address(pick(participants)))
        // Mostly the step the order's state calls for, by the party entitled to it.
        var choice: (Address, TransactionBody)?
        if chance(80) {
            switch order.state {
            case .created:
                choice = chance(75) ? (terms.seller, .orderAccept(order: id))
                    : chance(50) ? (order.buyer, .orderCancel(order: id)) : (terms.seller, .orderDecline(order: id))
            case .accepted:
                choice = chance(85) ? (terms.seller, .orderShip(order: id, trackingHash: .zero)) : (address(pick(participants)), .orderRefund(order: id))
            case .shipped:
                if let carrier = terms.carrier, chance(60) {
                    choice = (carrier, .orderCheckpoint(order: id, kind: chance(50) ? .delivered : pick(CheckpointKind.allCases)))
                } else {
                    choice = chance(50) ? (order.buyer, .orderConfirm(order: id))
                        : chance(50) ? (order.buyer, .orderDispute(order: id, reasonHash: .zero)) : (address(pick(participants)), .orderRelease(order: id))
                }
            case .delivered:
                choice = chance(40) ? (order.buyer, .orderConfirm(order: id))
                    : chance(50) ? (pick([order.buyer, terms.seller]), .orderDispute(order: id, reasonHash: .zero))
                    : (address(pick(participants)), .orderRelease(order: id))
            case .disputed:
                if let arbiter = terms.arbiter, chance(70) {
                    choice = (arbiter, .orderResolve(order: id, sellerBasisPoints: pick([0, 2500, 5000, 5001, 7500, 10_000])))
                } else {
                    choice = (address(pick(participants)), .orderRefund(order: id))
                }
            default:
                choice = nil
            }
        }
        let senderAddress = choice?.0 ?? pick(parties)
        let sender = keys.first { $0.value.publicKey.address == senderAddress }!.key
        let body: TransactionBody
        if let chosen = choice?.1 {
            body = chosen
        } else {
            switch Int.random(in: 0..<11, using: &random) {
            case 0: body = .orderAccept(order: id)
            case 1: body = .orderDecline(order: id)
            case 2: body = .orderCancel(order: id)
            case 3: body = .orderRefund(order: id)
            case 4: body = .orderShip(order: id, trackingHash: .zero)
            case 5: body = .orderCheckpoint(order: id, kind: pick(CheckpointKind.allCases))
            case 6: body = .orderConfirm(order: id)
            case 7: body = .orderRelease(order: id)
            case 8: body = .orderDispute(order: id, reasonHash: .zero)
            case 9: body = .orderResolve(order: id, sellerBasisPoints: chance(3) ? 20_000 : UInt16.random(in: 0...10_000, using: &random))
            default: body = .orderCheckpoint(order: id, kind: .delivered)
            }
        }
        return (sender, body)
    }

    /// The genesis as JSON and the blocks as one canonical array, for replays elsewhere.
    func write(to directory: String) throws -> (genesis: String, blocks: String) {
        let genesisPath = directory + "/genesis.json"
        let blocksPath = directory + "/blocks.bin"
        try JSONEncoder().encode(genesis).write(to: URL(fileURLWithPath: genesisPath))
        var writer = WireWriter()
        writer.writeArray(blocks) { $0.write($1) }
        try Data(writer.bytes).write(to: URL(fileURLWithPath: blocksPath))
        return (genesisPath, blocksPath)
    }
}

