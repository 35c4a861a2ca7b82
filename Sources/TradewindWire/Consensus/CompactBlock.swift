/// A committed block as gossip spreads it: the header, the ordered ids of its
/// transactions, its evidence and the certificate, without the transaction bodies.
/// Nearly every peer already holds the bodies (transactions spread before they are
/// committed), so it rebuilds the block from its mempool and fetches only what it
/// lacks (`ConsensusMessage.committedTransactionsRequest`): a block crosses the mesh
/// in one message per hop instead of as parts.
public struct CompactBlock: Hashable, Sendable {
    public var header: BlockHeader
    public var transactionIDs: [Bytes32]
    public var evidence: [[UInt8]]
    public var certificate: CommitCertificate

    public init(header: BlockHeader, transactionIDs: [Bytes32], evidence: [[UInt8]], certificate: CommitCertificate) {
        self.header = header
        self.transactionIDs = transactionIDs
        self.evidence = evidence
        self.certificate = certificate
    }

    /// The block with the bodies in `transactions`, in the header's order, or nil
    /// while one is missing. Bodies are matched by id, which is a hash of the whole
    /// transaction: a body that fits its id is the one the certificate commits to.
    public func block(bodies: [Bytes32: Transaction]) -> Block? {
        var transactions: [Transaction] = []
        transactions.reserveCapacity(transactionIDs.count)
        for id in transactionIDs {
            guard let body = bodies[id] else { return nil }
            transactions.append(body)
        }
        return Block(header: header, transactions: transactions, evidence: evidence)
    }
}

extension CompactBlock: WireCodable {
    public func encode(to writer: inout WireWriter) {
        writer.write(header)
        writer.writeArray(transactionIDs) { $0.write($1) }
        writer.writeArray(evidence) { $0.writeBytes($1) }
        writer.write(certificate)
    }

    public init(from reader: inout WireReader) throws(WireError) {
        header = try reader.read()
        transactionIDs = try reader.readTransactionIDs(maxCount: Block.maxTransactions)
        evidence = try reader.readBlockEvidence()
        certificate = try reader.read()
    }
}
