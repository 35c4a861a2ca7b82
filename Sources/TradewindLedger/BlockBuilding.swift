import TradewindCrypto
import TradewindWire

extension BlockHeader {
    /// The block id: BLAKE2b-256 of the header's canonical encoding.
    public var id: Bytes32 { Blake2b.hash256(wireEncoded) }
}

extension Ledger {
    /// BLAKE2b-256 of the canonical list of transaction ids, in block order.
    public static func transactionsRoot(_ ids: [Bytes32]) -> Bytes32 {
        var writer = WireWriter(reservingCapacity: 8 + ids.count * 32)
        writer.writeArray(ids) { $0.write($1) }
        return Blake2b.hash256(writer.bytes)
    }

    /// BLAKE2b-256 of the canonical, sorted list of authorities.
    public static func authoritySetHash(_ authorities: [Address]) -> Bytes32 {
        var writer = WireWriter()
        writer.writeArray(authorities.sorted()) { $0.write($1) }
        return Blake2b.hash256(writer.bytes)
    }

    public static func evidenceRoot(_ evidence: [[UInt8]]) -> Bytes32 {
        var writer = WireWriter()
        writer.writeArray(evidence) { $0.writeBytes($1) }
        return Blake2b.hash256(writer.bytes)
    }

    /// The block a proposer builds from an execution.
    public func block(
        from execution: Execution, context: BlockContext, parentID: Bytes32, proposer: Address,
        authorities: [Address], lastCommitHash: Bytes32 = .zero, evidence: [[UInt8]] = []
    ) -> Block {
        let header = BlockHeader(
            networkID: networkID, height: context.height, time: context.time, parentID: parentID,
            transactionsRoot: Self.transactionsRoot(execution.included.map(\.id)), stateRoot: execution.stateRoot,
            authoritySetHash: Self.authoritySetHash(authorities), nextAuthorities: execution.nextAuthorities,
            proposer: proposer, evidenceRoot: Self.evidenceRoot(evidence), lastCommitHash: lastCommitHash)
        return Block(header: header, transactions: execution.included.map(\.transaction), evidence: evidence)
    }
}
