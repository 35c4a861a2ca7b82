import TradewindCrypto
import TradewindLedger
import TradewindWire

/// An independent model of the ledger's rules (docs/ARCHITECTURE.md "Ledger"),
/// written from the specification with plain dictionaries and none of the ledger's
/// code, so that a randomized run can compare the two after every block.
final class ReferenceModel {
    struct Pair: Hashable { let account: Address; let asset: AssetCode }

    struct ModelOrder: Equatable {
        var id: Bytes32
        var buyer: Address
        var terms: OrderTerms
        var state: Order.State
        var shippedAt: UInt64?
        var deliveredAt: UInt64?
        var disputedAt: UInt64?
        var checkpoints = 0
        /// (asset, amount, owner, beneficiary)
        var legs: [(AssetCode, UInt64, Address, Address)]

        static func == (lhs: ModelOrder, rhs: ModelOrder) -> Bool {
            lhs.id == rhs.id && lhs.state == rhs.state && lhs.shippedAt == rhs.shippedAt
                && lhs.deliveredAt == rhs.deliveredAt && lhs.disputedAt == rhs.disputedAt
                && lhs.legs.map { "\($0.0)\($0.1)\($0.2)\($0.3)" } == rhs.legs.map { "\($0.0)\($0.1)\($0.2)\($0.3)" }
        }
    }

    let issuers: [AssetCode: Address]
    let disputeWindow: UInt64
    let arbitrationWindow: UInt64
    let maxTransactionBytes: Int
    let network: Bytes32

    var nextSequence: [Address: UInt64] = [:]
    var frozen = Set<Address>()
    var depositAuth = Set<Address>()
    var preauthorized = Set<[Address]>()
    var balances: [Pair: UInt64] = [:]
    var held: [Pair: UInt64] = [:]
    var escrow: [AssetCode: UInt64] = [:]
    var issued: [AssetCode: UInt64] = [:]
    var redeemed: [AssetCode: UInt64] = [:]
    var merchants = Set<Address>()
    var orders: [Bytes32: ModelOrder] = [:]
    var orderIDs: [Bytes32] = []
    var credits: [Address: CreditRecord] = [:]
    var authorities: [Address]
    var scheduled: [(height: UInt64, set: [Address])] = []
    var votes: [AuthorityChange: [Address]] = [:]
    var usedQuotes: [String: UInt64] = [:]

    init(genesis: Genesis, network: Bytes32, keys: [Address: Ed25519.PrivateKey]) {
        self.keys = keys
        issuers = Dictionary(uniqueKeysWithValues: genesis.assets.map { ($0.code, $0.issuer.address) })
        disputeWindow = genesis.parameters.disputeWindowMs
        arbitrationWindow = genesis.parameters.arbitrationWindowMs
        maxTransactionBytes = Int(genesis.parameters.maxTransactionBytes)
        self.network = network
        authorities = genesis.authorities.map(\.address)
        for balance in genesis.balances {
            balances[Pair(account: balance.account.address, asset: balance.asset)] = balance.amount
            nextSequence[balance.account.address] = 0
            issued[balance.asset, default: 0] += balance.amount
        }
        for asset in genesis.assets { nextSequence[asset.issuer.address] = nextSequence[asset.issuer.address] ?? 0 }
        for authority in authorities { nextSequence[authority] = nextSequence[authority] ?? 0 }
    }

    func balance(_ account: Address, _ asset: AssetCode) -> UInt64 { balances[Pair(account: account, asset: asset)] ?? 0 }

    // MARK: Blocks

    /// Applies a block's candidates in order; returns each one's code.
    func block(_ transactions: [Transaction], height: UInt64, parentTime: UInt64) -> [ResultCode] {
        var codes: [ResultCode] = []
        for transaction in transactions {
            codes.append(apply(transaction, height: height, t: parentTime))
        }
        if let due = scheduled.last(where: { $0.height <= height }) {
            authorities = due.set
            scheduled.removeAll { $0.height <= height }
        }
        return codes
    }

    private var height: UInt64 = 0
    private var t: UInt64 = 0

    func apply(_ transaction: Transaction, height: UInt64, t: UInt64) -> ResultCode {
        self.height = height
        self.t = t
        if transaction.wireEncoded.count > maxTransactionBytes { return .temTOO_LARGE }
        if let code = malformed(transaction) { return code }
        if !transaction.hasValidSignature(network: network) { return .temBAD_SIGNATURE }
        if height > transaction.lastValidHeight { return .tefEXPIRED }
        guard let next = nextSequence[transaction.sender] else { return .tefNO_ACCOUNT }
        if transaction.sequence < next { return .tefPAST_SEQ }
        if transaction.sequence > next { return .terPRE_SEQ }
        nextSequence[transaction.sender] = next + 1
        // Run the body on a copy of the whole model; keep it only on success.
        let saved = snapshot()
        let code: ResultCode
        if frozen.contains(transaction.sender) && !allowedWhileFrozen(transaction.body) {
            code = .tecFROZEN
        } else {
            code = body(transaction)
        }
        if code != .tesSUCCESS {
            restore(saved)
            // Too early (ter) is not applied: the sequence stays the sender's next.
            nextSequence[transaction.sender] = code == .terTOO_EARLY ? next : next + 1
        }
        return code
    }

    private func allowedWhileFrozen(_ body: TransactionBody) -> Bool {
        switch body {
        case .freeze, .unfreeze, .merchantAttest, .merchantRevoke, .authorityVote: return true
        default: return false
        }
    }

    private func malformed(_ transaction: Transaction) -> ResultCode? {
        switch transaction.body {
        case let .transfer(to, asset, amount, _):
            if issuers[asset] == nil { return .temUNKNOWN_ASSET }
            if amount == 0 { return .temBAD_AMOUNT }
            if to == transaction.sender { return .temREDUNDANT }
        case let .issue(_, asset, amount), let .redeem(asset, amount):
            if issuers[asset] == nil { return .temUNKNOWN_ASSET }
            if amount == 0 { return .temBAD_AMOUNT }
        case let .claim(asset):
            if issuers[asset] == nil { return .temUNKNOWN_ASSET }
        case let .preauthorize(account, _):
            if account == transaction.sender { return .temREDUNDANT }
        case let .orderCreate(terms):
            if issuers[terms.asset] == nil { return .temUNKNOWN_ASSET }
            if terms.price == 0 { return .temBAD_AMOUNT }
            if terms.shipBy >= terms.deliverBy { return .temBAD_DEADLINES }
            let parties = [transaction.sender, terms.seller] + [terms.carrier, terms.arbiter].compactMap { $0 }
            if Set(parties).count != parties.count { return .temBAD_PARTIES }
            if let quote = terms.fxQuote {
                // Each reason its own code, in this order (docs/ARCHITECTURE.md, "FX quotes").
                if quote.buyer != transaction.sender { return .temQUOTE_WRONG_BUYER }
                if quote.buyerAsset == quote.sellerAsset { return .temQUOTE_SAME_ASSET }
                if quote.sellerAsset != terms.asset { return .temQUOTE_ASSETS }
                if issuers[quote.buyerAsset] == nil { return .temUNKNOWN_ASSET }
                if quote.rateNumerator == 0 || quote.rateDenominator == 0 { return .temBAD_QUOTE }
                if quote.provider == transaction.sender || quote.provider == terms.seller { return .temBAD_PARTIES }
                guard let key = keys[quote.provider],
                      quote.signed(by: key, network: network).signature == quote.signature else { return .temBAD_QUOTE }
            }
        case let .orderResolve(_, points):
            if points > 10_000 { return .temBAD_FRACTION }
        default:
            break
        }
        return nil
    }

    /// Keys of every account in the randomized run, to check quote signatures the
    /// simple way (Ed25519 signatures are deterministic: re-signing must reproduce them).
    let keys: [Address: Ed25519.PrivateKey]

    // MARK: Snapshots

    private struct Snapshot {
        var frozen: Set<Address>, depositAuth: Set<Address>, preauthorized: Set<[Address]>
        var balances: [Pair: UInt64], held: [Pair: UInt64], escrow: [AssetCode: UInt64]
        var issued: [AssetCode: UInt64], redeemed: [AssetCode: UInt64], merchants: Set<Address>
        var orders: [Bytes32: ModelOrder], orderIDs: [Bytes32], credits: [Address: CreditRecord]
        var scheduled: [(height: UInt64, set: [Address])], votes: [AuthorityChange: [Address]]
        var usedQuotes: [String: UInt64], nextSequence: [Address: UInt64]
    }

    private func snapshot() -> Snapshot {
        Snapshot(frozen: frozen, depositAuth: depositAuth, preauthorized: preauthorized, balances: balances, held: held,
                 escrow: escrow, issued: issued, redeemed: redeemed, merchants: merchants, orders: orders,
                 orderIDs: orderIDs, credits: credits, scheduled: scheduled, votes: votes, usedQuotes: usedQuotes,
                 nextSequence: nextSequence)
    }

    private func restore(_ s: Snapshot) {
        frozen = s.frozen; depositAuth = s.depositAuth; preauthorized = s.preauthorized; balances = s.balances
        held = s.held; escrow = s.escrow; issued = s.issued; redeemed = s.redeemed; merchants = s.merchants
        orders = s.orders; orderIDs = s.orderIDs; credits = s.credits; scheduled = s.scheduled; votes = s.votes
        usedQuotes = s.usedQuotes; nextSequence = s.nextSequence
    }

    // MARK: Money

    private func add(_ account: Address, _ asset: AssetCode, _ amount: UInt64) -> Bool {
        let key = Pair(account: account, asset: asset)
        let (sum, overflow) = (balances[key] ?? 0).addingReportingOverflow(amount)
        if overflow { return false }
        balances[key] = sum == 0 ? nil : sum
        if nextSequence[account] == nil { nextSequence[account] = 0 }
        return true
    }

    private func take(_ account: Address, _ asset: AssetCode, _ amount: UInt64) -> Bool {
        let key = Pair(account: account, asset: asset)
        let current = balances[key] ?? 0
        guard current >= amount else { return false }
        balances[key] = current - amount == 0 ? nil : current - amount
        return true
    }

    private func payOut(_ account: Address, _ asset: AssetCode, _ amount: UInt64) {
        guard amount > 0 else { return }
        escrow[asset, default: 0] -= amount
        if frozen.contains(account) {
            held[Pair(account: account, asset: asset), default: 0] += amount
        } else {
            _ = add(account, asset, amount)
        }
    }

    private func credit(_ account: Address, _ change: (inout CreditRecord) -> Void) {
        var record = credits[account] ?? CreditRecord()
        if record.firstActivityHeight == 0 { record.firstActivityHeight = height }
        record.lastActivityHeight = height
        change(&record)
        credits[account] = record
    }

    private func incoming(_ receiver: Address, from sender: Address) -> ResultCode? {
        guard nextSequence[receiver] != nil else { return nil }
        if frozen.contains(receiver) { return .tecFROZEN }
        if depositAuth.contains(receiver) && !preauthorized.contains([receiver, sender]) { return .tecDEPOSIT_AUTH }
        return nil
    }

    // MARK: Bodies

    private func body(_ transaction: Transaction) -> ResultCode {
        let sender = transaction.sender
        let isAuthority = authorities.contains(sender)
        switch transaction.body {
        case let .transfer(to, asset, amount, _):
            if let refused = incoming(to, from: sender) { return refused }
            guard take(sender, asset, amount) else { return .tecINSUFFICIENT_FUNDS }
            return add(to, asset, amount) ? .tesSUCCESS : .tecOVERFLOW
        case let .issue(to, asset, amount):
            guard issuers[asset] == sender else { return .tecNO_PERMISSION }
            let (total, overflow) = issued[asset, default: 0].addingReportingOverflow(amount)
            if overflow { return .tecOVERFLOW }
            if to != sender, let refused = incoming(to, from: sender) { return refused }
            guard add(to, asset, amount) else { return .tecOVERFLOW }
            issued[asset] = total
            return .tesSUCCESS
        case let .redeem(asset, amount):
            guard issuers[asset] == sender else { return .tecNO_PERMISSION }
            guard take(sender, asset, amount) else { return .tecINSUFFICIENT_FUNDS }
            redeemed[asset, default: 0] += amount
            return .tesSUCCESS
        case let .merchantAttest(merchant, _, _, _):
            guard isAuthority else { return .tecNO_PERMISSION }
            merchants.insert(merchant)
            return .tesSUCCESS
        case let .merchantRevoke(merchant):
            guard isAuthority else { return .tecNO_PERMISSION }
            return merchants.remove(merchant) == nil ? .tecNO_ENTRY : .tesSUCCESS
        case let .freeze(account):
            guard isAuthority else { return .tecNO_PERMISSION }
            guard !frozen.contains(account) else { return .tecNO_CHANGE }
            frozen.insert(account)
            if nextSequence[account] == nil { nextSequence[account] = 0 }
            return .tesSUCCESS
        case let .unfreeze(account):
            guard isAuthority else { return .tecNO_PERMISSION }
            guard frozen.contains(account) else { return .tecNO_CHANGE }
            // Only another authority lifts an authority's freeze.
            guard account != sender else { return .tecFROZEN }
            frozen.remove(account)
            return .tesSUCCESS
        case let .setDepositAuth(enabled):
            if enabled { depositAuth.insert(sender) } else { depositAuth.remove(sender) }
            return .tesSUCCESS
        case let .preauthorize(account, authorized):
            if authorized { preauthorized.insert([sender, account]) } else { preauthorized.remove([sender, account]) }
            return .tesSUCCESS
        case let .authorityVote(change):
            guard isAuthority else { return .tecNO_PERMISSION }
            let base = scheduled.last?.set ?? authorities
            switch change {
            case let .add(key) where base.contains(key): return .tecNO_CHANGE
            case let .remove(key) where !base.contains(key): return .tecNO_CHANGE
            case .remove where base.count == 1: return .tecNO_CHANGE
            default: break
            }
            var voters = votes[change] ?? []
            if voters.contains(sender) { return .tecDUPLICATE_VOTE }
            voters.append(sender)
            if voters.filter({ authorities.contains($0) }).count * 3 > authorities.count * 2 {
                var next = base
                if case let .add(key) = change { next.append(key) }
                if case let .remove(key) = change { next.removeAll { $0 == key } }
                scheduled.append((height + 2, next.sorted()))
                votes[change] = nil
            } else {
                votes[change] = voters
            }
            return .tesSUCCESS
        case let .claim(asset):
            let key = Pair(account: sender, asset: asset)
            guard let amount = held[key], amount > 0 else { return .tecNO_ENTRY }
            guard add(sender, asset, amount) else { return .tecOVERFLOW }
            held[key] = nil
            return .tesSUCCESS
        case let .orderCreate(terms):
            return create(transaction.id, buyer: sender, terms: terms)
        default:
            return transition(transaction)
        }
    }

    private func create(_ id: Bytes32, buyer: Address, terms: OrderTerms) -> ResultCode {
        guard t < terms.shipBy else { return .tecTOO_LATE }
        if orders[id] != nil { return .tecNO_CHANGE }
        if terms.requireVerifiedMerchant && !merchants.contains(terms.seller) { return .tecNOT_VERIFIED }
        if frozen.contains(terms.seller) { return .tecFROZEN }
        var legs: [(AssetCode, UInt64, Address, Address)]
        if let quote = terms.fxQuote {
            guard height <= quote.expiryHeight else { return .tecQUOTE_EXPIRED }
            guard terms.price <= quote.maxAmount else { return .tecQUOTE_LIMIT }
            let quoteKey = "\(quote.provider)/\(quote.quoteID)"
            if let until = usedQuotes[quoteKey], height <= until { return .tecQUOTE_USED }
            if frozen.contains(quote.provider) { return .tecFROZEN }
            // Independent arithmetic: exact big products via two 64-bit halves.
            let product = terms.price.multipliedFullWidth(by: quote.rateNumerator)
            guard product.high < quote.rateDenominator else { return .tecOVERFLOW }
            let division = quote.rateDenominator.dividingFullWidth(product)
            var converted = division.quotient
            if division.remainder != 0 {
                guard converted < UInt64.max else { return .tecOVERFLOW }
                converted += 1
            }
            guard take(quote.provider, terms.asset, terms.price) else { return .tecINSUFFICIENT_FUNDS }
            guard take(buyer, quote.buyerAsset, converted) else { return .tecINSUFFICIENT_FUNDS }
            usedQuotes[quoteKey] = quote.expiryHeight
            legs = [(terms.asset, terms.price, quote.provider, terms.seller), (quote.buyerAsset, converted, buyer, quote.provider)]
        } else {
            guard take(buyer, terms.asset, terms.price) else { return .tecINSUFFICIENT_FUNDS }
            legs = [(terms.asset, terms.price, buyer, terms.seller)]
        }
        for leg in legs { escrow[leg.0, default: 0] += leg.1 }
        orders[id] = ModelOrder(id: id, buyer: buyer, terms: terms, state: .created, legs: legs)
        orderIDs.append(id)
        credit(buyer) { $0.ordersAsBuyer += 1 }
        credit(terms.seller) { $0.ordersAsSeller += 1 }
        return .tesSUCCESS
    }

    private func settle(_ order: inout ModelOrder, points: UInt64, to state: Order.State) {
        for leg in order.legs {
            let onward = leg.1 / 10_000 * points + (leg.1 % 10_000) * points / 10_000
            payOut(leg.3, leg.0, onward)
            payOut(leg.2, leg.0, leg.1 - onward)
        }
        order.state = state
        let buyer = order.buyer
        let seller = order.terms.seller
        if state == .completed { credit(buyer) { $0.completed += 1 }; credit(seller) { $0.completed += 1 } }
        if state == .refunded { credit(buyer) { $0.refunded += 1 }; credit(seller) { $0.refunded += 1 } }
        if state == .completed || state == .resolved {
            if let paid = order.legs.last(where: { $0.2 == buyer }) {
                let amount = paid.1 / 10_000 * points + (paid.1 % 10_000) * points / 10_000
                if amount > 0 { credit(buyer) { $0.volumeSettled[paid.0, default: 0] &+= amount } }
            }
            if let received = order.legs.first(where: { $0.3 == seller }) {
                let amount = received.1 / 10_000 * points + (received.1 % 10_000) * points / 10_000
                if amount > 0 { credit(seller) { $0.volumeSettled[received.0, default: 0] &+= amount } }
            }
        }
    }

    private func transition(_ transaction: Transaction) -> ResultCode {
        let id: Bytes32
        switch transaction.body {
        case let .orderAccept(order), let .orderDecline(order), let .orderCancel(order), let .orderRefund(order),
             let .orderShip(order, _), let .orderCheckpoint(order, _), let .orderConfirm(order), let .orderRelease(order),
             let .orderDispute(order, _), let .orderResolve(order, _):
            id = order
        default:
            return .temMALFORMED
        }
        guard var order = orders[id] else { return .tecNO_ENTRY }
        let sender = transaction.sender
        let terms = order.terms
        let buyer = sender == order.buyer
        let seller = sender == terms.seller
        switch transaction.body {
        case .orderAccept:
            guard seller else { return .tecNO_PERMISSION }
            guard order.state == .created else { return .tecWRONG_STATE }
            guard t < terms.shipBy else { return .tecTOO_LATE }
            order.state = .accepted
        case .orderDecline:
            guard seller else { return .tecNO_PERMISSION }
            guard order.state == .created else { return .tecWRONG_STATE }
            settle(&order, points: 0, to: .refunded)
        case .orderCancel:
            guard buyer else { return .tecNO_PERMISSION }
            guard order.state == .created || order.state == .accepted else { return .tecWRONG_STATE }
            guard t < terms.shipBy else { return .tecTOO_LATE }
            settle(&order, points: 0, to: .refunded)
        case .orderRefund:
            if seller && [.created, .accepted, .shipped, .delivered].contains(order.state) {
                settle(&order, points: 0, to: .refunded)
            } else if order.state == .created || order.state == .accepted {
                guard t >= terms.shipBy else { return .terTOO_EARLY }
                settle(&order, points: 0, to: .refunded)
            } else if order.state == .shipped && terms.carrier != nil {
                guard t >= terms.deliverBy else { return .terTOO_EARLY }
                settle(&order, points: 0, to: .refunded)
            } else if order.state == .disputed {
                guard t >= order.disputedAt! + arbitrationWindow else { return .terTOO_EARLY }
                credit(order.buyer) { $0.disputesWon += 1 }
                credit(terms.seller) { $0.disputesLost += 1 }
                if let arbiter = terms.arbiter { credit(arbiter) { $0.arbitrationTimeouts += 1 } }
                settle(&order, points: 0, to: .refunded)
            } else {
                return .tecWRONG_STATE
            }
        case .orderShip:
            guard seller else { return .tecNO_PERMISSION }
            guard order.state == .accepted else { return .tecWRONG_STATE }
            guard t < terms.shipBy else { return .tecTOO_LATE }
            order.state = .shipped
            order.shippedAt = t
        case let .orderCheckpoint(_, kind):
            guard terms.carrier == sender else { return .tecNO_PERMISSION }
            guard order.state == .shipped else { return .tecWRONG_STATE }
            guard t < terms.deliverBy else { return .tecTOO_LATE }
            guard order.checkpoints < Order.maxCheckpoints else { return .tecNO_CHANGE }
            order.checkpoints += 1
            if kind == .delivered {
                order.state = .delivered
                order.deliveredAt = t
            }
        case .orderConfirm:
            guard buyer else { return .tecNO_PERMISSION }
            guard order.state == .shipped || order.state == .delivered else { return .tecWRONG_STATE }
            settle(&order, points: 10_000, to: .completed)
        case .orderRelease:
            if order.state == .delivered {
                guard t >= order.deliveredAt! + disputeWindow else { return .terTOO_EARLY }
            } else if order.state == .shipped && terms.carrier == nil {
                guard t >= terms.deliverBy + disputeWindow else { return .terTOO_EARLY }
            } else {
                return .tecWRONG_STATE
            }
            settle(&order, points: 10_000, to: .completed)
        case .orderDispute:
            guard buyer || seller else { return .tecNO_PERMISSION }
            guard terms.arbiter != nil else { return .tecNO_PERMISSION }
            if order.state == .delivered {
                guard t < order.deliveredAt! + disputeWindow else { return .tecTOO_LATE }
            } else if order.state == .shipped {
                guard t < (terms.carrier != nil ? terms.deliverBy : terms.deliverBy + disputeWindow) else { return .tecTOO_LATE }
            } else {
                return .tecWRONG_STATE
            }
            order.state = .disputed
            order.disputedAt = t
            credit(order.buyer) { $0.disputed += 1 }
            credit(terms.seller) { $0.disputed += 1 }
        case let .orderResolve(_, points):
            guard let arbiter = terms.arbiter, arbiter == sender else { return .tecNO_PERMISSION }
            guard order.state == .disputed else { return .tecWRONG_STATE }
            guard t < order.disputedAt! + arbitrationWindow else { return .tecTOO_LATE }
            if points > 5000 { credit(terms.seller) { $0.disputesWon += 1 }; credit(order.buyer) { $0.disputesLost += 1 } }
            if points < 5000 { credit(order.buyer) { $0.disputesWon += 1 }; credit(terms.seller) { $0.disputesLost += 1 } }
            credit(arbiter) { _ in }
            settle(&order, points: UInt64(points), to: .resolved)
        default:
            return .temMALFORMED
        }
        orders[id] = order
        return .tesSUCCESS
    }
}
