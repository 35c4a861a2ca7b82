/// A block's header. Its id is the BLAKE2b-256 of this encoding; the commit
/// certificate signs the id.
public struct BlockHeader: Hashable, Sendable {
    public static let version: UInt8 = 1

    public var networkID: Bytes32
    public var height: UInt64
    /// The proposer's clock, Unix milliseconds; strictly after the parent's.
    public var time: UInt64
    public var parentID: Bytes32
    public var transactionsRoot: Bytes32
    /// The state root after applying this block.
    public var stateRoot: Bytes32
    /// The hash of the authority set that signs this block's certificate.
    public var authoritySetHash: Bytes32
    /// The authority set from height + 2 on, present only when it changes.
    public var nextAuthorities: [Address]?
    public var proposer: Address
    public var evidenceRoot: Bytes32
    public var lastCommitHash: Bytes32

    public init(networkID: Bytes32, height: UInt64, time: UInt64, parentID: Bytes32, transactionsRoot: Bytes32,
                stateRoot: Bytes32, authoritySetHash: Bytes32, nextAuthorities: [Address]? = nil, proposer: Address,
                evidenceRoot: Bytes32, lastCommitHash: Bytes32) {
        self.networkID = networkID
        self.height = height
        self.time = time
        self.parentID = parentID
        self.transactionsRoot = transactionsRoot
        self.stateRoot = stateRoot
        self.authoritySetHash = authoritySetHash
        self.nextAuthorities = nextAuthorities
        self.proposer = proposer
        self.evidenceRoot = evidenceRoot
        self.lastCommitHash = lastCommitHash
    }
}

extension BlockHeader: WireCodable {
    public func encode(to writer: inout WireWriter) {
        writer.writeUInt8(Self.version)
        writer.write(networkID)
        writer.writeVarint(height)
        writer.writeUInt64(time)
        writer.write(parentID)
        writer.write(transactionsRoot)
        writer.write(stateRoot)
        writer.write(authoritySetHash)
        writer.writeOptional(nextAuthorities) { $0.writeArray($1) { $0.write($1) } }
        writer.write(proposer)
        writer.write(evidenceRoot)
        writer.write(lastCommitHash)
    }

    public init(from reader: inout WireReader) throws(WireError) {
        _ = try reader.readVersion(of: "BlockHeader", supported: Self.version...Self.version)
        networkID = try reader.read()
        height = try reader.readVarint()
        time = try reader.readUInt64()
        parentID = try reader.read()
        transactionsRoot = try reader.read()
        stateRoot = try reader.read()
        authoritySetHash = try reader.read()
        nextAuthorities = try reader.readOptional { (r: inout WireReader) throws(WireError) in
            try r.readArray(maxCount: Genesis.maxAuthorities) { (r: inout WireReader) throws(WireError) in try r.read(Address.self) }
        }
        proposer = try reader.read()
        evidenceRoot = try reader.read()
        lastCommitHash = try reader.read()
    }
}

/// A block: header, transactions in order, and the evidence section (its items are
/// defined by consensus; the ledger records them against the authority).
public struct Block: Hashable, Sendable {
    public static let maxTransactions = 100_000
    public static let maxEvidence = 64
    public static let maxEvidenceBytes = 4096

    public var header: BlockHeader
    public var transactions: [Transaction]
    public var evidence: [[UInt8]]

    public init(header: BlockHeader, transactions: [Transaction], evidence: [[UInt8]] = []) {
        self.header = header
        self.transactions = transactions
        self.evidence = evidence
    }
}

extension Block: WireCodable {
    public func encode(to writer: inout WireWriter) {
        writer.write(header)
        writer.writeArray(transactions) { $0.write($1) }
        writer.writeArray(evidence) { $0.writeBytes($1) }
    }

    public init(from reader: inout WireReader) throws(WireError) {
        header = try reader.read()
        transactions = try reader.readArray(maxCount: Self.maxTransactions) { (r: inout WireReader) throws(WireError) in
            try r.read(Transaction.self)
        }
        evidence = try reader.readBlockEvidence()
    }
}

/// The outcome of one transaction in a block.
public struct Receipt: Hashable, Sendable {
    public static let version: UInt8 = 1

    public var transactionID: Bytes32
    public var height: UInt64
    public var index: UInt32
    /// The stable result code (see the ledger's ResultCode).
    public var code: UInt16
    /// The offending values, for people.
    public var message: String

    public init(transactionID: Bytes32, height: UInt64, index: UInt32, code: UInt16, message: String) {
        self.transactionID = transactionID
        self.height = height
        self.index = index
        self.code = code
        self.message = message
    }
}

extension Receipt: WireCodable {
    public func encode(to writer: inout WireWriter) {
        writer.writeUInt8(Self.version)
        writer.write(transactionID)
        writer.writeVarint(height)
        writer.writeUInt32(index)
        writer.writeUInt16(code)
        writer.writeString(message)
    }

    public init(from reader: inout WireReader) throws(WireError) {
        _ = try reader.readVersion(of: "Receipt", supported: Self.version...Self.version)
        transactionID = try reader.read()
        height = try reader.readVarint()
        index = try reader.readUInt32()
        code = try reader.readUInt16()
        message = try reader.readString(maxBytes: 512)
    }
}

extension WireReader {
    /// A list of transaction ids (a block's, a proposal's, a request's), at most `maxCount`.
    mutating func readTransactionIDs(maxCount: Int) throws(WireError) -> [Bytes32] {
        try readArray(maxCount: maxCount) { (r: inout WireReader) throws(WireError) in try r.read(Bytes32.self) }
    }

    /// A block's evidence: at most `Block.maxEvidence` encoded items of at most
    /// `Block.maxEvidenceBytes` each (the same in a block, a proposal and a compact block).
    mutating func readBlockEvidence() throws(WireError) -> [[UInt8]] {
        try readArray(maxCount: Block.maxEvidence) { (r: inout WireReader) throws(WireError) in
            try r.readBytes(maxCount: Block.maxEvidenceBytes)
        }
    }
}
