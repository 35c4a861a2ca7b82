import TradewindLedger
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

    public func order(_ id: Bytes32) throws -> OrderView? {
        try record(.order(id), as: Order.self).map { try view($0) }
    }

    /// Orders where `account` is buyer, seller, carrier or arbiter (all orders if nil).
    public func orders(account: Address?, limit: Int) throws -> [OrderView] {
        var result: [OrderView] = []
        for entry in try store.stateEntries(prefix: [StateKey.Table.order.rawValue]) {
            guard result.count < limit, let order = try? Order(wireEncoded: entry.value) else { continue }
            if let account, ![order.buyer, order.terms.seller, order.terms.carrier, order.terms.arbiter].contains(account) {
                continue
            }
            result.append(try view(order))
        }
        return result
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

    func view(_ order: Order) throws -> OrderView {
        let decimals = try decimals(order.terms.asset)
        return OrderView(
            id: order.id.hex, buyer: order.buyer.description, seller: order.terms.seller.description,
            carrier: order.terms.carrier?.description, arbiter: order.terms.arbiter?.description,
            state: order.state.description, asset: order.terms.asset.rawValue, price: order.terms.price,
            display: Amount.format(order.terms.price, decimals: decimals), shipBy: order.terms.shipBy,
            deliverBy: order.terms.deliverBy, fxLocked: order.terms.fxQuote != nil,
            checkpoints: order.checkpoints.map { "\($0.kind)" }, createdHeight: order.createdHeight)
    }
}
