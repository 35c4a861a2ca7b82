import TradewindConsensus
import TradewindGossip
import TradewindLedger
import TradewindWire

extension PeerCore {
    typealias GossipAction = Dissemination<Address, Random>.Action
    typealias PartsAction = PartTransfer<Address, Random>.Action

    // MARK: Dissemination

    /// Sends of a gossip core's actions (publishing yields nothing else).
    mutating func performGossip(_ actions: [GossipAction], into out: inout [Output]) {
        for action in actions {
            if case let .send(message, to) = action { out.append(.send(.dissemination(message), to: to)) }
        }
    }

    mutating func perform<Storage: PeerStorage>(_ actions: [GossipAction], storage: inout Storage,
                                                into out: inout [Output]) throws(PeerStorageError) {
        var toVerify: [Transaction] = []
        for action in actions {
            switch action {
            case let .send(message, to):
                out.append(.send(.dissemination(message), to: to))
            case let .validate(topic, payload, id, from):
                try validate(topic, payload: payload, id: id, from: from, storage: &storage, verify: &toVerify, into: &out)
            case .disconnect:
                // Cut off inside dissemination; its messages are dropped from now on.
                break
            }
        }
        if !toVerify.isEmpty { out.append(.verify(toVerify)) }
    }

    /// Checks a pushed message before it is relayed: `reject` what can never be
    /// valid, `ignore` what is stale or early, `accept` the rest. A transaction's
    /// signature is checked by the shell first (`verify`); the verdict comes in `checked`.
    mutating func validate<Storage: PeerStorage>(_ topic: Topic, payload: [UInt8], id: Bytes32, from sender: Address,
                                                 storage: inout Storage, verify: inout [Transaction],
                                                 into out: inout [Output]) throws(PeerStorageError) {
        switch topic {
        case .transactions:
            guard payload.count <= Int(engine.ledger.parameters.maxTransactionBytes),
                  let identified = try? IdentifiedTransaction(wireEncoded: payload) else {
                settle(topic, payload: payload, id: id, .reject, into: &out)
                return
            }
            let transaction = identified.transaction
            // A body a compact block waits for (the block is certified; the id binds it).
            if assembly.wants(id) {
                try conclude(assembly.fill(transaction, id: id), storage: &storage, into: &out)
            }
            let committedNext = try storage.read { view in
                ((try? StateOverlay(base: view).record(.account(transaction.sender), as: AccountState.self)) ?? nil)?
                    .nextSequence ?? 0
            }
            // Plausible: committed ≤ sequence < committed + window. Outside, stale or
            // early: dropped without blame and not remembered, so it can come again.
            guard transaction.sequence >= committedNext else {
                settle(topic, payload: payload, id: id, .ignore, into: &out)
                return
            }
            guard transaction.sequence - committedNext < Mempool.sequenceWindow else {
                settle(topic, payload: payload, id: id, .notYet, into: &out)
                return
            }
            if engine.mempool.contains(id) {
                settle(topic, payload: payload, id: id, .accept, into: &out)
                return
            }
            if awaitingSignature[id] == nil {
                awaitingSignature[id] = .gossip(payload: payload)
                verify.append(transaction)
            }
        case .blocks:
            let message = try? ConsensusMessage(wireEncoded: payload)
            if case let .compactBlock(compact) = message {
                try receive(compact, payload: payload, id: id, from: sender, storage: &storage, into: &out)
                return
            }
            guard case let .committedBlock(block, certificate) = message else {
                settle(topic, payload: payload, id: id, .reject, into: &out)
                return
            }
            let verdict = judge(block, certificate: certificate, from: sender)
            settle(topic, payload: payload, id: id, verdict, into: &out)
            if case .accept = verdict {
                _ = markSpread(block)
                counters.blocksRelayed += 1
                try deliverCommitted(block, certificate: certificate, certified: true, from: sender, storage: &storage,
                                     into: &out)
            }
        case .consensus:
            guard let message = try? ConsensusMessage(wireEncoded: payload), case let .evidence(evidence) = message,
                  evidence.isValid(network: engine.network) else {
                settle(topic, payload: payload, id: id, .reject, into: &out)
                return
            }
            settle(topic, payload: payload, id: id, .accept, into: &out)
            try receiveDirect(message, from: sender, storage: &storage, into: &out)
        }
    }

    mutating func settle(_ topic: Topic, payload: [UInt8], id: Bytes32, _ verdict: Dissemination<Address, Random>.Verdict,
                         into out: inout [Output]) {
        performGossip(dissemination.settle(topic, payload: payload, id: id, verdict: verdict, now: now.monotonic),
                      into: &out)
    }

    /// A committed block from gossip: relayed if it is the next height (or the one
    /// just committed here) and its certificate verifies against the authority set
    /// in force; one from further ahead is kept for prefetch (checked when its
    /// height comes) but not relayed.
    mutating func judge(_ block: Block, certificate: CommitCertificate, from sender: Address)
        -> Dissemination<Address, Random>.Verdict {
        let height = block.header.height
        let next = engine.head.height + 1
        if height == engine.head.height && block.header.id == engine.head.blockID {
            // The block this peer just committed: relay the copy going round if it
            // carries the very certificate this peer holds (nothing to verify);
            // another quorum's copy of it is of no use here.
            return certificate == engine.head.certificate ? .accept : .ignore
        }
        if height < next { return .ignore }
        // The header binds the bodies and the evidence by their roots: a copy altered in
        // either would pass the certificate yet fail the replay, and spread first.
        guard certificate.height == height,
              Ledger.transactionsRoot(block.transactions.map { IdentifiedTransaction($0).id }) == block.header.transactionsRoot,
              Ledger.evidenceRoot(block.evidence) == block.header.evidenceRoot
        else { return .reject }
        if height > next {
            _ = prefetch.hold(block, certificate: certificate, from: sender, next: next)
            return .notYet
        }
        // An authority deciding this very block commits it by its votes: verifying and
        // replaying the copy would only repeat the work.
        if engine.isDeciding(block.header.id) { return .notYet }
        do {
            try certificate.verify(blockID: block.header.id, height: height, authorities: engine.validators,
                                   network: engine.network)
        } catch {
            return .reject
        }
        return .accept
    }

    // MARK: Compact blocks

    /// A compact block from gossip: rebuilt from the mempool when every body is here,
    /// else assembled while the missing bodies are fetched. It is judged (and relayed)
    /// as the whole block once complete; the copy's verdict waits until then.
    mutating func receive<Storage: PeerStorage>(_ compact: CompactBlock, payload: [UInt8], id: Bytes32,
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
        send(requests, into: &out)
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
    /// if it is the block committed, with the very certificate this peer holds.
    func verdictForCommitted(_ blockID: Bytes32, _ certificate: CommitCertificate) -> Dissemination<Address, Random>.Verdict {
        blockID == engine.head.blockID && certificate == engine.head.certificate ? .accept : .ignore
    }

    /// Body requests for compact blocks: to the member named, else to one that holds the height.
    mutating func send(_ requests: [BlockAssembly.Request], into out: inout [Output]) {
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
        send(requests, into: &out)
        // Not remembered: a copy may come again once the bodies can be had.
        for copy in abandoned { settle(.blocks, payload: copy.payload, id: copy.gossipID, .notYet, into: &out) }
    }

    /// Answers a request for bodies of a block committed here.
    mutating func answerCommittedTransactions<Storage: PeerStorage>(height: UInt64, ids: [Bytes32], to member: Address,
                                                                    storage: inout Storage,
                                                                    into out: inout [Output]) throws(PeerStorageError) {
        guard height > 0, height <= engine.head.height, !ids.isEmpty,
              let stored = try storage.committedBlock(at: height) else { return }
        let wanted = Set(ids.prefix(ConsensusMessage.maxTransactionsPerMessage))
        let found = stored.block.transactions.filter { wanted.contains(IdentifiedTransaction($0).id) }
        if !found.isEmpty { sendDirect(.transactions(found), to: member, into: &out) }
    }

    /// A transaction back from the signature check.
    mutating func settleChecked<Storage: PeerStorage>(_ checked: CheckedTransaction, origin: Origin, storage: inout Storage,
                                                      into out: inout [Output]) throws(PeerStorageError) {
        let id = checked.identified.id
        guard checked.signatureValid else {
            if case let .gossip(payload) = origin { settle(.transactions, payload: payload, id: id, .reject, into: &out) }
            return
        }
        let actions = try storage.read { view in engine.receive(verified: [checked.identified], now: now, state: view) }
        if case let .gossip(payload) = origin {
            // Relayed only if this peer took it (ready or parked); otherwise the ledger
            // refused it here, which another peer's state would not change.
            let verdict: Dissemination<Address, Random>.Verdict = engine.mempool.contains(id) ? .accept : .ignore
            if case .accept = verdict { counters.transactionsRelayed += 1 }
            settle(.transactions, payload: payload, id: id, verdict, into: &out)
        }
        try perform(actions, storage: &storage, into: &out)
    }

    // MARK: Part transfer

    mutating func perform<Storage: PeerStorage>(_ actions: [PartsAction], storage: inout Storage,
                                                into out: inout [Output]) throws(PeerStorageError) {
        for action in actions {
            switch action {
            case let .send(message, to):
                out.append(.send(.parts(message), to: to))
            case let .complete(root, tag, object, from):
                guard let message = try? ConsensusMessage(wireEncoded: object) else { continue }
                switch tag {
                case PeerObjectTag.committedBlock:
                    guard case let .committedBlock(block, certificate) = message,
                          case .accept = judge(block, certificate: certificate, from: from) else { continue }
                    _ = markSpread(block)
                    counters.blocksRelayed += 1
                    for relay in parts.relay(root, now: now.monotonic) {
                        if case let .send(part, to) = relay { out.append(.send(.parts(part), to: to)) }
                    }
                    try deliverCommitted(block, certificate: certificate, certified: true, from: from, storage: &storage,
                                         into: &out)
                case PeerObjectTag.consensusMessage:
                    try receiveDirect(message, from: from, storage: &storage, into: &out)
                default:
                    continue
                }
            }
        }
    }

    // MARK: Messages for this peer

    /// A consensus message sent to this peer (or taken from gossip).
    mutating func receiveDirect<Storage: PeerStorage>(_ message: ConsensusMessage, from sender: Address,
                                                      storage: inout Storage, into out: inout [Output]) throws(PeerStorageError) {
        switch message {
        case let .transactions(transactions):
            // Answers to this peer's transaction requests: signatures are checked off the loop.
            var toVerify: [Transaction] = []
            for transaction in transactions.prefix(ConsensusMessage.maxTransactionsPerMessage) {
                let identified = IdentifiedTransaction(transaction)
                // A body a compact block waits for completes it, and still goes on to the
                // signature check: it may answer the engine's own request for a proposal.
                if assembly.wants(identified.id) {
                    try conclude(assembly.fill(transaction, id: identified.id), storage: &storage, into: &out)
                }
                guard awaitingSignature[identified.id] == nil else { continue }
                awaitingSignature[identified.id] = .direct
                toVerify.append(transaction)
            }
            if !toVerify.isEmpty { out.append(.verify(toVerify)) }
        case let .committedBlock(block, certificate):
            try deliverCommitted(block, certificate: certificate, certified: false, from: sender, storage: &storage,
                                 into: &out)
        case let .committedTransactionsRequest(height, ids):
            try answerCommittedTransactions(height: height, ids: ids, to: sender, storage: &storage, into: &out)
        case .compactBlock:
            // Gossip's form only: a direct answer is a whole block.
            break
        default:
            let actions = try storage.read { view in engine.receive(message, from: sender, now: now, state: view) }
            try perform(actions, storage: &storage, into: &out)
        }
    }

    /// A committed block for the engine, unless it is ahead: then prefetch holds it.
    /// `certified` says `judge` has just verified its certificate for the next height.
    mutating func deliverCommitted<Storage: PeerStorage>(_ block: Block, certificate: CommitCertificate, certified: Bool,
                                                         from sender: Address, storage: inout Storage,
                                                         into out: inout [Output]) throws(PeerStorageError) {
        prefetch.arrived(block.header.height)
        if prefetch.hold(block, certificate: certificate, from: sender, next: engine.head.height + 1) { return }
        let actions = try storage.read { view in
            if certified {
                return engine.receiveCertified(block, certificate: certificate, from: sender, now: now, state: view)
            }
            return engine.receive(.committedBlock(block, certificate), from: sender, now: now, state: view)
        }
        try perform(actions, storage: &storage, into: &out)
    }
}
