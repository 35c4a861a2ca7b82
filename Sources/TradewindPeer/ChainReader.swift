import TradewindLedger
import TradewindChainStore
import TradewindStore
import TradewindWire

/// Reads blocks, transactions, accounts and orders out of a store (a running peer's,
/// or a stopped one opened read-only by the CLI) into the API's views.
public struct ChainReader {
    public let store: ChainStore

    public init(store: ChainStore) { self.store = store }

    func record<T: WireDecodable>(_ key: StateKey, as type: T.Type) throws -> T? {
        try store.withState { try $0.record(key, as: type) }
    }

    func decimals(_ asset: AssetCode) throws -> UInt8 {
        try record(.asset(asset), as: AssetInfo.self)?.decimals ?? 0
    }

    /// The account as committed (`pendingNextSequence` is the committed next: a
    /// store holds no mempool; the running peer's API fills it from its own).
    public func account(_ address: Address) throws -> AccountView {
        let account = try record(.account(address), as: AccountState.self)
        let owner = address.publicKey.bytes
        var amounts: [String: (amount: UInt64, held: UInt64, asset: AssetCode)] = [:]
        for (table, isHeld) in [(StateKey.Table.balance, false), (.held, true)] {
            for entry in try store.stateEntries(prefix: [table.rawValue] + owner) {
                let codeBytes = entry.key.bytes.dropFirst(1 + 32)
                guard let length = codeBytes.first, codeBytes.count == Int(length) + 1,
                      let asset = AssetCode(String(decoding: codeBytes.dropFirst(), as: UTF8.self)),
                      let amount = try? UInt64(wireEncoded: entry.value) else { continue }
                var current = amounts[asset.rawValue] ?? (0, 0, asset)
                if isHeld { current.held = amount } else { current.amount = amount }
                amounts[asset.rawValue] = current
            }
        }
        var balances: [BalanceView] = []
        for (code, value) in amounts.sorted(by: { $0.key < $1.key }) {
            let decimals = try decimals(value.asset)
            balances.append(BalanceView(asset: code, amount: value.amount, held: value.held, decimals: decimals,
                                        display: Amount.format(value.amount, decimals: decimals)))
        }
        let credit = try record(.credit(address), as: CreditRecord.self) ?? CreditRecord()
        let merchant = try record(.merchant(address), as: MerchantAttestation.self)
        let offenses = try store.stateEntries(prefix: [StateKey.Table.offense.rawValue] + owner).count
        return AccountView(
            address: address.description, exists: account != nil, nextSequence: account?.nextSequence ?? 0,
            pendingNextSequence: account?.nextSequence ?? 0,
            frozen: account?.frozen ?? false, depositAuth: account?.depositAuth ?? false, balances: balances,
            credit: CreditView(ordersAsBuyer: credit.ordersAsBuyer, ordersAsSeller: credit.ordersAsSeller,
                               completed: credit.completed, refunded: credit.refunded, disputed: credit.disputed,
                               disputesWon: credit.disputesWon, disputesLost: credit.disputesLost,
                               arbitrationTimeouts: credit.arbitrationTimeouts),
            merchant: merchant.map { MerchantView(name: $0.name, jurisdiction: $0.jurisdiction,
                                                  attestedBy: $0.attestedBy.description, height: $0.height) },
            offenses: offenses)
    }

    /// An order, with its windows and next steps under the network's `parameters`.
    public func order(_ id: Bytes32, parameters: Genesis.Parameters) throws -> OrderView? {
        guard let order = try record(.order(id), as: Order.self) else { return nil }
        return try view(order, parameters: parameters, chainTime: try chainTime())
    }

    /// Orders where `account` is buyer, seller, carrier or arbiter (all orders if nil).
    public func orders(account: Address?, limit: Int, parameters: Genesis.Parameters) throws -> [OrderView] {
        let chainTime = try chainTime()
        var result: [OrderView] = []
        for entry in try store.stateEntries(prefix: [StateKey.Table.order.rawValue]) {
            guard result.count < limit, let order = try? Order(wireEncoded: entry.value) else { continue }
            if let account, ![order.buyer, order.terms.seller, order.terms.carrier, order.terms.arbiter].contains(account) {
                continue
            }
            result.append(try view(order, parameters: parameters, chainTime: chainTime))
        }
        return result
    }

    /// The t the next block's transactions will see: the last block's time.
    func chainTime() throws -> UInt64 {
        guard let chain = try store.withState({ try $0.chain() }) else { throw CLIError("the store has no chain state") }
        return chain.lastBlockTime
    }

    /// A stopped peer's status from its store: the same document a running peer
    /// serves, with `running` false and the live parts at their resting values.
    public func stoppedStatus(name: String, address: Address, genesis: Genesis) throws -> StatusView {
        let head = try store.head()
        guard let chain = try store.withState({ try $0.chain() }) else { throw CLIError("the store has no chain state") }
        let authorities = chain.authorities(at: head.height + 1)
        let ledger: Ledger
        do { ledger = try Ledger(genesis: genesis) } catch { throw CLIError("the home's genesis is invalid: \(error)") }
        return StatusView(
            name: name, address: address.description, version: Release.version, network: ledger.networkID.hex,
            chain: genesis.chainName, height: head.height, blockID: head.blockID.hex, stateRoot: head.stateRoot.hex,
            blockTime: chain.lastBlockTime, round: 0, step: "stopped", authority: authorities.contains(address),
            authorities: authorities.count, mempool: 0, members: 0, highestSeen: head.height, uptimeSeconds: 0,
            committedTransactions: 0, blocksPrefetched: 0,
            assets: Dictionary(uniqueKeysWithValues: genesis.assets.map { ($0.code.rawValue, $0.decimals) }),
            storeBytes: store.environment.usedBytes, running: false)
    }

    public enum Lookup<T> {
        case found(T)
        case notFound(String)
        case badRequest(String)
    }

    /// A block by height or by 64-hex-digit id.
    public func block(_ reference: String) throws -> Lookup<BlockView> {
        let height: UInt64
        if let number = UInt64(reference) {
            height = number
        } else if let bytes = Hex.decode(reference), let id = Bytes32(bytes) {
            guard let found = try store.height(of: id) else { return .notFound("no block with id \(reference)") }
            height = found
        } else {
            return .badRequest("'\(reference)' is neither a height nor a 64-digit block id")
        }
        guard let block = try store.block(at: height) else { return .notFound("no block at height \(height)") }
        let certificate = try store.certificate(at: height)
        let header = block.header
        return .found(BlockView(
            height: header.height, id: header.id.hex, time: header.time, parentID: header.parentID.hex,
            proposer: header.proposer.description, stateRoot: header.stateRoot.hex,
            transactionsRoot: header.transactionsRoot.hex, authoritySetHash: header.authoritySetHash.hex,
            nextAuthorities: header.nextAuthorities?.map(\.description), evidence: block.evidence.count,
            transactions: block.transactions.map(\.id.hex),
            certificate: certificate.map { CertificateView(round: $0.round, signers: $0.signatures.map(\.validator.description)) }))
    }

    /// Up to `limit` block summaries from `from` (default: the last `limit`).
    public func blocks(from: UInt64?, limit: Int) throws -> [BlockSummary] {
        let head = try store.head()
        let count = UInt64(max(1, limit))
        var height = max(1, from ?? (head.height >= count ? head.height - count + 1 : 1))
        var summaries: [BlockSummary] = []
        while height <= head.height && summaries.count < limit {
            guard let block = try store.block(at: height) else { break }
            summaries.append(BlockSummary(height: height, id: block.header.id.hex, time: block.header.time,
                                          transactions: block.transactions.count, proposer: block.header.proposer.description,
                                          stateRoot: block.header.stateRoot.hex))
            height += 1
        }
        return summaries
    }

    /// A committed transaction and its receipt, or nil if this store has none.
    public func committedTransaction(_ id: Bytes32) throws -> TransactionView? {
        guard let receipt = try store.receipt(for: id) else { return nil }
        let block = try store.block(at: receipt.height)
        let transaction = block.flatMap { Int(receipt.index) < $0.transactions.count ? $0.transactions[Int(receipt.index)] : nil }
        let code = ResultCode(rawValue: receipt.code)
        return TransactionView(
            id: id.hex, status: "committed", sender: transaction?.sender.description, sequence: transaction?.sequence,
            kind: transaction?.body.kind,
            receipt: ReceiptView(height: receipt.height, index: receipt.index, code: receipt.code,
                                 result: code?.name ?? "unknown", message: receipt.message))
    }

    func view(_ order: Order, parameters: Genesis.Parameters, chainTime: UInt64) throws -> OrderView {
        let terms = order.terms
        let decimals = try decimals(terms.asset)
        var legs: [LegView] = []
        for leg in order.legs {
            legs.append(LegView(asset: leg.asset.rawValue, amount: leg.amount,
                                display: Amount.format(leg.amount, decimals: try self.decimals(leg.asset)),
                                from: leg.owner.description, to: leg.beneficiary.description))
        }
        var fx: FXView?
        if let quote = terms.fxQuote {
            let buyerDecimals = try self.decimals(quote.buyerAsset)
            let sellerDecimals = try self.decimals(quote.sellerAsset)
            fx = FXView(provider: quote.provider.description, buyerAsset: quote.buyerAsset.rawValue,
                        sellerAsset: quote.sellerAsset.rawValue, rateNumerator: quote.rateNumerator,
                        rateDenominator: quote.rateDenominator,
                        rate: Amount.ratio(quote.rateNumerator, quote.rateDenominator,
                                           shift: Int(sellerDecimals) - Int(buyerDecimals), fractionDigits: 8),
                        quoteID: quote.quoteID, expiryHeight: quote.expiryHeight)
        }
        let windows = OrderRules.windows(of: order, disputeWindowMs: parameters.disputeWindowMs,
                                         arbitrationWindowMs: parameters.arbitrationWindowMs)
        let steps = OrderRules.nextSteps(of: order, disputeWindowMs: parameters.disputeWindowMs,
                                         arbitrationWindowMs: parameters.arbitrationWindowMs)
        return OrderView(
            id: order.id.hex, buyer: order.buyer.description, seller: terms.seller.description,
            carrier: terms.carrier?.description, arbiter: terms.arbiter?.description,
            state: order.state.description, asset: terms.asset.rawValue, price: terms.price,
            display: Amount.format(terms.price, decimals: decimals), shipBy: terms.shipBy,
            deliverBy: terms.deliverBy, fxLocked: terms.fxQuote != nil, requireVerifiedMerchant: terms.requireVerifiedMerchant,
            goodsHash: terms.goodsHash.hex, trackingHash: order.trackingHash?.hex, disputeReasonHash: order.disputeReasonHash?.hex,
            createdHeight: order.createdHeight, createdAt: order.createdAt, shippedAt: order.shippedAt,
            deliveredAt: order.deliveredAt, disputedAt: order.disputedAt,
            checkpoints: order.checkpoints.map { CheckpointView(kind: "\($0.kind)", time: $0.time) },
            legs: legs, fx: fx, sellerBasisPoints: order.sellerBasisPoints, chainTime: chainTime,
            windows: windows.map { WindowView(kind: $0.kind.rawValue, opened: $0.opened, closes: $0.closes,
                                              open: $0.isOpen(at: chainTime)) },
            nextSteps: steps.filter { !$0.hasClosed(at: chainTime) }.map {
                NextStepView(transaction: $0.transaction.rawValue, checkpoints: $0.checkpoints.map { "\($0)" },
                             by: $0.by.map(\.rawValue), from: $0.from, until: $0.until, to: $0.to.description,
                             openNow: $0.isOpen(at: chainTime))
            })
    }
}
