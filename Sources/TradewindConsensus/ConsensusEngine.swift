import TradewindCrypto
import TradewindLedger
import TradewindWire

/// One peer's agreement and chain-following logic as a value: Tendermint among the
/// authorities, the mempool, compact proposals checked by executing them, commit
/// certificates, evidence and catch-up. It is fed messages, submitted transactions
/// and the time, reads committed state through a `StateView`, and returns actions;
/// the shell (the simulator, or the UDP peer) carries them out in order.
///
/// A peer that is not an authority at the current height runs the same engine
/// without the Tendermint core: it follows by certificates.
public struct ConsensusEngine: Sendable {
    public typealias Core = Tendermint<Address, Bytes32>

    public struct Configuration: Sendable {
        public var timeouts = Core.Timeouts()
        /// How often this peer resends its own messages of the current height: the
        /// algorithm assumes eventual delivery, which over lossy UDP means resending.
        public var resendInterval: Duration = .milliseconds(300)
        /// How long without a commit before asking a few members for the next block (and
        /// how often to ask again); with no transaction waiting, the heartbeat is added.
        public var syncInterval: Duration = .seconds(1)
        /// Evidence older than this many heights is not included in blocks.
        public var evidenceMaxAge: UInt64 = 100
        public var mempool = Mempool.Limits()
        public var faults = Faults()

        public init() {}
    }

    /// Deliberate misbehaviour, for tests of the checkers and of evidence.
    public struct Faults: Sendable {
        public var core = Core.Faults()
        /// Sign two different proposals and two different votes at every step.
        public var equivocate = false
        public init() {}
    }

    public enum Action: Sendable {
        /// Write durably before carrying out any later action.
        case persist(Core.SignedState)
        /// To every authority (directly) and through gossip.
        case broadcast(ConsensusMessage)
        case send(ConsensusMessage, to: Address)
        /// Apply atomically (block, certificate, receipts, state); the engine has
        /// already moved on to the next height.
        case commit(Block, CommitCertificate, Ledger.Execution)
        /// Send the stored block at `height` and its certificate to a peer behind.
        case sendCommittedBlock(height: UInt64, to: Address)
    }

    /// The last committed block, as the engine needs it.
    public struct Head: Sendable {
        public var height: UInt64
        public var blockID: Bytes32
        public var stateRoot: Bytes32
        /// Block time, Unix milliseconds.
        public var time: UInt64
        /// Its certificate (nil at genesis); the next proposal carries it.
        public var certificate: CommitCertificate?

        public init(height: UInt64, blockID: Bytes32, stateRoot: Bytes32, time: UInt64,
                    certificate: CommitCertificate?) {
            self.height = height
            self.blockID = blockID
            self.stateRoot = stateRoot
            self.time = time
            self.certificate = certificate
        }
    }

    /// What a peer is told about its own transaction.
    public enum Submission: Equatable, Sendable {
        case accepted(Bytes32)
        /// Kept in the mempool until a block's parent time reaches its deadline
        /// (`terTOO_EARLY`, with `appliesFrom`); then it applies like any other.
        case deferred(Bytes32, TransactionResult)
        case rejected(TransactionResult)
        case mempool(Mempool.Admission)
        /// The peer could not read its own state (a storage fault, not the transaction's).
        case unavailable(String)

        /// The id of a transaction now in the mempool (accepted or deferred).
        public var acceptedID: Bytes32? {
            switch self {
            case let .accepted(id), let .deferred(id, _): return id
            case .rejected, .mempool, .unavailable: return nil
            }
        }
    }

    struct Candidate: Sendable {
        var message: ProposalMessage
        var bodies: [Bytes32: Transaction] = [:]
        var missing: Set<Bytes32> = []
        /// The ledger's verdict once every body is present: the execution, or why not.
        var execution: Ledger.Execution?
        var invalidReason: String?
        var block: Block?
        var evaluated: Bool { execution != nil || invalidReason != nil }
    }

    struct VoteSlot: Hashable, Sendable {
        var kind: Vote.Kind
        var round: UInt32
        var validator: Address
    }

    struct Timer: Sendable {
        var due: MonotonicInstant
        var kind: Core.Timeout
        var height: UInt64
        var round: Int
    }

    public let ledger: Ledger
    public let network: Bytes32
    public let me: Address
    let key: Ed25519.PrivateKey?
    public var configuration: Configuration

    public internal(set) var head: Head
    public internal(set) var chain: ChainState
    public internal(set) var core: Core?
    public internal(set) var mempool: Mempool
    /// Authorities that sign the height being decided.
    public internal(set) var validators: [Address]
    public var height: UInt64 { head.height + 1 }

    // The height being decided.
    var candidates: [Bytes32: Candidate] = [:]
    var proposals: [UInt32: SignedProposal] = [:]
    /// Proposals whose bodies are still being fetched, by round, to hand to the core once known.
    var waitingProposals: [UInt32: SignedProposal] = [:]
    /// Signed votes by slot: normally one; an equivocator's second value is kept too
    /// (each counts for its own value, and the pair is evidence).
    var votes: [VoteSlot: [Vote]] = [:]
    var timers: [Timer] = []
    var pendingProposalRound: Int?
    /// Round 0's propose timeout, while its timer may still be brought forward by a
    /// transaction that starts to wait.
    var roundZeroProposeWait: Duration?
    var myProposal: ProposalMessage?
    var myVotes: [Vote] = []
    var early: [(ConsensusMessage, Address)] = []
    /// Offences seen and verified, not yet committed, with their evidence.
    var evidencePool: [Offense: Evidence] = [:]
    var served: [Address: (height: UInt64, at: MonotonicInstant)] = [:]
    var lastResend: MonotonicInstant = .zero
    var lastSyncRequest: MonotonicInstant = .zero
    var lastCommitAt: MonotonicInstant
    /// The time between the last two commits (zero until there were two).
    var lastCommitGap: Duration = .zero
    var started = false
    /// A block was committed and the shell has not yet applied it.
    var awaitingApply = false
    /// The highest height any peer has shown us: we are behind if it exceeds ours.
    public internal(set) var highestSeen: UInt64 = 0
    public internal(set) var now: PeerTime

    /// Counters for status and metrics.
    public internal(set) var invalidMessages: UInt64 = 0
    public internal(set) var evidenceSeen: UInt64 = 0

    /// A peer starting at `head` with `chain` the ledger's chain state after it;
    /// `key` is nil for a peer that never signs. `lastSigned` is the durable safety
    /// state (nil on a fresh peer).
    public init(ledger: Ledger, key: Ed25519.PrivateKey?, me: Address, head: Head, chain: ChainState,
                lastSigned: Core.SignedState?, now: PeerTime, configuration: Configuration = .init()) {
        self.ledger = ledger
        network = ledger.networkID
        self.key = key
        self.me = me
        self.configuration = configuration
        self.head = head
        self.chain = chain
        self.now = now
        lastCommitAt = now.monotonic
        mempool = Mempool(limits: configuration.mempool)
        validators = chain.authorities(at: head.height + 1)
        if key != nil, validators.contains(me) {
            var core = Core(me: me, validators: validators, height: head.height + 1, timeouts: configuration.timeouts,
                            lastSigned: lastSigned)
            core.faults = configuration.faults.core
            self.core = core
        }
        restoredSigned = lastSigned
    }

    var restoredSigned: Core.SignedState?

    public var isAuthority: Bool { core != nil }
    /// Whether this peer holds `blockID` as a proposal of the height it decides: it
    /// will commit it by votes, with no need to replay a copy from elsewhere.
    public func isDeciding(_ blockID: Bytes32) -> Bool { core != nil && candidates[blockID] != nil }
    public var round: Int { core?.round ?? 0 }
    public var lastSigned: Core.SignedState? { core?.lastSigned ?? restoredSigned }

    /// Who proposes `round` of the height being decided.
    public func proposer(round: UInt32) -> Address {
        validators[Int((height &+ UInt64(round)) % UInt64(validators.count))]
    }

    // MARK: Time

    /// Advances the clocks: timers, block production, resends and sync.
    public mutating func tick(now: PeerTime, state: some StateView) -> [Action] {
        self.now.advance(to: now)
        let monotonic = self.now.monotonic
        var actions: [Action] = []
        resumeIfNeeded(state: state, into: &actions)
        if !started {
            started = true
            if var core {
                let started = core.start()
                self.core = core
                perform(started, state: state, into: &actions)
            }
        }
        let due = timers.filter { $0.due <= monotonic }
        timers.removeAll { $0.due <= monotonic }
        for timer in due {
            guard var core else { break }
            let fired = core.timeout(timer.kind, height: timer.height, round: timer.round)
            self.core = core
            perform(fired, state: state, into: &actions)
        }
        mempool.expire(now: monotonic)
        // A deferred transaction's deadline passing starts the wait like an arrival does.
        if roundZeroProposeWait != nil && mempool.hasDeferred { hastenRoundZero() }
        if let round = pendingProposalRound, readyToPropose {
            pendingProposalRound = nil
            propose(round: round, state: state, into: &actions)
        }
        if monotonic >= lastResend + configuration.resendInterval {
            lastResend = monotonic
            resend(into: &actions)
        }
        // Missed blocks show as a higher height seen. Failing that, a peer on a busy
        // chain (transactions a block could take, or blocks coming well within the
        // heartbeat) asks after a sync interval without a commit; on an idle chain it
        // waits for the heartbeat block it expects to be that late, so an idle mesh stays
        // quiet. Heartbeat blocks seen a little early (clocks, delivery) are not "busy".
        let heartbeat = Duration.milliseconds(ledger.parameters.heartbeatIntervalMs)
        let busy = hasWork || highestSeen > height || lastCommitGap < heartbeat / 2
        let patience = configuration.syncInterval + (busy ? .zero : heartbeat)
        let overdue = monotonic >= lastCommitAt + patience
        if (highestSeen > height || overdue) && monotonic >= lastSyncRequest + configuration.syncInterval {
            lastSyncRequest = monotonic
            actions.append(.broadcast(.blockRequest(height: height)))
        }
        return actions
    }

    /// Round 0 waits for the block interval when transactions wait (parked ones, which
    /// no block can take, and deferred ones whose deadline is still ahead do not
    /// count), else for the heartbeat.
    var readyToPropose: Bool {
        let wallMilliseconds = now.wall.milliseconds
        let sinceParent = wallMilliseconds >= head.time ? wallMilliseconds - head.time : 0
        let parameters = ledger.parameters
        return sinceParent >= parameters.heartbeatIntervalMs
            || (sinceParent >= parameters.blockIntervalMs && (hasWork || !evidencePool.isEmpty))
    }

    /// `wait` after the wall-clock instant `instant` (now if it has passed), on the monotonic clock.
    func monotonicDue(_ instant: UnixInstant, plus wait: Duration) -> MonotonicInstant {
        now.monotonic + max(.zero, instant - now.wall) + wait
    }

    /// Whether a too-early transaction may wait in the mempool for `deadline` (Unix ms):
    /// only a near one (the parked lifetime), lest it hold its sender back for days.
    func mayWait(for deadline: UInt64) -> Bool {
        deadline <= (now.wall + mempool.limits.parkedLifetime).milliseconds
    }

    /// Whether a block at the next block time would carry (or make way for) a
    /// transaction: one not parked behind a missing sequence, not deferred past its time.
    public var hasWork: Bool { mempool.hasWork(at: nextBlockTime) }

    /// Validators wait for round 0's proposer until the earlier of the heartbeat and the
    /// block interval after the first transaction that waits, plus the propose timeout:
    /// a crashed proposer then costs a waiting transaction one timeout, not a heartbeat.
    mutating func hastenRoundZero() {
        guard round == 0, let wait = roundZeroProposeWait, hasWork else { return }
        roundZeroProposeWait = nil
        let due = monotonicDue(UnixInstant(milliseconds: head.time) + .milliseconds(ledger.parameters.blockIntervalMs), plus: wait)
        for index in timers.indices where timers[index].kind == .propose && timers[index].round == 0
            && timers[index].height == height {
            timers[index].due = min(timers[index].due, due)
        }
    }

    private mutating func resend(into actions: inout [Action]) {
        if let myProposal, myProposal.proposal.round == UInt32(clamping: round) {
            actions.append(.broadcast(.proposal(myProposal)))
        }
        for vote in myVotes.suffix(2) { actions.append(.broadcast(.vote(vote))) }
        if let myProposal { relayProofOfLock(myProposal.proposal, into: &actions) }
        // A peer that saw a quorum prevote a value in an earlier round keeps that proof
        // in circulation: when it (or any peer holding the same value) proposes the
        // value again, the others already hold the prevotes that justify it, instead
        // of needing all of them to get through one round's timeouts.
        if let core, core.validRound >= 0, core.validRound < round, let value = core.validValue {
            for vote in prevotes(round: UInt32(core.validRound), for: value) { actions.append(.broadcast(.vote(vote))) }
        }
        // Sorted, so a run replays the same from its seed whatever the process's hash seed.
        for (blockID, candidate) in candidates.sorted(by: { $0.key < $1.key }) where !candidate.missing.isEmpty {
            let request = ConsensusMessage.transactionRequest(
                height: height, ids: Array(candidate.missing.sorted().prefix(ConsensusMessage.maxTransactionsPerMessage)))
            // The proposer, and every validator that prevoted the block (it holds the bodies).
            var holders: Set<Address> = [candidate.message.proposal.proposer]
            for (slot, stored) in votes where slot.kind == .prevote && stored.contains(where: { $0.blockID == blockID }) {
                holders.insert(slot.validator)
            }
            holders.remove(me)
            for holder in holders.sorted() { actions.append(.send(request, to: holder)) }
        }
    }

    // MARK: Core actions

    mutating func perform(_ coreActions: [Core.Action], state: some StateView, into actions: inout [Action]) {
        var pending = coreActions[...]
        while let action = pending.popFirst() {
            switch action {
            case let .persist(signed):
                actions.append(.persist(signed))
            case let .broadcastProposal(proposal):
                announce(proposal, into: &actions)
            case let .broadcastVote(vote):
                cast(vote, into: &actions)
                // The core counts its own vote only when it is handed back, like anyone's.
                if var core {
                    let more = core.receive(vote: vote)
                    self.core = core
                    pending.append(contentsOf: more)
                }
                if vote.kind == .precommit, let value = vote.value {
                    commitIfCertified(round: UInt32(clamping: vote.round), blockID: value, state: state, into: &actions)
                }
            case let .needValue(_, round):
                if round > 0 || readyToPropose {
                    propose(round: round, state: state, into: &actions)
                } else {
                    pendingProposalRound = round
                }
            case let .schedule(kind, timerHeight, round, after):
                var due = now.monotonic + after
                if kind == .propose && round == 0 {
                    // Everyone waits for the heartbeat before giving up on round 0's proposer
                    // (a wall-clock instant, turned into a wait on the monotonic clock), or
                    // less once a transaction waits (`hastenRoundZero`).
                    due = monotonicDue(UnixInstant(milliseconds: head.time) + .milliseconds(ledger.parameters.heartbeatIntervalMs),
                                       plus: after)
                    roundZeroProposeWait = after
                }
                timers.append(Timer(due: due, kind: kind, height: timerHeight, round: round))
                if kind == .propose && round == 0 { hastenRoundZero() }
            case let .decide(_, round, value, _):
                commitIfCertified(round: UInt32(clamping: round), blockID: value, state: state, into: &actions)
            }
        }
    }

    /// Signs and sends this validator's vote (and, if told to misbehave, a conflicting one).
    private mutating func cast(_ vote: Core.Vote, into actions: inout [Action]) {
        guard let key else { return }
        let signed = Vote(kind: vote.kind == .prevote ? .prevote : .precommit, height: vote.height,
                          round: UInt32(clamping: vote.round), blockID: vote.value, validator: me).signed(by: key, network: network)
        votes[VoteSlot(kind: signed.kind, round: signed.round, validator: me)] = [signed]
        myVotes.append(signed)
        actions.append(.broadcast(.vote(signed)))
        if configuration.faults.equivocate {
            var other = signed
            other.blockID = signed.blockID == nil ? Blake2b.hash256(signed.signingBody) : nil
            actions.append(.broadcast(.vote(other.signed(by: key, network: network))))
        }
    }
}

extension ConsensusEngine {
    /// One line about where agreement stands, for logs and debugging.
    public var diagnostics: String {
        let step = core.map { "\($0.step)" } ?? "following"
        let verdicts = candidates.values.map { candidate -> String in
            if let reason = candidate.invalidReason { return "invalid (\(reason))" }
            return candidate.execution != nil ? "valid" : "missing \(candidate.missing.count)"
        }
        return "h\(height) r\(round) \(step) locked \(core?.lockedRound ?? -1) mempool \(mempool.count) candidates \(verdicts) invalid messages \(invalidMessages)"
    }
}

extension ConsensusEngine {
    /// The stored form of the safety state: u8 version 2 ‖ varint height ‖ varint
    /// round ‖ u8 step ‖ optional<hash> value ‖ varint (locked round + 1) ‖
    /// optional<hash> locked value. (Version 1 lacked the lock.)
    public static func encode(_ signed: Core.SignedState) -> [UInt8] {
        var writer = WireWriter(reservingCapacity: 80)
        writer.writeUInt8(2)
        writer.writeVarint(signed.height)
        writer.writeVarint(UInt64(max(0, signed.round)))
        writer.writeUInt8(signed.step.rawValue)
        writer.writeOptional(signed.value) { $0.write($1) }
        writer.writeVarint(UInt64(max(0, signed.lockedRound + 1)))
        writer.writeOptional(signed.lockedValue) { $0.write($1) }
        return writer.bytes
    }

    public static func decodeSignedState(_ bytes: [UInt8]) throws(WireError) -> Core.SignedState {
        var reader = WireReader(bytes)
        let version = try reader.readVersion(of: "SignedState", supported: 1...2)
        let height = try reader.readVarint()
        let round = try reader.readVarint()
        guard round <= Vote.maxRound else { throw .invalidValue(type: "SignedState", reason: "round \(round) too large") }
        let rawStep = try reader.readUInt8()
        guard let step = Core.Step(rawValue: rawStep) else { throw .unknownTag(type: "Step", tag: UInt64(rawStep)) }
        let value = try reader.readOptional { (r: inout WireReader) throws(WireError) in try r.read(Bytes32.self) }
        var lockedRound = -1
        var lockedValue: Bytes32?
        if version >= 2 {
            let stored = try reader.readVarint()
            guard stored <= Vote.maxRound + 1 else { throw .invalidValue(type: "SignedState", reason: "locked round \(stored) too large") }
            lockedRound = Int(stored) - 1
            lockedValue = try reader.readOptional { (r: inout WireReader) throws(WireError) in try r.read(Bytes32.self) }
        }
        try reader.expectEnd()
        return Core.SignedState(height: height, round: Int(round), step: step, value: value, lockedRound: lockedRound,
                                lockedValue: lockedValue)
    }
}
