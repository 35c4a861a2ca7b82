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
            switch awaitingSignature[id] {
            case nil:
                awaitingSignature[id] = .gossip(payload: payload)
                verify.append(transaction)
            case .direct?:
                // Already being checked as an answer to a request: settle this push
                // when that check returns, or it would wait unsettled for the prune.
                awaitingSignature[id] = .gossip(payload: payload)
            case .gossip?:
                break
            }
        case .blocks:
            let message = try? ConsensusMessage(wireEncoded: payload)
            if case let .compactBlock(compact) = message {
                try receiveCompact(compact, payload: payload, id: id, from: sender, storage: &storage, into: &out)
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
        // A height passed: only the copy of the block just committed here, carrying the
        // very certificate this peer holds, is relayed (nothing to verify).
        if height < next { return verdictForCommitted(block.header.id, certificate) }
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
