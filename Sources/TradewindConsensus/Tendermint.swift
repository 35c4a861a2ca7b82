/// The Tendermint agreement algorithm ("The latest gossip on BFT consensus",
/// Buchman, Kwon, Milosevic 2018, Algorithm 1) as a pure value: fed proposals,
/// votes and timeouts, it returns what to persist, broadcast, schedule and decide.
/// Values are block ids; whether a proposed value is valid is decided outside
/// (the ledger executes the block) and passed in with the proposal.
///
/// Quorum is ⌊2n/3⌋ + 1 equal votes and the round skip ⌊n/3⌋ + 1 — the general
/// form, which is "2f + 1" and "f + 1" only when n = 3f + 1.
public struct Tendermint<Validator: Hashable & Comparable & Sendable, Value: Hashable & Sendable>: Sendable {
    public enum Step: UInt8, Comparable, Sendable {
        case propose = 0, prevote = 1, precommit = 2
        public static func < (a: Step, b: Step) -> Bool { a.rawValue < b.rawValue }
    }

    public enum VoteKind: UInt8, Sendable { case prevote = 1, precommit = 2 }

    public struct Proposal: Hashable, Sendable {
        public var height: UInt64
        public var round: Int
        public var value: Value
        public var validRound: Int
        public var proposer: Validator
    }

    public struct Vote: Hashable, Sendable {
        public var kind: VoteKind
        public var height: UInt64
        public var round: Int
        /// nil is a vote for no block.
        public var value: Value?
        public var validator: Validator
    }

    public enum Timeout: Sendable, Equatable { case propose, prevote, precommit }

    /// The last thing this validator signed; persisted before any message leaves,
    /// so that after a restart it never signs a conflicting one.
    /// Also the lock in force when it was signed: a validator restarted from this
    /// state keeps its lock, which safety across rounds depends on.
    public struct SignedState: Hashable, Sendable {
        public var height: UInt64
        public var round: Int
        public var step: Step
        public var value: Value?
        public var lockedRound: Int
        public var lockedValue: Value?

        public init(height: UInt64, round: Int, step: Step, value: Value?, lockedRound: Int = -1, lockedValue: Value? = nil) {
            self.height = height
            self.round = round
            self.step = step
            self.value = value
            self.lockedRound = lockedRound
            self.lockedValue = lockedValue
        }
    }

    public enum Action: Sendable {
        /// Write durably before carrying out any later action of the same batch.
        case persist(SignedState)
        case broadcastProposal(Proposal)
        case broadcastVote(Vote)
        /// This validator proposes at (height, round) and has no valid value yet: supply one.
        case needValue(height: UInt64, round: Int)
        case schedule(Timeout, height: UInt64, round: Int, after: Duration)
        /// Final: `value` is decided at `height`, certified by these precommits.
        case decide(height: UInt64, round: Int, value: Value, precommits: [Vote])
    }

    public struct Timeouts: Sendable {
        public var propose: Duration = .seconds(1)
        public var prevote: Duration = .milliseconds(500)
        public var precommit: Duration = .milliseconds(500)
        /// Added per round, so that rounds eventually last long enough.
        public var increment: Duration = .milliseconds(250)
        /// No timeout grows beyond this.
        public var cap: Duration = .seconds(5)

        public init() {}

        func duration(_ timeout: Timeout, round: Int) -> Duration {
            let base: Duration
            switch timeout {
            case .propose: base = propose
            case .prevote: base = prevote
            case .precommit: base = precommit
            }
            return min(cap, base + increment.scaled(by: max(0, round)))
        }
    }

    public let me: Validator
    public private(set) var validators: [Validator]
    public let timeouts: Timeouts
    public private(set) var height: UInt64
    public private(set) var round = 0
    public private(set) var step = Step.propose
    public private(set) var lockedValue: Value?
    public private(set) var lockedRound = -1
    public private(set) var validValue: Value?
    public private(set) var validRound = -1
    public private(set) var lastSigned: SignedState?

    // Messages of the current height, by round.
    private var proposals: [Int: Proposal] = [:]
    private var validity: [Int: Bool] = [:]
    /// Votes by round and validator. An equivocating validator may have signed more
    /// than one value; each counts toward its own value (as in the paper, which counts
    /// messages), so honest validators that saw different ones still converge once the
    /// votes are relayed. At most `maxValuesPerVoter` are kept.
    private var prevotes: [Int: [Validator: [Value?]]] = [:]
    private var precommits: [Int: [Validator: [Value?]]] = [:]
    static var maxValuesPerVoter: Int { 2 }
    /// "for the first time" guards of the paper's rules, per round.
    private var prevoteTimeoutScheduled = Set<Int>()
    private var precommitTimeoutScheduled = Set<Int>()
    private var lockedOrValidUpdated = Set<Int>()
    private var decided = false
    /// Messages for the next height that arrived early, replayed when it starts.
    private var early: [(Proposal?, Vote?, Bool)] = []
    /// What this validator sent at the current height, for retransmission: the
    /// algorithm assumes eventual delivery, which over a lossy network means resending.
    public private(set) var sentProposals: [Proposal] = []
    public private(set) var sentVotes: [Vote] = []

    /// Test hook for the checker's sake: variants that break the algorithm on purpose.
    public struct Faults: Sendable {
        public var ignoreLockedRound = false
        public var quorumOffByOne = false
        public init() {}
    }
    public var faults = Faults()

    public init(me: Validator, validators: [Validator], height: UInt64, timeouts: Timeouts = .init(),
                lastSigned: SignedState? = nil) {
        self.me = me
        self.validators = validators.sorted()
        self.height = height
        self.timeouts = timeouts
        self.lastSigned = lastSigned
        if let lastSigned, lastSigned.height == height, lastSigned.lockedRound >= 0 {
            lockedRound = lastSigned.lockedRound
            lockedValue = lastSigned.lockedValue
        }
    }

    // MARK: Thresholds and proposer

    public var quorum: Int { (2 * validators.count) / 3 + (faults.quorumOffByOne ? 0 : 1) }
    public var skipThreshold: Int { validators.count / 3 + 1 }

    /// Round-robin over the sorted set by height + round.
    public func proposer(height: UInt64, round: Int) -> Validator {
        validators[Int((height &+ UInt64(round)) % UInt64(validators.count))]
    }

    // MARK: Inputs

    /// Starts the current height: at round 0, or — restarted from durable state —
    /// in the round it last signed in, resending that vote (the same content, so the
    /// same signature) and never signing anything else in that step.
    public mutating func start() -> [Action] {
        var actions: [Action] = []
        guard let last = lastSigned, last.height == height, last.round > 0 || last.step > .propose else {
            startRound(0, into: &actions)
            return actions
        }
        startRound(last.round, into: &actions)
        if last.step >= .prevote && step == .propose {
            if last.step == .prevote, sign(.prevote, value: last.value, into: &actions) {
                broadcast(vote(.prevote, last.value), into: &actions)
            }
            step = last.step == .precommit ? .precommit : .prevote
            if last.step == .precommit, sign(.precommit, value: last.value, into: &actions) {
                broadcast(vote(.precommit, last.value), into: &actions)
            }
        }
        evaluate(into: &actions)
        return actions
    }

    /// The value this validator proposes (after `.needValue`).
    public mutating func propose(_ value: Value, height: UInt64, round: Int) -> [Action] {
        guard height == self.height, round == self.round, step == .propose,
              proposer(height: height, round: round) == me, proposals[round] == nil else { return [] }
        var actions: [Action] = []
        let proposal = Proposal(height: height, round: round, value: value, validRound: -1, proposer: me)
        guard sign(.propose, value: value, into: &actions) else { return [] }
        actions.append(.broadcastProposal(proposal))
        sentProposals.append(proposal)
        return actions + receive(proposal: proposal, valid: true)
    }

    public mutating func receive(proposal: Proposal, valid: Bool) -> [Action] {
        if proposal.height == height + 1 && early.count < 16 * validators.count {
            early.append((proposal, nil, valid))
            return []
        }
        guard proposal.height == height, proposal.proposer == proposer(height: height, round: proposal.round),
              proposals[proposal.round] == nil else { return [] }
        proposals[proposal.round] = proposal
        validity[proposal.round] = valid
        var actions: [Action] = []
        evaluate(into: &actions)
        return actions
    }

    public mutating func receive(vote: Vote) -> [Action] {
        if vote.height == height + 1 && early.count < 16 * validators.count {
            early.append((nil, vote, false))
            return []
        }
        guard vote.height == height, validators.contains(vote.validator) else { return [] }
        switch vote.kind {
        case .prevote:
            let seen = prevotes[vote.round]?[vote.validator] ?? []
            guard !seen.contains(vote.value), seen.count < Self.maxValuesPerVoter else { return [] }
            prevotes[vote.round, default: [:]][vote.validator, default: []].append(vote.value)
        case .precommit:
            let seen = precommits[vote.round]?[vote.validator] ?? []
            guard !seen.contains(vote.value), seen.count < Self.maxValuesPerVoter else { return [] }
            precommits[vote.round, default: [:]][vote.validator, default: []].append(vote.value)
        }
        var actions: [Action] = []
        evaluate(into: &actions)
        return actions
    }

    /// A commit certificate for the current height from a validator that decided it
    /// already (how a validator that fell behind catches up): decides at once if it
    /// carries a quorum of distinct validators' precommits for one value.
    public mutating func receive(certificate height: UInt64, round: Int, value: Value, precommits: [Vote]) -> [Action] {
        guard height == self.height, !decided else { return [] }
        let signers = Set(precommits.filter {
            $0.kind == .precommit && $0.height == height && $0.round == round && $0.value == value
                && validators.contains($0.validator)
        }.map(\.validator))
        guard signers.count >= quorum else { return [] }
        decided = true
        return [.decide(height: height, round: round, value: value, precommits: precommits)]
    }

    public mutating func timeout(_ kind: Timeout, height: UInt64, round: Int) -> [Action] {
        guard height == self.height, !decided else { return [] }
        var actions: [Action] = []
        switch kind {
        case .propose where round == self.round && step == .propose:
            // The step moves on even when signing is refused (this step was signed
            // before a restart): the algorithm must progress, the signature must not repeat.
            if sign(.prevote, value: nil, into: &actions) {
                broadcast(vote(.prevote, nil), into: &actions)
            }
            step = .prevote
        case .prevote where round == self.round && step == .prevote:
            if sign(.precommit, value: nil, into: &actions) {
                broadcast(vote(.precommit, nil), into: &actions)
            }
            step = .precommit
        case .precommit where round == self.round:
            startRound(round + 1, into: &actions)
        default:
            break
        }
        evaluate(into: &actions)
        return actions
    }

    /// Moves to the next height after the decided block was applied (and the set
    /// that signs the next block is known).
    public mutating func advance(to next: UInt64, validators nextValidators: [Validator]? = nil) -> [Action] {
        guard next > height else { return [] }
        height = next
        if let nextValidators { validators = nextValidators.sorted() }
        round = 0
        step = .propose
        lockedValue = nil
        lockedRound = -1
        validValue = nil
        validRound = -1
        proposals = [:]
        validity = [:]
        prevotes = [:]
        precommits = [:]
        prevoteTimeoutScheduled = []
        precommitTimeoutScheduled = []
        lockedOrValidUpdated = []
        decided = false
        sentProposals = []
        sentVotes = []
        var actions: [Action] = []
        startRound(0, into: &actions)
        let replay = early
        early = []
        for (proposal, vote, valid) in replay {
            if let proposal { actions += receive(proposal: proposal, valid: valid) }
            if let vote { actions += receive(vote: vote) }
        }
        return actions
    }

    // MARK: The rules

    private func vote(_ kind: VoteKind, _ value: Value?) -> Vote {
        Vote(kind: kind, height: height, round: round, value: value, validator: me)
    }

    /// Records what is about to be signed; refuses anything that conflicts with what
    /// was signed before at the same height, round and step (after a restart too).
    private mutating func sign(_ step: Step, value: Value?, into actions: inout [Action]) -> Bool {
        let state = SignedState(height: height, round: round, step: step, value: value, lockedRound: lockedRound,
                                lockedValue: lockedValue)
        if let last = lastSigned {
            if (last.height, last.round, last.step.rawValue) > (height, round, step.rawValue) { return false }
            if last.height == height && last.round == round && last.step == step { return last.value == value }
        }
        lastSigned = state
        actions.append(.persist(state))
        return true
    }

    private mutating func startRound(_ newRound: Int, into actions: inout [Action]) {
        round = newRound
        step = .propose
        if proposer(height: height, round: newRound) == me {
            if let value = validValue {
                let proposal = Proposal(height: height, round: newRound, value: value, validRound: validRound, proposer: me)
                if sign(.propose, value: value, into: &actions) {
                    actions.append(.broadcastProposal(proposal))
                    sentProposals.append(proposal)
                    proposals[newRound] = proposal
                    validity[newRound] = true
                }
            } else {
                actions.append(.needValue(height: height, round: newRound))
            }
        }
        actions.append(.schedule(.propose, height: height, round: newRound, after: timeouts.duration(.propose, round: newRound)))
        evaluate(into: &actions)
    }

    private func count(_ votes: [Validator: [Value?]]?, for value: Value?) -> Int {
        votes?.values.filter { $0.contains(value) }.count ?? 0
    }

    /// Applies every rule whose condition now holds, until none does.
    private mutating func evaluate(into actions: inout [Action]) {
        var progressed = true
        while progressed && !decided {
            progressed = false
            let r = round
            // Decision: a proposal in any round with a quorum of precommits for it.
            for (proposalRound, proposal) in proposals.sorted(by: { $0.key < $1.key }) where validity[proposalRound] == true {
                let supporting = (precommits[proposalRound] ?? [:]).filter { $0.value.contains(proposal.value) }
                if supporting.count >= quorum {
                    decided = true
                    let certificate = supporting.keys.sorted().map {
                        Vote(kind: .precommit, height: height, round: proposalRound, value: proposal.value, validator: $0)
                    }
                    actions.append(.decide(height: height, round: proposalRound, value: proposal.value, precommits: certificate))
                    return
                }
            }
            // Skip ahead: messages from ⌊n/3⌋ + 1 validators in some higher round.
            let laterRounds = Set(prevotes.keys.filter { $0 > r } + precommits.keys.filter { $0 > r }
                                  + proposals.keys.filter { $0 > r })
            if let target = laterRounds.sorted(by: >).first(where: { later in
                var senders = Set((prevotes[later] ?? [:]).keys).union((precommits[later] ?? [:]).keys)
                if let proposal = proposals[later] { senders.insert(proposal.proposer) }
                return senders.count >= skipThreshold
            }) {
                startRound(target, into: &actions)
                progressed = true
                continue
            }
            if step == .propose, let proposal = proposals[r] {
                let valid = validity[r] == true
                if proposal.validRound == -1 {
                    let accept = valid && (lockedRound == -1 || lockedValue == proposal.value || faults.ignoreLockedRound)
                    prevote(accept ? proposal.value : nil, into: &actions)
                    progressed = true
                } else if proposal.validRound >= 0 && proposal.validRound < r
                            && count(prevotes[proposal.validRound], for: proposal.value) >= quorum {
                    let accept = valid && (lockedRound <= proposal.validRound || lockedValue == proposal.value
                                           || faults.ignoreLockedRound)
                    prevote(accept ? proposal.value : nil, into: &actions)
                    progressed = true
                }
            }
            if step == .prevote && (prevotes[r]?.count ?? 0) >= quorum && !prevoteTimeoutScheduled.contains(r) {
                prevoteTimeoutScheduled.insert(r)
                actions.append(.schedule(.prevote, height: height, round: r, after: timeouts.duration(.prevote, round: r)))
            }
            if step >= .prevote, let proposal = proposals[r], validity[r] == true,
               count(prevotes[r], for: proposal.value) >= quorum, !lockedOrValidUpdated.contains(r) {
                lockedOrValidUpdated.insert(r)
                if step == .prevote {
                    lockedValue = proposal.value
                    lockedRound = r
                    if sign(.precommit, value: proposal.value, into: &actions) {
                        broadcast(vote(.precommit, proposal.value), into: &actions)
                    }
                    step = .precommit
                }
                validValue = proposal.value
                validRound = r
                progressed = true
            }
            if step == .prevote && count(prevotes[r], for: nil) >= quorum {
                if sign(.precommit, value: nil, into: &actions) {
                    broadcast(vote(.precommit, nil), into: &actions)
                }
                step = .precommit
                progressed = true
            }
            // A quorum precommitted nil: no value can be decided in this round any more, so
            // waiting out the precommit timeout only delays the next proposer. (Timeouts
            // serve liveness alone; moving on early cannot affect safety.)
            if count(precommits[r], for: nil) >= quorum {
                startRound(r + 1, into: &actions)
                progressed = true
                continue
            }
            if (precommits[r]?.count ?? 0) >= quorum && !precommitTimeoutScheduled.contains(r) {
                precommitTimeoutScheduled.insert(r)
                actions.append(.schedule(.precommit, height: height, round: r, after: timeouts.duration(.precommit, round: r)))
            }
        }
    }

    private mutating func prevote(_ value: Value?, into actions: inout [Action]) {
        if sign(.prevote, value: value, into: &actions) {
            broadcast(vote(.prevote, value), into: &actions)
        }
        step = .prevote
    }

    private mutating func broadcast(_ vote: Vote, into actions: inout [Action]) {
        sentVotes.append(vote)
        actions.append(.broadcastVote(vote))
    }
}
