import TradewindCrypto
import TradewindLedger
import TradewindWire

extension ConsensusEngine {
    /// A message from `sender`. Anything malformed, unsigned or out of place is
    /// dropped (and counted); nothing a peer sends can make this engine trap.
    public mutating func receive(_ message: ConsensusMessage, from sender: Address, now: PeerTime,
                                 state: some StateView) -> [Action] {
        self.now.advance(to: now)
        var actions: [Action] = []
        resumeIfNeeded(state: state, into: &actions)
        guard !awaitingApply else { return actions }
        switch message {
        case .compactBlock, .committedTransactionsRequest:
            // Gossip's forms of committed blocks: the peer assembles them (PeerCore).
            return actions
        default: break
        }
        if let messageHeight = message.height {
            switch message {
            case .blockRequest, .committedBlock: break
            default:
                if messageHeight > height { highestSeen = max(highestSeen, messageHeight) }
            }
            // A peer still deciding a height this one committed gets the block instead.
            if messageHeight < height, messageHeight > 0 {
                if case .committedBlock = message {} else {
                    serveCommitted(messageHeight, to: sender, into: &actions)
                    return actions
                }
            }
        }
        switch message {
        case let .proposal(proposalMessage):
            if proposalMessage.proposal.height == height + 1 { keepEarly(message, from: sender) }
            guard proposalMessage.proposal.height == height else { return actions }
            receive(proposalMessage, from: sender, state: state, into: &actions)
        case let .vote(vote):
            if vote.height == height + 1 { keepEarly(message, from: sender) }
            guard vote.height == height else { return actions }
            receive(vote, state: state, into: &actions)
        case let .evidence(evidence):
            receive(evidence, state: state, into: &actions)
        case let .transactions(transactions):
            for transaction in transactions { accept(IdentifiedTransaction(transaction), verified: false, state: state, into: &actions) }
        case let .transactionRequest(requestHeight, ids):
            guard requestHeight == height else { return actions }
            let found = ids.prefix(ConsensusMessage.maxTransactionsPerMessage).compactMap { body(of: $0) }
            if !found.isEmpty { actions.append(.send(.transactions(found), to: sender)) }
        case let .blockRequest(requested):
            if requested < height && requested > 0 { serveCommitted(requested, to: sender, into: &actions) }
        case let .committedBlock(block, certificate):
            receiveCommitted(block, certificate: certificate, certified: false, from: sender, state: state, into: &actions)
        case .compactBlock, .committedTransactionsRequest:
            break
        }
        return actions
    }

    /// A committed block whose certificate the caller has just verified against this
    /// height's authority set (gossip does, before relaying it): applied as
    /// `receive(.committedBlock)` would, without checking the quorum's signatures twice.
    public mutating func receiveCertified(_ block: Block, certificate: CommitCertificate, from sender: Address,
                                          now: PeerTime, state: some StateView) -> [Action] {
        self.now.advance(to: now)
        var actions: [Action] = []
        resumeIfNeeded(state: state, into: &actions)
        guard !awaitingApply else { return actions }
        receiveCommitted(block, certificate: certificate, certified: true, from: sender, state: state, into: &actions)
        return actions
    }

    /// A transaction a client handed to this peer: checked against the committed
    /// state, admitted to the mempool and relayed. `verified` says the shell already
    /// checked its signature (on another core).
    public mutating func submit(_ transaction: Transaction, verified: Bool = false, now: PeerTime,
                                state: some StateView) -> (Submission, [Action]) {
        submit(IdentifiedTransaction(transaction), verified: verified, now: now, state: state)
    }

    /// `submit` for a transaction whose id and size the caller already computed.
    public mutating func submit(_ identified: IdentifiedTransaction, verified: Bool = false, now: PeerTime,
                                state: some StateView) -> (Submission, [Action]) {
        self.now.advance(to: now)
        var actions: [Action] = []
        resumeIfNeeded(state: state, into: &actions)
        let submission = admit(identified, verifySignature: !verified, state: state)
        if submission.acceptedID != nil { actions.append(.broadcast(.transactions([identified.transaction]))) }
        return (submission, actions)
    }

    // MARK: Transactions

    /// A transaction body this engine holds: in the mempool or in a block it decides.
    public func body(of id: Bytes32) -> Transaction? {
        if let transaction = mempool.transaction(id) { return transaction }
        for candidate in candidates.values { if let body = candidate.bodies[id] { return body } }
        return nil
    }

    /// Mempool admission: the signature, then what the ledger can tell now.
    mutating func admit(_ identified: IdentifiedTransaction, verifySignature: Bool, state: some StateView) -> Submission {
        let (transaction, id, size) = (identified.transaction, identified.id, identified.size)
        if mempool.contains(id) { return .mempool(.duplicate) }
        guard size <= Int(ledger.parameters.maxTransactionBytes) else {
            return .rejected(TransactionResult(.temTOO_LARGE, "\(size) bytes exceed the cap of \(ledger.parameters.maxTransactionBytes)"))
        }
        let context = Ledger.BlockContext(height: height, time: nextBlockTime, parentTime: head.time)
        let failure: TransactionResult?
        do {
            // Signature first (check verifies it): a forged transaction never reaches the pool.
            failure = try ledger.check(transaction, size: size, view: state, at: context, chain: chain,
                                       verifySignature: verifySignature)
        } catch {
            return .unavailable("committed state unreadable: \(error)")
        }
        // A sequence ahead of the account's, or a deadline not yet passed, waits in the
        // pool; anything else that fails never applies.
        if let failure, failure.code.resultClass != .retry { return .rejected(failure) }
        var deadline: UInt64 = 0
        if let failure, failure.code == .terTOO_EARLY, let appliesFrom = failure.appliesFrom {
            guard mayWait(for: appliesFrom) else {
                return .rejected(TransactionResult(
                    .terTOO_EARLY, "\(failure.message); send it within \(mempool.limits.parkedLifetime) of that time",
                    appliesFrom: appliesFrom))
            }
            deadline = appliesFrom
        }
        let next = (try? StateOverlay(base: state).record(.account(transaction.sender), as: AccountState.self))??.nextSequence ?? 0
        let admission = mempool.add(transaction, id: id, size: size, nextSequence: next, notBefore: deadline, now: now.monotonic)
        guard admission == .added else { return .mempool(admission) }
        hastenRoundZero()
        if deadline > 0, let failure { return .deferred(id, failure) }
        return .accepted(id)
    }

    /// Transactions from the network whose signatures the shell already verified
    /// (on all cores, once each): fill waiting proposals, then go to the mempool.
    public mutating func receive(verified transactions: [IdentifiedTransaction], now: PeerTime, state: some StateView) -> [Action] {
        self.now.advance(to: now)
        var actions: [Action] = []
        resumeIfNeeded(state: state, into: &actions)
        for transaction in transactions { accept(transaction, verified: true, state: state, into: &actions) }
        return actions
    }

    /// A transaction from the network: fills waiting proposals, then goes to the mempool.
    mutating func accept(_ identified: IdentifiedTransaction, verified: Bool, state: some StateView, into actions: inout [Action]) {
        let (transaction, id) = (identified.transaction, identified.id)
        let needed = candidates.contains { $0.value.missing.contains(id) }
        if !needed && mempool.contains(id) { return }
        guard verified || transaction.hasValidSignature(network: network) else {
            invalidMessages += 1
            return
        }
        if needed {
            for blockID in candidates.keys.sorted() where candidates[blockID]?.missing.contains(id) == true {
                candidates[blockID]?.missing.remove(id)
                candidates[blockID]?.bodies[id] = transaction
                if candidates[blockID]?.missing.isEmpty == true { evaluate(blockID, state: state, into: &actions) }
            }
        }
        _ = admit(identified, verifySignature: false, state: state)
    }

    // MARK: Proposals

    mutating func receive(_ message: ProposalMessage, from sender: Address, state: some StateView,
                          into actions: inout [Action]) {
        let proposal = message.proposal
        guard proposal.proposer == proposer(round: proposal.round), proposal.proposer != me || key == nil,
              proposal.hasValidSignature(network: network) else {
            if proposal.proposer != me { invalidMessages += 1 }
            return
        }
        if let first = proposals[proposal.round] {
            if first.blockID != proposal.blockID { record(.proposals(first, proposal), state: state, into: &actions) }
            if first != proposal { return }
        } else {
            proposals[proposal.round] = proposal
        }
        guard message.header.id == proposal.blockID, message.header.height == height,
              Ledger.transactionsRoot(message.transactionIDs) == message.header.transactionsRoot else {
            invalidMessages += 1
            return
        }
        if candidates[proposal.blockID] == nil {
            var candidate = Candidate(message: message)
            for id in message.transactionIDs {
                if let transaction = body(of: id) { candidate.bodies[id] = transaction } else { candidate.missing.insert(id) }
            }
            candidates[proposal.blockID] = candidate
            if candidate.missing.isEmpty {
                evaluate(proposal.blockID, state: state, into: &actions)
            } else {
                let ids = Array(candidate.missing.sorted().prefix(ConsensusMessage.maxTransactionsPerMessage))
                actions.append(.send(.transactionRequest(height: height, ids: ids), to: proposal.proposer))
                if sender != proposal.proposer { actions.append(.send(.transactionRequest(height: height, ids: ids), to: sender)) }
            }
        }
        waitingProposals[proposal.round] = proposal
        deliverWaitingProposals(state: state, into: &actions)
    }

    /// Hands proposals whose blocks have been judged to the core.
    mutating func deliverWaitingProposals(state: some StateView, into actions: inout [Action]) {
        for (round, proposal) in waitingProposals.sorted(by: { $0.key < $1.key }) {
            guard let candidate = candidates[proposal.blockID], candidate.evaluated else { continue }
            waitingProposals[round] = nil
            let valid = candidate.execution != nil && isTimely(candidate.message.header)
            if var core {
                let coreProposal = Core.Proposal(
                    height: proposal.height, round: Int(proposal.round), value: proposal.blockID,
                    validRound: proposal.validRound.map { Int($0) } ?? -1, proposer: proposal.proposer)
                let reacted = core.receive(proposal: coreProposal, valid: valid)
                self.core = core
                perform(reacted, state: state, into: &actions)
            }
            // Precommits may have arrived before the block could be judged.
            let certifiedRounds = Set(votes.filter { slot, stored in
                slot.kind == .precommit && stored.contains { $0.blockID == proposal.blockID }
            }.map(\.key.round))
            for certifiedRound in certifiedRounds.sorted() {
                commitIfCertified(round: certifiedRound, blockID: proposal.blockID, state: state, into: &actions)
            }
        }
    }

    /// Block time rule: after the parent's, and not ahead of this peer's clock by more than the drift.
    func isTimely(_ header: BlockHeader) -> Bool {
        header.time > head.time && header.time <= now.wall.milliseconds + ledger.parameters.maxClockDriftMs
    }

    /// Executes a candidate whose bodies are all present and records the verdict.
    mutating func evaluate(_ blockID: Bytes32, state: some StateView, into actions: inout [Action]) {
        guard var candidate = candidates[blockID], candidate.missing.isEmpty, !candidate.evaluated else { return }
        let message = candidate.message
        let block = Block(header: message.header, transactions: message.transactionIDs.compactMap { candidate.bodies[$0] },
                          evidence: message.evidence)
        candidate.block = block
        do throws(ConsensusEngine.Rejection) {
            try checkLastCommit(message)
            for bytes in message.evidence {
                guard let evidence = try? Evidence(wireEncoded: bytes), evidence.isValid(network: network),
                      validators.contains(evidence.offender), evidence.height <= height,
                      evidence.height + configuration.evidenceMaxAge >= height else {
                    throw Rejection(reason: "block carries invalid evidence")
                }
            }
            do {
                candidate.execution = try ledger.validate(block, parentID: head.blockID, previousRoot: head.stateRoot,
                                                          view: state, signatures: .none)
            } catch {
                throw Rejection(reason: error.description)
            }
        } catch {
            candidate.invalidReason = error.reason
        }
        candidates[blockID] = candidate
        deliverWaitingProposals(state: state, into: &actions)
    }

    struct Rejection: Error { var reason: String }

    func checkLastCommit(_ message: ProposalMessage) throws(Rejection) {
        guard let lastCommit = message.lastCommit else {
            guard head.height == 0, message.header.lastCommitHash == CommitCertificate.absentHash else {
                throw Rejection(reason: "no certificate for the parent block")
            }
            return
        }
        guard message.header.lastCommitHash == lastCommit.hash else { throw Rejection(reason: "last commit hash differs") }
        do {
            try lastCommit.verify(blockID: head.blockID, height: head.height, authorities: chain.authorities, network: network)
        } catch {
            throw Rejection(reason: "parent certificate: \(error)")
        }
    }

    // MARK: Votes and evidence

    mutating func receive(_ vote: Vote, state: some StateView, into actions: inout [Action]) {
        guard validators.contains(vote.validator), vote.validator != me || key == nil else { return }
        let slot = VoteSlot(kind: vote.kind, round: vote.round, validator: vote.validator)
        let stored = votes[slot] ?? []
        // A resend costs a comparison, not a signature check.
        if stored.contains(where: { $0.blockID == vote.blockID }) || stored.count >= 2 { return }
        guard vote.hasValidSignature(network: network) else { invalidMessages += 1; return }
        if let first = stored.first { record(.votes(first, vote), state: state, into: &actions) }
        votes[slot] = stored + [vote]
        if var core {
            let reacted = core.receive(vote: Core.Vote(kind: vote.kind == .prevote ? .prevote : .precommit,
                                                       height: vote.height, round: Int(vote.round), value: vote.blockID,
                                                       validator: vote.validator))
            self.core = core
            perform(reacted, state: state, into: &actions)
        }
        if vote.kind == .precommit, let blockID = vote.blockID {
            commitIfCertified(round: vote.round, blockID: blockID, state: state, into: &actions)
        }
    }

    /// Verified evidence goes to the pool (for the next block this peer proposes) and on to everyone.
    mutating func record(_ evidence: Evidence, state: some StateView, into actions: inout [Action]) {
        let offense = Offense(evidence)
        guard evidencePool[offense] == nil else { return }
        guard evidence.isValid(network: network), isIncludable(offense, state: state) else { return }
        evidencePool[offense] = evidence
        evidenceSeen += 1
        actions.append(.broadcast(.evidence(evidence)))
    }

    mutating func receive(_ evidence: Evidence, state: some StateView, into actions: inout [Action]) {
        record(evidence, state: state, into: &actions)
    }

    // MARK: Early messages and catch-up

    mutating func keepEarly(_ message: ConsensusMessage, from sender: Address) {
        guard early.count < 64 * max(validators.count, 1) else { return }
        early.append((message, sender))
    }

    mutating func serveCommitted(_ requested: UInt64, to peer: Address, into actions: inout [Action]) {
        if let last = served[peer], last.height == requested, now.monotonic < last.at + .milliseconds(200) { return }
        served[peer] = (requested, now.monotonic)
        actions.append(.sendCommittedBlock(height: requested, to: peer))
    }

    /// A committed block from a peer ahead: applied if its certificate verifies
    /// against this height's set (unless `certified` says the caller verified it) and
    /// the ledger replays it to the same header. Transactions this peer's mempool holds
    /// had their signatures checked on admission; only the others are checked here.
    mutating func receiveCommitted(_ block: Block, certificate: CommitCertificate, certified: Bool, from sender: Address,
                                   state: some StateView, into actions: inout [Action]) {
        let blockHeight = block.header.height
        if blockHeight > height {
            highestSeen = max(highestSeen, blockHeight)
            actions.append(.send(.blockRequest(height: height), to: sender))
            return
        }
        guard blockHeight == height, !awaitingApply else { return }
        if !certified {
            do {
                try certificate.verify(blockID: block.header.id, height: blockHeight, authorities: validators, network: network)
            } catch {
                invalidMessages += 1
                return
            }
        }
        var checked: Set<Bytes32> = []
        for transaction in block.transactions {
            let id = IdentifiedTransaction(transaction).id
            if mempool.contains(id) { checked.insert(id) }
        }
        let execution: Ledger.Execution
        do {
            execution = try ledger.validate(block, parentID: head.blockID, previousRoot: head.stateRoot, view: state,
                                            signatures: checked.isEmpty ? .all : .allExcept(checked))
        } catch {
            // A quorum signed a block this ledger cannot replay: never apply it.
            invalidMessages += 1
            return
        }
        commit(block, certificate: certificate, execution: execution, state: state, into: &actions)
        // Keep pulling from the same peer while it is ahead.
        if highestSeen >= height { actions.append(.send(.blockRequest(height: height), to: sender)) }
    }

    // MARK: Commit

    /// Precommits needed to commit: the quorum, unless deliberately broken for a checker test.
    var commitQuorum: Int {
        configuration.faults.core.quorumOffByOne ? (2 * validators.count) / 3 : quorum(of: validators.count)
    }

    /// Commits `blockID` if a quorum of this height's set precommitted it in `round`
    /// and this peer holds the block and judged it valid.
    mutating func commitIfCertified(round: UInt32, blockID: Bytes32, state: some StateView, into actions: inout [Action]) {
        let signatures = votes.compactMap { slot, stored -> CommitCertificate.Signature? in
            guard slot.kind == .precommit, slot.round == round,
                  let vote = stored.first(where: { $0.blockID == blockID }) else { return nil }
            return CommitCertificate.Signature(validator: vote.validator, signature: vote.signature)
        }
        guard !awaitingApply, signatures.count >= commitQuorum else { return }
        guard let candidate = candidates[blockID], let execution = candidate.execution, let block = candidate.block else {
            // Certified but not held (or not yet judged): ask for it.
            if now.monotonic >= lastSyncRequest + configuration.resendInterval {
                lastSyncRequest = now.monotonic
                actions.append(.broadcast(.blockRequest(height: height)))
            }
            return
        }
        let certificate = CommitCertificate(height: height, round: round, blockID: blockID, signatures: signatures)
        commit(block, certificate: certificate, execution: execution, state: state, into: &actions)
    }

    mutating func commit(_ block: Block, certificate: CommitCertificate, execution: Ledger.Execution,
                         state: some StateView, into actions: inout [Action]) {
        actions.append(.commit(block, certificate, execution))
        head = Head(height: block.header.height, blockID: block.header.id, stateRoot: execution.stateRoot,
                    time: block.header.time, certificate: certificate)
        chain = execution.chain
        lastCommitGap = now.monotonic - lastCommitAt
        lastCommitAt = now.monotonic
        // What the block included, and anything of the same senders now stale, leaves the pool;
        // parked transactions whose gap it filled become ready.
        var applied: [Address: UInt64] = [:]
        for outcome in execution.included {
            applied[outcome.transaction.sender] = max(applied[outcome.transaction.sender] ?? 0, outcome.transaction.sequence + 1)
        }
        mempool.recheck(included: execution.included.map(\.id), height: block.header.height, now: now.monotonic) {
            applied[$0] ?? 0
        }
        if let offenses = try? block.offenses() { for offense in offenses { evidencePool[offense] = nil } }
        // The next height starts once the shell has applied the block: everything it
        // does reads the state after this block, which `state` is not yet.
        awaitingApply = true
    }

    /// Starts the next height if a commit is waiting for it; the shell calls this
    /// right after applying a committed block (every other input does it too).
    public mutating func resume(now: PeerTime, state: some StateView) -> [Action] {
        self.now.advance(to: now)
        var actions: [Action] = []
        resumeIfNeeded(state: state, into: &actions)
        return actions
    }

    mutating func resumeIfNeeded(state: some StateView, into actions: inout [Action]) {
        guard awaitingApply else { return }
        awaitingApply = false
        startHeight(state: state, into: &actions)
    }

    /// Clears the decided height's working state and starts the next one.
    mutating func startHeight(state: some StateView, into actions: inout [Action]) {
        validators = chain.authorities(at: height)
        candidates = [:]
        proposals = [:]
        waitingProposals = [:]
        votes = [:]
        timers = []
        pendingProposalRound = nil
        myProposal = nil
        myVotes = []
        if key != nil, validators.contains(me) {
            if var core {
                let started = core.advance(to: height, validators: validators)
                self.core = core
                perform(started, state: state, into: &actions)
            } else {
                var core = Core(me: me, validators: validators, height: height, timeouts: configuration.timeouts,
                                lastSigned: lastSigned)
                core.faults = configuration.faults.core
                let started = core.start()
                self.core = core
                perform(started, state: state, into: &actions)
            }
        } else {
            if let core { restoredSigned = core.lastSigned }
            core = nil
        }
        let replay = early
        early = []
        for (message, sender) in replay {
            actions += receive(message, from: sender, now: now, state: state)
        }
    }
}
