import TradewindConsensus
import TradewindGossip
import TradewindLedger
import TradewindWire

/// Committed blocks that gossip carries compact (header, transaction ids,
/// certificate): rebuilt from the mempool, or assembled while the bodies this peer
/// lacks are fetched (`BlockAssembly`), and the answers to other peers' body requests.
extension PeerCore {
    /// A compact block from gossip: rebuilt from the mempool when every body is here,
    /// else assembled while the missing bodies are fetched. It is judged (and relayed)
    /// as the whole block once complete; the copy's verdict waits until then.
    mutating func receiveCompact<Storage: PeerStorage>(_ compact: CompactBlock, payload: [UInt8], id: Bytes32,
                                                       from sender: Address, storage: inout Storage,
                                                       into out: inout [Output]) throws(PeerStorageError) {
        let header = compact.header
        let height = header.height
        let copy = BlockAssembly.Copy(gossipID: id, payload: payload, certificate: compact.certificate, sender: sender)
        if height <= engine.head.height {
            settle(.blocks, payload: payload, id: id, verdictForCommitted(header.id, copy.certificate), into: &out)
            return
        }
        guard compact.certificate.height == height, compact.certificate.blockID == header.id,
              compact.transactionIDs.count <= Int(engine.ledger.parameters.maxTransactionsPerBlock),
              Ledger.transactionsRoot(compact.transactionIDs) == header.transactionsRoot,
              Ledger.evidenceRoot(compact.evidence) == header.evidenceRoot else {
            settle(.blocks, payload: payload, id: id, .reject, into: &out)
            return
        }
        // Farther ahead than prefetch would hold: of no use yet; it can come again.
        guard height <= engine.head.height + prefetch.configuration.window else {
            settle(.blocks, payload: payload, id: id, .notYet, into: &out)
            return
        }
        if assembly.addCopy(copy, of: header.id) { return }
        if assembly.isAssembling(header.id) {
            // Enough copies wait already; this one can come again.
            settle(.blocks, payload: payload, id: id, .notYet, into: &out)
            return
        }
        var bodies: [Bytes32: Transaction] = [:]
        for transactionID in compact.transactionIDs {
            if let body = engine.body(of: transactionID) { bodies[transactionID] = body }
        }
        if let block = compact.block(bodies: bodies) {
            counters.compactBlocksFromMempool += 1
            try conclude([.init(block: block, copies: [copy])], storage: &storage, into: &out)
            return
        }
        // Bodies are fetched for the next height only, and only on a certificate that
        // verifies: a block further ahead is left to catch-up, and a forged one is
        // refused before it costs a request or an assembly slot.
        guard height == engine.head.height + 1 else {
            settle(.blocks, payload: payload, id: id, .notYet, into: &out)
            return
        }
        do {
            try compact.certificate.verify(blockID: header.id, height: height, authorities: engine.validators,
                                           network: engine.network)
        } catch {
            settle(.blocks, payload: payload, id: id, .reject, into: &out)
            return
        }
        guard let requests = assembly.start(compact, copy: copy, bodies: bodies, now: now.monotonic) else {
            settle(.blocks, payload: payload, id: id, .notYet, into: &out)
            return
        }
        counters.compactBlocksFetched += 1
        requestBodies(requests, into: &out)
    }

    /// Blocks assembled: each copy is judged in turn (the first that verifies commits
    /// the block; later copies are relayed only if they carry the certificate it
    /// committed with).
    mutating func conclude<Storage: PeerStorage>(_ completed: [BlockAssembly.Completed], storage: inout Storage,
                                                 into out: inout [Output]) throws(PeerStorageError) {
        for entry in completed {
            for copy in entry.copies {
                let verdict = judge(entry.block, certificate: copy.certificate, from: copy.sender)
                settle(.blocks, payload: copy.payload, id: copy.gossipID, verdict, into: &out)
                guard case .accept = verdict, markSpread(entry.block) else { continue }
                counters.blocksRelayed += 1
                try deliverCommitted(entry.block, certificate: copy.certificate, certified: true, from: copy.sender,
                                     storage: &storage, into: &out)
            }
        }
    }

    /// The verdict on a copy of a block at a height already committed here: relayed
    /// if it is the block committed, with the very certificate this peer holds;
    /// another quorum's copy, or an older block, is of no use here.
    func verdictForCommitted(_ blockID: Bytes32, _ certificate: CommitCertificate) -> Dissemination<Address, Random>.Verdict {
        blockID == engine.head.blockID && certificate == engine.head.certificate ? .accept : .ignore
    }

    /// Body requests for compact blocks: to the member named, else to one that holds the height.
    mutating func requestBodies(_ requests: [BlockAssembly.Request], into out: inout [Output]) {
        for request in requests {
            guard let member = request.member ?? blockSources(for: request.height).first else { continue }
            sendDirect(.committedTransactionsRequest(height: request.height, ids: request.ids), to: member, into: &out)
        }
    }

    /// Retries of body requests; copies of blocks given up on are let go (the
    /// engine's catch-up fetches such a block whole).
    mutating func tickAssembly<Storage: PeerStorage>(storage: inout Storage, into out: inout [Output]) throws(PeerStorageError) {
        guard assembly.pendingCount > 0 else { return }
        let (requests, abandoned) = assembly.tick(now: now.monotonic)
        requestBodies(requests, into: &out)
        // Not remembered: a copy may come again once the bodies can be had.
        for copy in abandoned { settle(.blocks, payload: copy.payload, id: copy.gossipID, .notYet, into: &out) }
    }

    /// Answers a request for bodies of a block committed here.
    mutating func answerCommittedTransactions<Storage: PeerStorage>(height: UInt64, ids: [Bytes32], to member: Address,
                                                                    storage: inout Storage,
                                                                    into out: inout [Output]) throws(PeerStorageError) {
        guard height > 0, height <= engine.head.height, !ids.isEmpty,
              let stored = try storage.committedBlock(at: height) else { return }
        // A block's askers come together (every peer that lacked a body): its ids are
        // hashed once, not once per request.
        if answeredBlock?.blockID != stored.block.header.id {
            answeredBlock = (stored.block.header.id, stored.block.transactions.map { IdentifiedTransaction($0).id })
        }
        let wanted = Set(ids.prefix(ConsensusMessage.maxTransactionsPerMessage))
        let blockIDs = answeredBlock?.transactionIDs ?? []
        let found = zip(stored.block.transactions, blockIDs).filter { wanted.contains($0.1) }.map { $0.0 }
        if !found.isEmpty { sendDirect(.transactions(found), to: member, into: &out) }
    }
}
