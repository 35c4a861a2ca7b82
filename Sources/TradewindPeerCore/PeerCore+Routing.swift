import TradewindConsensus
import TradewindGossip
import TradewindLedger
import TradewindWire

extension PeerCore {
    // MARK: The engine's actions

    /// Carries out the engine's actions in order: persists and commits through the
    /// storage (so nothing signed leaves before it is durable), routes messages.
    mutating func perform<Storage: PeerStorage>(_ actions: [ConsensusEngine.Action], storage: inout Storage,
                                                into out: inout [Output]) throws(PeerStorageError) {
        var committed = false
        for action in actions {
            switch action {
            case let .persist(signed):
                try storage.persist(signed)
            case let .broadcast(message):
                route(message, into: &out)
            case let .send(message, to):
                // The engine asks for one block at a time; skip it when that height is already in flight.
                if case let .blockRequest(height) = message,
                   prefetch.isInFlight(height, now: now.monotonic) { continue }
                sendDirect(message, to: to, into: &out)
            case let .commit(block, certificate, execution):
                try storage.commit(block, certificate: certificate, execution: execution)
                committed = true
                didCommit(block, certificate: certificate, execution: execution, into: &out)
            case let .sendCommittedBlock(height, to):
                if let stored = try storage.committedBlock(at: height) {
                    sendDirect(.committedBlock(stored.block, stored.certificate), to: to, into: &out)
                }
            }
        }
        if committed {
            let more = try storage.read { view in engine.resume(now: now, state: view) }
            try perform(more, storage: &storage, into: &out)
            try feedPrefetched(storage: &storage, into: &out)
        }
    }

    /// A message the engine means for everyone who needs it.
    mutating func route(_ message: ConsensusMessage, into out: inout [Output]) {
        if configuration.allToAllBaseline {
            for member in membership.members.keys.sorted() { sendDirect(message, to: member, into: &out) }
            return
        }
        switch message {
        case .proposal, .vote:
            // Agreement's critical path: straight to the other authorities of the height.
            for authority in engine.validators where authority != identity { sendDirect(message, to: authority, into: &out) }
        case let .transactions(transactions):
            for transaction in transactions {
                let actions = dissemination.publish(.transactions, payload: transaction.wireEncoded,
                                                    now: now.monotonic)
                performGossip(actions, into: &out)
            }
        case .evidence:
            performGossip(dissemination.publish(.consensus, payload: message.wireEncoded, now: now.monotonic),
                          into: &out)
        case let .blockRequest(height):
            for member in blockSources(for: height) { sendDirect(message, to: member, into: &out) }
        case .transactionRequest, .committedBlock, .compactBlock, .committedTransactionsRequest:
            // The engine addresses these to one member (or never sends them); nothing to spread.
            break
        }
    }

    /// A few members that should hold `height`: alive ones advertising it, else authorities.
    mutating func blockSources(for height: UInt64) -> [Address] {
        let advertising = membership.members.values
            .filter { $0.status == .alive && $0.height >= height }.map { $0.id }.sorted()
        let pool = advertising.isEmpty ? engine.validators.filter { $0 != identity } : advertising
        return Array(pool.shuffled(using: &random).prefix(configuration.blockRequestFanout))
    }

    /// One member gets one message: in one transport message when it fits, else as
    /// parts announced to that member alone.
    mutating func sendDirect(_ message: ConsensusMessage, to member: Address, into out: inout [Output]) {
        guard member != identity else { return }
        let bytes = message.wireEncoded
        if bytes.count <= configuration.maxDirectMessage {
            out.append(.send(.direct(bytes), to: member))
        } else if bytes.count <= configuration.parts.maxObjectSize {
            counters.largeMessages += 1
            let offered = parts.offer(bytes, tag: PeerObjectTag.consensusMessage, now: now.monotonic, to: [member])
            for action in offered.actions { if case let .send(part, to) = action { out.append(.send(.parts(part), to: to)) } }
        } else {
            counters.oversizeDrops += 1
        }
    }

    /// After the storage committed a block: advertise the height, spread the block,
    /// announce again what was submitted here and can now be taken.
    mutating func didCommit(_ block: Block, certificate: CommitCertificate, execution: Ledger.Execution,
                            into out: inout [Output]) {
        counters.committedTransactions += UInt64(block.transactions.count)
        membership.setHeight(block.header.height)
        out.append(.committed(block, certificate, execution))
        for outcome in execution.included { submittedHere[outcome.id] = nil }
        for (blockID, copy) in assembly.drop(through: block.header.height) {
            settle(.blocks, payload: copy.payload, id: copy.gossipID, verdictForCommitted(blockID, copy.certificate),
                   into: &out)
        }
        // The proposer publishes; every other peer relays what it checked. (Each
        // authority's certificate may differ, so each would start its own copy.)
        if !configuration.allToAllBaseline && block.header.proposer == identity {
            spread(block, certificate: certificate, into: &out)
        }
        reannounceOwn(afterCommit: true, into: &out)
    }

    /// Publishes a committed block with its certificate: pushed whole when small,
    /// else as a compact block (peers hold most bodies already), else as parts.
    mutating func spread(_ block: Block, certificate: CommitCertificate, into out: inout [Output]) {
        guard markSpread(block) else { return }
        let bytes = ConsensusMessage.committedBlock(block, certificate).wireEncoded
        let monotonic = now.monotonic
        if bytes.count <= configuration.maxPushedBlock {
            performGossip(dissemination.publish(.blocks, payload: bytes, now: monotonic), into: &out)
            return
        }
        if configuration.compactBlocks {
            let compact = ConsensusMessage.compactBlock(CompactBlock(
                header: block.header, transactionIDs: block.transactions.map { IdentifiedTransaction($0).id },
                evidence: block.evidence, certificate: certificate)).wireEncoded
            if compact.count <= configuration.maxDirectMessage {
                performGossip(dissemination.publish(.blocks, payload: compact, now: monotonic), into: &out)
                return
            }
        }
        if bytes.count <= configuration.parts.maxObjectSize {
            let offered = parts.offer(bytes, tag: PeerObjectTag.committedBlock, now: monotonic)
            for action in offered.actions { if case let .send(part, to) = action { out.append(.send(.parts(part), to: to)) } }
        }
    }

    /// Records that `block` is spread (published here or relayed); false if it was already.
    mutating func markSpread(_ block: Block) -> Bool {
        let height = block.header.height
        guard spreadBlocks[height] != block.header.id else { return false }
        spreadBlocks[height] = block.header.id
        if spreadBlocks.count > 64, let lowest = spreadBlocks.keys.min() { spreadBlocks[lowest] = nil }
        return true
    }

    // MARK: Catch-up

    /// While this peer is two or more blocks behind what members advertise, keeps
    /// the next heights in flight from them.
    mutating func requestPrefetch(into out: inout [Output]) {
        let next = engine.head.height + 1
        // Every tick: look before building anything (a peer is almost never two behind).
        guard membership.members.values.contains(where: { $0.status == .alive && $0.height > next }) else { return }
        var advertised: [Address: UInt64] = [:]
        for member in membership.members.values where member.status == .alive { advertised[member.id] = member.height }
        for (height, member) in prefetch.requests(next: next, advertised: advertised, now: now.monotonic) {
            sendDirect(.blockRequest(height: height), to: member, into: &out)
        }
    }

    /// Hands the engine the blocks fetched ahead, one height at a time, while the next
    /// one is held (each commit comes back here through `perform`).
    mutating func feedPrefetched<Storage: PeerStorage>(storage: inout Storage, into out: inout [Output]) throws(PeerStorageError) {
        guard let held = prefetch.take(engine.head.height + 1) else { return }
        let message = ConsensusMessage.committedBlock(held.block, held.certificate)
        let actions = try storage.read { view in engine.receive(message, from: held.sender, now: now, state: view) }
        try perform(actions, storage: &storage, into: &out)
    }
}
