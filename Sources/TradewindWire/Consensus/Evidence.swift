/// Proof that an authority signed two conflicting messages for one height, round
/// and step. It travels in a block's evidence section, and the ledger records it
/// against the authority when the block applies.
public enum Evidence: Hashable, Sendable {
    /// Two votes of one kind, height and round for different blocks.
    case conflictingVotes(Vote, Vote)
    /// Two proposals for one height and round naming different blocks.
    case conflictingProposals(SignedProposal, SignedProposal)

    /// Builds evidence with its two parts in canonical order (by encoding), so that
    /// the same offence always has the same bytes.
    public static func votes(_ a: Vote, _ b: Vote) -> Evidence {
        a.wireEncoded.lexicographicallyPrecedes(b.wireEncoded) ? .conflictingVotes(a, b) : .conflictingVotes(b, a)
    }

    public static func proposals(_ a: SignedProposal, _ b: SignedProposal) -> Evidence {
        a.wireEncoded.lexicographicallyPrecedes(b.wireEncoded) ? .conflictingProposals(a, b) : .conflictingProposals(b, a)
    }

    public var offender: Address {
        switch self {
        case let .conflictingVotes(vote, _): return vote.validator
        case let .conflictingProposals(proposal, _): return proposal.proposer
        }
    }

    public var height: UInt64 {
        switch self {
        case let .conflictingVotes(vote, _): return vote.height
        case let .conflictingProposals(proposal, _): return proposal.height
        }
    }

    public var round: UInt32 {
        switch self {
        case let .conflictingVotes(vote, _): return vote.round
        case let .conflictingProposals(proposal, _): return proposal.round
        }
    }

    /// 0 proposal, 1 prevote, 2 precommit: the step the offence was in.
    public var step: UInt8 {
        switch self {
        case let .conflictingVotes(vote, _): return vote.kind.rawValue
        case .conflictingProposals: return 0
        }
    }

    /// The structural rule (signatures are checked by consensus): the same signer,
    /// height, round and step, two different blocks, canonical order.
    public var isWellFormed: Bool {
        switch self {
        case let .conflictingVotes(a, b):
            return a.validator == b.validator && a.kind == b.kind && a.height == b.height && a.round == b.round
                && a.blockID != b.blockID && a.wireEncoded.lexicographicallyPrecedes(b.wireEncoded)
        case let .conflictingProposals(a, b):
            return a.proposer == b.proposer && a.height == b.height && a.round == b.round
                && a.blockID != b.blockID && a.wireEncoded.lexicographicallyPrecedes(b.wireEncoded)
        }
    }
}

extension Evidence: WireCodable {
    public func encode(to writer: inout WireWriter) {
        switch self {
        case let .conflictingVotes(a, b):
            writer.writeUInt8(1)
            writer.write(a)
            writer.write(b)
        case let .conflictingProposals(a, b):
            writer.writeUInt8(2)
            writer.write(a)
            writer.write(b)
        }
    }

    public init(from reader: inout WireReader) throws(WireError) {
        let tag = try reader.readUInt8()
        switch tag {
        case 1: self = .conflictingVotes(try reader.read(), try reader.read())
        case 2: self = .conflictingProposals(try reader.read(), try reader.read())
        default: throw .unknownTag(type: "Evidence", tag: UInt64(tag))
        }
        guard isWellFormed else {
            throw .invalidValue(type: "Evidence", reason: "the two messages must be one signer's, for one height, round and step, naming different blocks, in canonical order")
        }
    }
}
