import TradewindLedger
import TradewindStore
import TradewindWire

/// A peer's chain on LMDB: the ledger state, blocks by height and id, and
/// receipts (which index the transactions). Each block is applied in one write transaction —
/// the block, its receipts and every state change, or none of them.
public final class ChainStore: @unchecked Sendable {
    static let state = Table<[UInt8], [UInt8]>("state")
    static let blocks = Table<UInt64, [UInt8]>("blocks")
    static let blockIDs = Table<Bytes32, UInt64>("block_ids")
    static let receipts = Table<Bytes32, [UInt8]>("receipts")
    static let meta = Table<String, [UInt8]>("meta")
    static let certificates = Table<UInt64, [UInt8]>("certificates")
    /// "transactions" (id → location) is no longer written, the receipts being the
    /// index; it is still opened so that homes written before keep opening unchanged.
    public static let tableNames = ["state", "blocks", "block_ids", "transactions", "receipts", "meta", "certificates"]

    public let environment: StoreEnvironment

    public struct Head: Equatable, Sendable {
        public var height: UInt64
        public var stateRoot: Bytes32
        public var blockID: Bytes32
    }

    public init(directory: String, options: StoreEnvironment.Options = .init()) throws(StoreError) {
        environment = try StoreEnvironment(directory: directory, tables: Self.tableNames, options: options)
    }

    /// Writes the genesis state if the store is empty; checks the network otherwise.
    public func initialize(ledger: Ledger) throws {
        try environment.write { txn in
            if let stored = try txn.get("network", in: Self.meta) {
                guard stored == ledger.networkID.bytes else {
                    throw LedgerError.storage("this store belongs to network \(Hex.encode(stored)), not \(ledger.networkID.hex)")
                }
                return
            }
            let genesis = ledger.genesisState()
            for write in genesis.writes {
                if let value = write.value { try txn.put(value, forKey: write.key.bytes, in: Self.state) }
            }
            try txn.put(ledger.networkID.bytes, forKey: "network", in: Self.meta)
            try Self.putHead(Head(height: 0, stateRoot: genesis.root, blockID: .zero), txn)
        }
    }

    private static func putHead(_ head: Head, _ txn: WriteTransaction) throws {
        var writer = WireWriter()
        writer.writeVarint(head.height)
        writer.write(head.stateRoot)
        writer.write(head.blockID)
        try txn.put(writer.bytes, forKey: "head", in: meta)
    }

    private static func readHead(_ txn: some ReadableTransaction) throws -> Head? {
        guard let bytes = try txn.get("head", in: meta) else { return nil }
        var reader = WireReader(bytes)
        let head = Head(height: try reader.readVarint(), stateRoot: try reader.read(), blockID: try reader.read())
        try reader.expectEnd()
        return head
    }

    public func head() throws -> Head {
        try environment.read { txn in
            guard let head = try Self.readHead(txn) else { throw LedgerError.missingChainState }
            return head
        }
    }

    /// Commits a block that consensus already validated (its execution computed
    /// against this store's head), with its certificate, in one write transaction.
    /// Refuses a block that does not extend the head: nothing is written then.
    /// Only tools that replay uncertified blocks (the test probe) pass no certificate.
    public func commit(_ block: Block, certificate: CommitCertificate?, execution: Ledger.Execution) throws {
        try environment.write { txn in
            guard let head = try Self.readHead(txn) else { throw LedgerError.missingChainState }
            guard block.header.height == head.height + 1, block.header.parentID == head.blockID else {
                throw LedgerError.invalidBlock("block \(block.header.height) does not extend the head at \(head.height)")
            }
            try Self.write(block, execution: execution, txn)
            if let certificate {
                try txn.put(certificate.wireEncoded, forKey: block.header.height, in: Self.certificates)
            }
        }
    }

    private static func write(_ block: Block, execution: Ledger.Execution, _ txn: WriteTransaction) throws {
        let header = block.header
        for write in execution.writes {
            if let value = write.value {
                try txn.put(value, forKey: write.key.bytes, in: Self.state)
            } else {
                try txn.delete(write.key.bytes, in: Self.state)
            }
        }
        let blockID = header.id
        try txn.put(block.wireEncoded, forKey: header.height, in: Self.blocks)
        try txn.put(header.height, forKey: blockID, in: Self.blockIDs)
        // The receipt is also the transaction index (it holds height and position):
        // one random-key write per transaction instead of two.
        for (index, outcome) in execution.included.enumerated() {
            let receipt = Receipt(transactionID: outcome.id, height: header.height, index: UInt32(index),
                                  code: outcome.result.code.rawValue, message: outcome.result.message)
            try txn.put(receipt.wireEncoded, forKey: outcome.id, in: Self.receipts)
        }
        try Self.putHead(Head(height: header.height, stateRoot: execution.stateRoot, blockID: blockID), txn)
    }

    public func block(at height: UInt64) throws -> Block? {
        try environment.read { txn in
            try txn.get(height, in: Self.blocks).map { try Block(wireEncoded: $0) }
        }
    }

    public func certificate(at height: UInt64) throws -> CommitCertificate? {
        try environment.read { txn in
            try txn.get(height, in: Self.certificates).map { try CommitCertificate(wireEncoded: $0) }
        }
    }

    public func height(of blockID: Bytes32) throws -> UInt64? {
        try environment.read { txn in try txn.get(blockID, in: Self.blockIDs) }
    }

    /// Where a committed transaction is: its block height and index.
    public func location(of transaction: Bytes32) throws -> (height: UInt64, index: UInt32)? {
        try receipt(for: transaction).map { ($0.height, $0.index) }
    }

    /// Consensus safety state (the last signed height, round, step, value and lock):
    /// written durably before any vote or proposal leaves the peer.
    public func saveSignedState(_ bytes: [UInt8]) throws {
        try environment.write { txn in try txn.put(bytes, forKey: "signed", in: Self.meta) }
    }

    public func signedState() throws -> [UInt8]? {
        try environment.read { txn in try txn.get("signed", in: Self.meta) }
    }

    public func receipt(for transaction: Bytes32) throws -> Receipt? {
        try environment.read { txn in
            try txn.get(transaction, in: Self.receipts).map { try Receipt(wireEncoded: $0) }
        }
    }

    /// Reads state records in one snapshot.
    public func withState<R>(_ body: (TransactionStateView<ReadTransaction>) throws -> R) throws -> R {
        try environment.read { txn in try body(TransactionStateView(transaction: txn)) }
    }

    /// State entries whose keys start with `prefix`, in key order, up to `limit`.
    public func stateEntries(prefix: [UInt8], limit: Int = .max) throws -> [(key: StateKey, value: [UInt8])] {
        try environment.read { txn in
            var result: [(key: StateKey, value: [UInt8])] = []
            try txn.forEach(in: Self.state, from: prefix) { key, value in
                guard key.starts(with: prefix), result.count < limit else { return false }
                result.append((StateKey(bytes: key), value))
                return true
            }
            return result
        }
    }

    /// Every state entry, in key order (for comparisons and exports).
    public func stateEntries() throws -> [(key: StateKey, value: [UInt8])] {
        try environment.read { txn in
            try txn.entries(in: Self.state).map { (StateKey(bytes: $0.key), $0.value) }
        }
    }
}

/// The ledger's view of the state through an open LMDB transaction.
public struct TransactionStateView<Transaction: ReadableTransaction>: StateView {
    let transaction: Transaction

    public func value(for key: StateKey) throws -> [UInt8]? {
        try transaction.get(key.bytes, in: ChainStore.state)
    }

    public func record<T: WireDecodable>(_ key: StateKey, as type: T.Type = T.self) throws -> T? {
        try value(for: key).map { try T(wireEncoded: $0) }
    }

    public func chain() throws -> ChainState? { try record(.chain, as: ChainState.self) }
}
