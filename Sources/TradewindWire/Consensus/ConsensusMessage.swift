/// Everything authorities and followers exchange to agree on and fetch blocks
/// (docs/PROTOCOL.md §7). One byte of tag, then the payload.
public enum ConsensusMessage: Hashable, Sendable {
    public static let maxTransactionsPerMessage = 512

    case proposal(ProposalMessage)
    case vote(Vote)
    case evidence(Evidence)
    /// Transactions for the mempool, or sent in answer to a request.
    case transactions([Transaction])
    /// Asks for the bodies of transactions a proposal at `height` names.
    case transactionRequest(height: UInt64, ids: [Bytes32])
    /// Asks for the committed block at `height` with its certificate.
    case blockRequest(height: UInt64)
    case committedBlock(Block, CommitCertificate)
    /// A committed block without its transaction bodies (gossip's form of a block).
    case compactBlock(CompactBlock)
    /// Asks a peer that committed `height` for the bodies of these of its transactions
    /// (to complete a compact block); answered with `transactions`.
    case committedTransactionsRequest(height: UInt64, ids: [Bytes32])

    /// The height a message is about: a receiver further ahead answers with the
    /// committed block of that height.
    public var height: UInt64? {
        switch self {
        case let .proposal(message): return message.proposal.height
        case let .vote(vote): return vote.height
        case let .transactionRequest(height, _), let .blockRequest(height): return height
        case let .committedBlock(block, _): return block.header.height
        case let .compactBlock(compact): return compact.header.height
        case let .committedTransactionsRequest(height, _): return height
        case .evidence, .transactions: return nil
        }
    }
}

extension ConsensusMessage: WireCodable {
    public func encode(to writer: inout WireWriter) {
        switch self {
        case let .proposal(message):
            writer.writeUInt8(1)
            writer.write(message)
        case let .vote(vote):
            writer.writeUInt8(2)
            writer.write(vote)
        case let .evidence(evidence):
            writer.writeUInt8(3)
            writer.write(evidence)
        case let .transactions(transactions):
            writer.writeUInt8(4)
            writer.writeArray(transactions) { $0.write($1) }
        case let .transactionRequest(height, ids):
            writer.writeUInt8(5)
            writer.writeVarint(height)
            writer.writeArray(ids) { $0.write($1) }
        case let .blockRequest(height):
            writer.writeUInt8(6)
            writer.writeVarint(height)
        case let .committedBlock(block, certificate):
            writer.writeUInt8(7)
            writer.write(block)
            writer.write(certificate)
        case let .compactBlock(compact):
            writer.writeUInt8(8)
            writer.write(compact)
        case let .committedTransactionsRequest(height, ids):
            writer.writeUInt8(9)
            writer.writeVarint(height)
            writer.writeArray(ids) { $0.write($1) }
        }
    }

    public init(from reader: inout WireReader) throws(WireError) {
        let tag = try reader.readUInt8()
        switch tag {
        case 1: self = .proposal(try reader.read())
        case 2: self = .vote(try reader.read())
        case 3: self = .evidence(try reader.read())
        case 4:
            self = .transactions(try reader.readArray(maxCount: Self.maxTransactionsPerMessage) {
                (r: inout WireReader) throws(WireError) in try r.read(Transaction.self)
            })
        case 5:
            let height = try reader.readVarint()
            let ids = try reader.readTransactionIDs(maxCount: Block.maxTransactions)
            self = .transactionRequest(height: height, ids: ids)
        case 6: self = .blockRequest(height: try reader.readVarint())
        case 7:
            let block = try reader.read(Block.self)
            self = .committedBlock(block, try reader.read())
        case 8: self = .compactBlock(try reader.read())
        case 9:
            let height = try reader.readVarint()
            let ids = try reader.readTransactionIDs(maxCount: ConsensusMessage.maxTransactionsPerMessage)
            self = .committedTransactionsRequest(height: height, ids: ids)
        default: throw .unknownTag(type: "ConsensusMessage", tag: UInt64(tag))
        }
    }
}
