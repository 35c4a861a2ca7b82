import TradewindWire

/// Spreads application messages (transactions, consensus messages, blocks) to every
/// member: an eager push of the full payload to a few members, lazy digests
/// (IHAVE) to a few more, and pulls (IWANT) of whatever a member has heard of but
/// not received. A pure value, generic over payloads: the application supplies the
/// hooks that name and validate them.
///
/// A member relays only what it would accept itself. A pushed message it has not
/// seen comes back as a `validate` action; the owner checks it (perhaps later, once
/// a signature is verified on another core) and settles it with a verdict: an
/// accepted message is relayed, a rejected one (never valid) counts against the
/// sender, who is cut off past a threshold, and an ignored one (stale or early) is
/// dropped without blame and without entering the seen-cache, so it can come again.
/// What a disseminated message is about.
public enum GossipTopic: UInt8, Hashable, Sendable, CaseIterable {
    case transactions = 0
    case consensus = 1
    case blocks = 2
}

/// Dissemination's messages: a full payload, or ids announced or asked for.
public enum DisseminationMessage: Sendable {
    case push(GossipTopic, payload: [UInt8])
    case ihave(GossipTopic, ids: [Bytes32])
    case iwant(GossipTopic, ids: [Bytes32])
}

public struct Dissemination<ID: Hashable & Comparable & Sendable, Random: RandomNumberGenerator> {
    public typealias Topic = GossipTopic
    public typealias Message = DisseminationMessage

    public enum Verdict: Sendable {
        /// Valid: relay.
        case accept
        /// Stale or of no use here (a sequence already taken, a block already passed):
        /// dropped without blame and remembered, so it is not fetched again.
        case ignore
        /// Early (a sequence or height ahead of this member): dropped without blame and
        /// forgotten, so it can come again once it is due.
        case notYet
        /// Can never be valid (malformed, bad signature, wrong network): dropped,
        /// remembered, and counted against the senders.
        case reject
    }

    public struct Hooks: Sendable {
        /// The message id (for example a transaction id).
        public var id: @Sendable (Topic, [UInt8]) -> Bytes32

        public init(id: @escaping @Sendable (Topic, [UInt8]) -> Bytes32) {
            self.id = id
        }
    }

    public enum Action {
        case send(Message, to: ID)
        /// A message not seen before: check it, then `settle` it with a verdict.
        case validate(Topic, payload: [UInt8], id: Bytes32, from: ID)
        /// The member sent too many never-valid messages: stop talking to it.
        case disconnect(ID)
    }

    public struct Configuration: Sendable {
        /// Members a new message is pushed to in full by each member that accepts it.
        /// Two for transactions and evidence: with digests and pulls behind them that
        /// reaches everyone, and each member receives about two copies instead of three
        /// (docs/PERFORMANCE.md, "Compact blocks and two-member pushes").
        public var eagerFanout = 2
        /// Committed blocks (small: compact) are pushed to one more, being on the path
        /// of every commit.
        public var blockEagerFanout = 3
        public var lazyFanout = 4
        public var digestInterval: Duration = .milliseconds(100)
        /// Wait this long for a pulled message before asking another member.
        public var pullTimeout: Duration = .milliseconds(300)
        public var seenLifetime: Duration = .seconds(120)
        public var cacheLifetime: Duration = .seconds(30)
        public var maxCachedBytes = 32 << 20
        public var maxIDsPerDigest = 32
        /// Anti-entropy: every `historyInterval`, ids seen in the last `historyWindow`
        /// are announced to this member's two neighbours on the ring of member ids and
        /// to `historyFanout` random members, each time skipping members known to hold
        /// them. Whoever missed both the push and the first digests still hears of the
        /// message: a random choice alone misses a given member now and then (about one
        /// message in a million at 64 members and 10% loss), while the ring neighbours
        /// keep announcing until they learn the member has it.
        public var historyInterval: Duration = .milliseconds(500)
        public var historyWindow: Duration = .seconds(2)
        public var historyFanout = 1
        /// Never-valid messages a member may send before it is cut off.
        public var rejectThreshold = 5
        /// Pushed messages awaiting the owner's verdict at most (more are dropped unseen).
        public var maxPending = 4096
        /// Messages per second per member, with a burst.
        public var ratePerSecond = 2_000.0
        public var rateBurst = 4_000.0

        public init() {}
    }

    struct Seen {
        var at: MonotonicInstant
        /// Members known to have it (they pushed it or announced it).
        var holders: Set<ID>
    }

    /// A pushed message handed out for validation, not yet settled.
    struct Pending {
        var holders: Set<ID>
        var at: MonotonicInstant
    }

    struct Pull {
        var topic: Topic
        var askedAt: MonotonicInstant
        var asked: Set<ID>
        var announcers: [ID]
    }

    /// How often expired entries (seen ids, cached payloads, unsettled pushes) are dropped.
    static var pruneInterval: Duration { .seconds(1) }

    public let configuration: Configuration
    public let me: ID
    private let hooks: Hooks
    private var random: Random
    public private(set) var peers: [ID] = []
    private var seen: [Bytes32: Seen] = [:]
    private var cache: [Bytes32: (topic: Topic, payload: [UInt8], at: MonotonicInstant)] = [:]
    private var cachedBytes = 0
    private var pendingDigests: [ID: [Topic: [Bytes32]]] = [:]
    /// Ids accepted since the last digest round, with the members they were pushed to:
    /// each round announces them all to `lazyFanout` members chosen for that round, so
    /// a member sends a few digests a round however many messages it relays.
    private var lazyQueue: [(id: Bytes32, topic: Topic, pushedTo: [ID])] = []
    private var pulls: [Bytes32: Pull] = [:]
    /// No pull is due before this: `tick` looks at them only then (not every tick).
    private var nextPullDue: MonotonicInstant = .zero
    private var pending: [Bytes32: Pending] = [:]
    private var rejections: [ID: Int] = [:]
    public private(set) var disconnected = Set<ID>()
    private var buckets: [ID: (tokens: Double, at: MonotonicInstant)] = [:]
    private var nextDigestAt: MonotonicInstant = .zero
    private var nextHistoryAt: MonotonicInstant = .zero
    private var nextPruneAt: MonotonicInstant = .zero
    /// Recently accepted ids in order, for anti-entropy digests.
    private var recent: [(id: Bytes32, topic: Topic, at: MonotonicInstant)] = []

    /// Full payload copies received that were already seen (for the duplicate factor).
    public private(set) var duplicates = 0
    public private(set) var delivered = 0
    public private(set) var rejectedMessages = 0
    public private(set) var ignoredMessages = 0
    public private(set) var rateLimited = 0
    /// Ids sent in digests (for the cost of announcing).
    public private(set) var announcedIDs = 0

    public init(me: ID, hooks: Hooks, configuration: Configuration = .init(), random: Random) {
        self.me = me
        self.hooks = hooks
        self.configuration = configuration
        self.random = random
    }

    /// The members to gossip with (from membership), excluding cut-off ones.
    public mutating func setPeers(_ ids: [ID]) {
        peers = ids.filter { $0 != me && !disconnected.contains($0) }.sorted()
    }

    public func hasSeen(_ id: Bytes32) -> Bool { seen[id] != nil }

    /// Publishes a message that originates here (the owner checked it already).
    public mutating func publish(_ topic: Topic, payload: [UInt8], now: MonotonicInstant) -> [Action] {
        let id = hooks.id(topic, payload)
        guard seen[id] == nil else { return [] }
        var actions: [Action] = []
        pending[id] = nil
        accept(topic, payload: payload, id: id, from: nil, now: now, into: &actions)
        return actions
    }

    /// Spreads again a message this member published before, whether or not it was
    /// seen: for a message that others ignored as early and may take now, or that
    /// every copy of was lost. Pushed to a fresh fan-out of members not known to hold
    /// it, announced to them at the next digest rounds and by anti-entropy for its
    /// window, and cached again to answer their pulls.
    public mutating func republish(_ topic: Topic, payload: [UInt8], now: MonotonicInstant) -> [Action] {
        let id = hooks.id(topic, payload)
        guard let entry = seen[id] else { return publish(topic, payload: payload, now: now) }
        seen[id]?.at = now
        recent.append((id, topic, now))
        store(topic, payload: payload, id: id, now: now)
        let eager = Array(peers.filter { !entry.holders.contains($0) }.shuffled(using: &random).prefix(eagerFanout(topic)))
        lazyQueue.append((id, topic, eager))
        return eager.map { .send(.push(topic, payload: payload), to: $0) }
    }

    /// The owner's verdict on a message handed out by a `validate` action.
    public mutating func settle(_ topic: Topic, payload: [UInt8], id: Bytes32, verdict: Verdict, now: MonotonicInstant) -> [Action] {
        guard let entry = pending.removeValue(forKey: id), seen[id] == nil else { return [] }
        var actions: [Action] = []
        switch verdict {
        case .accept:
            pulls[id] = nil
            accept(topic, payload: payload, id: id, from: entry.holders.min(), holders: entry.holders, now: now,
                   into: &actions)
        case .ignore:
            ignoredMessages += 1
            pulls[id] = nil
            seen[id] = Seen(at: now, holders: entry.holders)
        case .notYet:
            ignoredMessages += 1
            pulls[id] = nil
        case .reject:
            rejectedMessages += 1
            pulls[id] = nil
            seen[id] = Seen(at: now, holders: entry.holders)
            for sender in entry.holders.sorted() {
                rejections[sender, default: 0] += 1
                if rejections[sender, default: 0] >= configuration.rejectThreshold, !disconnected.contains(sender) {
                    disconnected.insert(sender)
                    peers.removeAll { $0 == sender }
                    actions.append(.disconnect(sender))
                }
            }
        }
        return actions
    }

    public mutating func receive(_ message: Message, from sender: ID, now: MonotonicInstant) -> [Action] {
        guard !disconnected.contains(sender) else { return [] }
        guard allow(sender, now: now) else {
            rateLimited += 1
            return []
        }
        var actions: [Action] = []
        switch message {
        case let .push(topic, payload):
            let id = hooks.id(topic, payload)
            if seen[id] != nil {
                duplicates += 1
                seen[id]?.holders.insert(sender)
                return []
            }
            if pending[id] != nil {
                // Already being validated: one check per message, whoever else sends it.
                duplicates += 1
                pending[id]?.holders.insert(sender)
                return []
            }
            guard pending.count < configuration.maxPending else {
                ignoredMessages += 1
                return []
            }
            pending[id] = Pending(holders: [sender], at: now)
            actions.append(.validate(topic, payload: payload, id: id, from: sender))
        case let .ihave(topic, ids):
            var wanted: [Bytes32] = []
            for id in ids.prefix(configuration.maxIDsPerDigest) {
                if seen[id] != nil {
                    seen[id]?.holders.insert(sender)
                    continue
                }
                if pending[id] != nil { continue }
                if var pull = pulls[id] {
                    if !pull.announcers.contains(sender) { pull.announcers.append(sender) }
                    pulls[id] = pull
                } else {
                    pulls[id] = Pull(topic: topic, askedAt: now, asked: [sender], announcers: [sender])
                    nextPullDue = min(nextPullDue, now + configuration.pullTimeout)
                    wanted.append(id)
                }
            }
            if !wanted.isEmpty { actions.append(.send(.iwant(topic, ids: wanted), to: sender)) }
        case let .iwant(_, ids):
            for id in ids.prefix(configuration.maxIDsPerDigest) {
                if let entry = cache[id] {
                    actions.append(.send(.push(entry.topic, payload: entry.payload), to: sender))
                }
            }
        }
        return actions
    }

    /// Sends batched digests, retries pulls, forgets old entries.
    public mutating func tick(now: MonotonicInstant) -> [Action] {
        var actions: [Action] = []
        if now >= nextHistoryAt {
            nextHistoryAt = now + configuration.historyInterval
            let window = configuration.historyWindow
            recent.removeAll { now - $0.at > window }
            if !recent.isEmpty {
                let neighbours = ringNeighbours()
                let others = peers.filter { !neighbours.contains($0) }
                for peer in neighbours + others.shuffled(using: &random).prefix(configuration.historyFanout) {
                    for entry in recent where !(seen[entry.id]?.holders.contains(peer) ?? false) {
                        pendingDigests[peer, default: [:]][entry.topic, default: []].append(entry.id)
                    }
                }
            }
        }
        if now >= nextDigestAt {
            nextDigestAt = now + configuration.digestInterval
            if !lazyQueue.isEmpty {
                for peer in peers.shuffled(using: &random).prefix(configuration.lazyFanout) {
                    for entry in lazyQueue where !entry.pushedTo.contains(peer)
                        && !(seen[entry.id]?.holders.contains(peer) ?? false) {
                        pendingDigests[peer, default: [:]][entry.topic, default: []].append(entry.id)
                    }
                }
                lazyQueue = []
            }
            for (peer, topics) in pendingDigests.sorted(by: { $0.key < $1.key }) {
                for (topic, queued) in topics.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                    // An id queued twice (a lazy push, then anti-entropy) is announced once.
                    var unique = Set<Bytes32>()
                    let ids = queued.filter { unique.insert($0).inserted }
                    for start in stride(from: 0, to: ids.count, by: configuration.maxIDsPerDigest) {
                        let slice = Array(ids[start..<min(ids.count, start + configuration.maxIDsPerDigest)])
                        announcedIDs += slice.count
                        actions.append(.send(.ihave(topic, ids: slice), to: peer))
                    }
                }
            }
            pendingDigests = [:]
        }
        // In id order: the random choices below must not depend on the hash seed, so a
        // simulation replays from its seed alone.
        if now >= nextPullDue {
            let due = pulls.filter { now - $0.value.askedAt >= configuration.pullTimeout }
            for (id, pull) in due.sorted(by: { $0.key < $1.key }) {
                let candidates = pull.announcers.filter { !pull.asked.contains($0) && !disconnected.contains($0) }
                guard let next = candidates.first
                        ?? pull.announcers.filter({ !disconnected.contains($0) }).randomElement(using: &random) else {
                    pulls[id] = nil
                    continue
                }
                pulls[id]?.asked.insert(next)
                pulls[id]?.askedAt = now
                actions.append(.send(.iwant(pull.topic, ids: [id]), to: next))
            }
            let earliest = pulls.values.lazy.map { $0.askedAt }.min()
            nextPullDue = earliest.map { $0 + configuration.pullTimeout } ?? MonotonicInstant(nanoseconds: .max)
        }
        // Expiry walks every entry: once a second, not on every tick (the lifetimes are
        // tens of seconds, and at 200 messages a second `seen` holds tens of thousands).
        if now >= nextPruneAt {
            nextPruneAt = now + Self.pruneInterval
            seen = seen.filter { now - $0.value.at < configuration.seenLifetime }
            // A verdict that never came (the owner dropped the message): forget it, so it can come again.
            pending = pending.filter { now - $0.value.at < configuration.cacheLifetime }
            for (id, entry) in cache where now - entry.at >= configuration.cacheLifetime {
                cache[id] = nil
                cachedBytes -= entry.payload.count
            }
        }
        return actions
    }

    // MARK: Internals

    private func eagerFanout(_ topic: Topic) -> Int {
        topic == .blocks ? configuration.blockEagerFanout : configuration.eagerFanout
    }

    private mutating func accept(_ topic: Topic, payload: [UInt8], id: Bytes32, from sender: ID?, holders: Set<ID> = [],
                                 now: MonotonicInstant, into actions: inout [Action]) {
        seen[id] = Seen(at: now, holders: holders.union(sender.map { [$0] } ?? []))
        recent.append((id, topic, now))
        delivered += 1
        store(topic, payload: payload, id: id, now: now)
        // Relay: the full payload to a few now, the digest to a few more at the next round.
        let holders = seen[id]?.holders ?? []
        let eager = Array(peers.filter { !holders.contains($0) }.shuffled(using: &random).prefix(eagerFanout(topic)))
        for peer in eager { actions.append(.send(.push(topic, payload: payload), to: peer)) }
        lazyQueue.append((id, topic, eager))
    }

    /// Caches a payload to answer pulls (or renews it), within the byte budget.
    private mutating func store(_ topic: Topic, payload: [UInt8], id: Bytes32, now: MonotonicInstant) {
        if cache[id] != nil {
            cache[id]?.at = now
        } else if cachedBytes + payload.count <= configuration.maxCachedBytes {
            cache[id] = (topic, payload, now)
            cachedBytes += payload.count
        }
    }

    /// The members next above and below this one in id order (wrapping around): every
    /// member is someone's neighbour, so anti-entropy reaches every member for certain.
    private func ringNeighbours() -> [ID] {
        guard let first = peers.first, let last = peers.last else { return [] }
        let successor = peers.first { $0 > me } ?? first
        let predecessor = peers.last { $0 < me } ?? last
        return successor == predecessor ? [successor] : [successor, predecessor]
    }

    private mutating func allow(_ sender: ID, now: MonotonicInstant) -> Bool {
        var bucket = buckets[sender] ?? (configuration.rateBurst, now)
        bucket.tokens = min(configuration.rateBurst, bucket.tokens + Double((now - bucket.at).nanoseconds) / 1e9 * configuration.ratePerSecond)
        bucket.at = now
        guard bucket.tokens >= 1 else {
            buckets[sender] = bucket
            return false
        }
        bucket.tokens -= 1
        buckets[sender] = bucket
        return true
    }
}
