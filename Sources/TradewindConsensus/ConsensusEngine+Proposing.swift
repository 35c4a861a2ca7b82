import TradewindCrypto
import TradewindLedger
import TradewindWire

extension ConsensusEngine {
    /// The block time this peer would give a block now: its clock, strictly after the parent's.
    var nextBlockTime: UInt64 { max(now.wall.milliseconds, head.time + 1) }

    /// Builds this proposer's block from the mempool (per-sender order, up to the
    /// genesis caps) and pending evidence, executes it, and proposes its id.
    mutating func propose(round: Int, state: some StateView, into actions: inout [Action]) {
        guard var core, core.height == height, core.round == round else { return }
        let parameters = ledger.parameters
        let transactions = mempool.candidates(maxCount: Int(parameters.maxTransactionsPerBlock),
                                              maxBytes: Int(parameters.maxBlockBytes), parentTime: head.time)
        let evidence = includableEvidence(state: state)
        let context = Ledger.BlockContext(height: height, time: nextBlockTime, parentTime: head.time)
        let execution: Ledger.Execution
        do {
            execution = try ledger.execute(identified: transactions, context: context, previousRoot: head.stateRoot, view: state,
                                           signatures: .none,
                                           offenses: evidence.map { Offense($0.evidence) })
        } catch {
            // The committed state could not be read: propose nothing; the round times out.
            invalidMessages += 1
            return
        }
        // What can never apply leaves the mempool now; what is too early waits for its
        // deadline if that is near (as at admission), else leaves too: a transaction that
        // reached this point without admission's check (sent behind another of its sender,
        // or its order's deadline moved) must not hold its sender back for days.
        for outcome in execution.excluded {
            if outcome.result.code.resultClass != .retry {
                mempool.remove(outcome.id)
            } else if let deadline = outcome.result.appliesFrom {
                if mayWait(for: deadline) { mempool.deferUntil(outcome.id, deadline: deadline) } else { mempool.remove(outcome.id) }
            }
        }
        let block = ledger.block(from: execution, context: context, parentID: head.blockID, proposer: me,
                                 authorities: validators, lastCommitHash: head.certificate?.hash ?? CommitCertificate.absentHash,
                                 evidence: evidence.map(\.bytes))
        let blockID = block.header.id
        var candidate = Candidate(message: ProposalMessage(
            proposal: SignedProposal(height: height, round: UInt32(clamping: round), validRound: nil, blockID: blockID, proposer: me),
            header: block.header, transactionIDs: execution.included.map(\.id), evidence: block.evidence,
            lastCommit: head.certificate))
        candidate.execution = execution
        candidate.block = block
        for outcome in execution.included { candidate.bodies[outcome.id] = outcome.transaction }
        candidates[blockID] = candidate
        let proposed = core.propose(blockID, height: height, round: round)
        self.core = core
        perform(proposed, state: state, into: &actions)
    }

    /// Signs and sends a proposal the core made (a fresh block, or its valid value again).
    mutating func announce(_ proposal: Core.Proposal, into actions: inout [Action]) {
        guard let key, let candidate = candidates[proposal.value] else { return }
        let signed = SignedProposal(
            height: proposal.height, round: UInt32(clamping: proposal.round),
            validRound: proposal.validRound >= 0 ? UInt32(clamping: proposal.validRound) : nil,
            blockID: proposal.value, proposer: me).signed(by: key, network: network)
        var message = candidate.message
        message.proposal = signed
        proposals[signed.round] = signed
        myProposal = message
        actions.append(.broadcast(.proposal(message)))
        relayProofOfLock(signed, into: &actions)
        if configuration.faults.equivocate {
            // A second block for the same round: the same body a millisecond later.
            var header = message.header
            header.time += 1
            var other = message
            other.header = header
            var otherProposal = signed
            otherProposal.blockID = header.id
            other.proposal = otherProposal.signed(by: key, network: network)
            actions.append(.broadcast(.proposal(other)))
        }
    }

    /// A re-proposal (valid round set) is accepted only by validators holding the
    /// quorum of prevotes from that round: relay the ones this peer holds.
    func relayProofOfLock(_ proposal: SignedProposal, into actions: inout [Action]) {
        guard let validRound = proposal.validRound, proposal.round == UInt32(clamping: round) else { return }
        for vote in prevotes(round: validRound, for: proposal.blockID) { actions.append(.broadcast(.vote(vote))) }
    }

    /// The prevotes held for `blockID` in `round`, in validator order: relays go out
    /// in the same order in every run of a seed, whatever the process's hash seed.
    func prevotes(round: UInt32, for blockID: Bytes32) -> [Vote] {
        votes.filter { slot, _ in slot.kind == .prevote && slot.round == round }
            .sorted { $0.key.validator < $1.key.validator }
            .flatMap { _, stored in stored.filter { $0.blockID == blockID } }
    }

    struct IncludableEvidence {
        var evidence: Evidence
        var bytes: [UInt8]
    }

    /// Pending evidence that a block at this height may carry: against a member of
    /// this height's set, recent, and not yet recorded.
    func includableEvidence(state: some StateView) -> [IncludableEvidence] {
        var result: [IncludableEvidence] = []
        for (offense, evidence) in evidencePool.sorted(by: {
            ($0.key.height, $0.key.authority, $0.key.round, $0.key.step) < ($1.key.height, $1.key.authority, $1.key.round, $1.key.step)
        }) {
            guard result.count < Block.maxEvidence, isIncludable(offense, state: state) else { continue }
            result.append(IncludableEvidence(evidence: evidence, bytes: evidence.wireEncoded))
        }
        return result
    }

    func isIncludable(_ offense: Offense, state: some StateView) -> Bool {
        guard validators.contains(offense.authority), offense.height <= height,
              offense.height + configuration.evidenceMaxAge >= height else { return false }
        return (try? state.value(for: .offense(offense))) == .some(nil)
    }
}

extension Offense {
    init(_ evidence: Evidence) {
        self.init(authority: evidence.offender, height: evidence.height, round: evidence.round, step: evidence.step)
    }
}
