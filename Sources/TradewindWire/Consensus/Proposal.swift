/// The signed part of a proposal: which block the proposer proposes at a height
/// and round. Small on purpose, so that two conflicting ones fit in evidence.
public struct SignedProposal: Hashable, Sendable {
    public static let version: UInt8 = 1

    public var height: UInt64
    public var round: UInt32
    /// The round in which the proposer saw a quorum of prevotes for this block, or nil.
    public var validRound: UInt32?
    public var blockID: Bytes32
    public var proposer: Address
    public var signature: Bytes64

    public init(height: UInt64, round: UInt32, validRound: UInt32?, blockID: Bytes32, proposer: Address,
                signature: Bytes64 = .zero) {
        self.height = height
        self.round = round
        self.validRound = validRound
        self.blockID = blockID
        self.proposer = proposer
        self.signature = signature
    }

    public var signingBody: [UInt8] {
        var writer = WireWriter(reservingCapacity: 80)
        encodeUnsigned(to: &writer)
        return writer.bytes
    }

    func encodeUnsigned(to writer: inout WireWriter) {
        writer.writeUInt8(Self.version)
        writer.writeVarint(height)
        writer.writeVarint(UInt64(round))
        writer.writeOptional(validRound) { $0.writeVarint(UInt64($1)) }
        writer.write(blockID)
        writer.write(proposer)
    }
}

extension SignedProposal: WireCodable {
    public func encode(to writer: inout WireWriter) {
        encodeUnsigned(to: &writer)
        writer.write(signature)
    }

    public init(from reader: inout WireReader) throws(WireError) {
        _ = try reader.readVersion(of: "SignedProposal", supported: Self.version...Self.version)
        height = try reader.readVarint()
        round = try reader.readRound()
        validRound = try reader.readOptional { (r: inout WireReader) throws(WireError) in try r.readRound() }
        blockID = try reader.read()
        proposer = try reader.read()
        signature = try reader.read()
        if let validRound, validRound >= round {
            throw .invalidValue(type: "SignedProposal", reason: "valid round \(validRound) is not before round \(round)")
        }
    }
}

/// A proposal as relayed: the signed part, the block's header, the ordered ids of its
/// transactions (compact relay: receivers fill the bodies from their mempools) and
/// its evidence section, plus the certificate of the parent block that the header's
/// `lastCommitHash` names.
public struct ProposalMessage: Hashable, Sendable {
    public var proposal: SignedProposal
    public var header: BlockHeader
    public var transactionIDs: [Bytes32]
    public var evidence: [[UInt8]]
    public var lastCommit: CommitCertificate?

    public init(proposal: SignedProposal, header: BlockHeader, transactionIDs: [Bytes32], evidence: [[UInt8]],
                lastCommit: CommitCertificate?) {
        self.proposal = proposal
        self.header = header
        self.transactionIDs = transactionIDs
        self.evidence = evidence
        self.lastCommit = lastCommit
    }
}

extension ProposalMessage: WireCodable {
    public func encode(to writer: inout WireWriter) {
        writer.write(proposal)
        writer.write(header)
        writer.writeArray(transactionIDs) { $0.write($1) }
        writer.writeArray(evidence) { $0.writeBytes($1) }
        writer.writeOptional(lastCommit) { $0.write($1) }
    }

    public init(from reader: inout WireReader) throws(WireError) {
        proposal = try reader.read()
        header = try reader.read()
        transactionIDs = try reader.readTransactionIDs(maxCount: Block.maxTransactions)
        evidence = try reader.readBlockEvidence()
        lastCommit = try reader.readOptional { (r: inout WireReader) throws(WireError) in try r.read(CommitCertificate.self) }
    }
}
