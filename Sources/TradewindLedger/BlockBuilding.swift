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

extension Block {
    /// The offences its evidence section proves. Only the structure is checked here;
    /// the signatures are consensus's to verify before a block is built or accepted.
    public func offenses() throws(LedgerError) -> [Offense] {
        var seen = Set<Offense>()
        var offenses: [Offense] = []
        for bytes in evidence {
            let item: Evidence
            do { item = try Evidence(wireEncoded: bytes) } catch { throw .invalidBlock("evidence: \(error)") }
            let offense = Offense(authority: item.offender, height: item.height, round: item.round, step: item.step)
            guard seen.insert(offense).inserted else {
                throw .invalidBlock("evidence against \(offense.authority) at height \(offense.height) appears twice")
            }
            offenses.append(offense)
        }
        return offenses
    }
}

extension Ledger {
    /// Replays `block` on top of its parent as a validator does: executes every
    /// transaction (all must apply), records its evidence, rebuilds the header from
    /// the result and requires it to equal the block's. The error says which part differs.
    public func validate(
        _ block: Block, parentID: Bytes32, previousRoot: Bytes32, view: some StateView, signatures: SignatureChecks = .all
    ) throws(LedgerError) -> Execution {
        let header = block.header
        guard header.networkID == networkID else { throw .invalidBlock("network id \(header.networkID.hex) is not \(networkID.hex)") }
        guard header.parentID == parentID else {
            throw .invalidBlock("block \(header.height) names parent \(header.parentID.hex), the head is \(parentID.hex)")
        }
        guard let chain = try StateOverlay(base: view).record(.chain, as: ChainState.self) else { throw .missingChainState }
        let context = BlockContext(height: header.height, time: header.time, parentTime: chain.lastBlockTime)
        let execution = try apply(block.transactions, context: context, previousRoot: previousRoot, view: view,
                                  signatures: signatures, offenses: try block.offenses())
        let rebuilt = self.block(from: execution, context: context, parentID: parentID, proposer: header.proposer,
                                 authorities: chain.authorities(at: header.height), lastCommitHash: header.lastCommitHash,
                                 evidence: block.evidence).header
        guard rebuilt.stateRoot == header.stateRoot else {
            throw .invalidBlock("state root \(header.stateRoot.hex) differs from the replayed \(rebuilt.stateRoot.hex)")
        }
        guard rebuilt.transactionsRoot == header.transactionsRoot else { throw .invalidBlock("transactions root differs") }
        guard rebuilt.authoritySetHash == header.authoritySetHash else {
            throw .invalidBlock("authority-set hash differs from the set at height \(header.height)")
        }
        guard rebuilt.nextAuthorities == header.nextAuthorities else {
            throw .invalidBlock("next authority set differs from the ledger's tally")
        }
        guard rebuilt == header else { throw .invalidBlock("header differs from the replayed block's") }
        return execution
    }
}
