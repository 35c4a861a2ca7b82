import TradewindWire

/// A protocol core that the simulator can run: it reacts to messages and to ticks
/// of a virtual clock, and returns what to send. The same cores run over real UDP.
public protocol SimulatedNode {
    associatedtype ID: Hashable & Comparable & Sendable
    associatedtype Message

    mutating func receive(_ message: Message, from sender: ID, now: MonotonicInstant) -> [(to: ID, message: Message)]
    mutating func tick(now: MonotonicInstant) -> [(to: ID, message: Message)]
}

/// SplitMix64: the simulator's only source of randomness, seeded.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }

    /// A generator for one stream of one node: the parts (seed, node, stream, restart…)
    /// are mixed through SplitMix64 one after another, so two different tuples share a
    /// stream no more often than two random 64-bit seeds (a sum like `id * 7919 +
    /// generation` collides for nearby values).
    public init(mixing parts: UInt64...) {
        var mixed: UInt64 = 0
        for part in parts {
            var mixer = SeededRandom(seed: mixed ^ part)
            mixed = mixer.next()
        }
        state = mixed
    }
    public mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

/// Deterministic simulation of many nodes: a virtual clock, and a network with
/// per-link loss, delay and jitter (which reorders), duplication, partitions that
/// form and heal, and nodes that crash and restart. Everything random comes from
/// one seeded generator, so a failing seed replays exactly.
public struct Simulation<Node: SimulatedNode> {
    public typealias ID = Node.ID

    public struct LinkProfile: Sendable {
        public var loss: Double
        /// One-way delay of every message, plus up to `jitter` more (which reorders).
        public var delay: Duration
        public var jitter: Duration
        public var duplication: Double

        public init(loss: Double = 0, delay: Duration = .milliseconds(1), jitter: Duration = .milliseconds(1), duplication: Double = 0) {
            self.loss = loss
            self.delay = delay
            self.jitter = jitter
            self.duplication = duplication
        }
    }

    enum Event {
        case deliver(Node.Message, from: ID, to: ID)
        case tick(ID, generation: UInt64)
    }

    public let seed: UInt64
    public private(set) var now: MonotonicInstant = .zero
    public var random: SeededRandom
    public private(set) var nodes: [ID: Node] = [:]
    public var profile: LinkProfile
    /// Profiles for particular links (from, to), overriding `profile`.
    public var linkProfiles: [[ID]: LinkProfile] = [:]
    /// A fixed one-way latency per link (from, to), used instead of the profile's
    /// `delay`: a wide-area mesh, where each pair of peers has its own distance. Only
    /// the jitter is drawn per message.
    public var linkLatency: ((ID, ID) -> Duration)?
    public let tickInterval: Duration
    private var queue = EventQueue<Event>()
    private var crashed = Set<ID>()
    /// Nodes' generations: a restart starts a new one; ticks of old ones are ignored.
    private var generations: [ID: UInt64] = [:]
    private var group: [ID: Int] = [:]
    public private(set) var messagesSent: UInt64 = 0
    public private(set) var messagesDelivered: UInt64 = 0
    /// Called for every message delivered, before the node sees it.
    public var onDeliver: ((ID, ID, Node.Message, MonotonicInstant) -> Void)?

    public init(seed: UInt64, profile: LinkProfile = .init(), tickInterval: Duration = .milliseconds(100)) {
        self.seed = seed
        random = SeededRandom(seed: seed)
        self.profile = profile
        self.tickInterval = max(.nanoseconds(1), tickInterval)
    }

    /// Adds a node; its first tick comes at a random offset within one interval.
    public mutating func add(_ id: ID, _ node: Node) {
        nodes[id] = node
        crashed.remove(id)
        let generation = (generations[id] ?? 0) + 1
        generations[id] = generation
        queue.push(.tick(id, generation: generation), at: now + .nanoseconds(Int64.random(in: 1...tickInterval.nanoseconds, using: &random)))
    }

    public func node(_ id: ID) -> Node? { nodes[id] }
    public var liveNodes: [ID] { nodes.keys.filter { !crashed.contains($0) }.sorted() }
    public func isCrashed(_ id: ID) -> Bool { crashed.contains(id) }

    /// Gives direct access to a node's state (for inspection or to inject inputs).
    public mutating func with<R>(_ id: ID, _ body: (inout Node) -> R) -> R? {
        guard let slot = nodes.index(forKey: id) else { return nil }
        return body(&nodes.values[slot])
    }

    /// Stops a node: it receives nothing and its timers stop, until `restart`.
    public mutating func crash(_ id: ID) {
        crashed.insert(id)
        generations[id, default: 0] += 1
    }

    /// Replaces a crashed node with a new instance (for example rebuilt from its
    /// durable state) and starts its timers again.
    public mutating func restart(_ id: ID, as node: Node) {
        add(id, node)
    }

    /// Splits the network: nodes in different groups cannot reach each other.
    /// Nodes not listed stay reachable from everyone.
    public mutating func partition(_ groups: [[ID]]) {
        group = [:]
        for (index, members) in groups.enumerated() {
            for member in members { group[member] = index }
        }
    }

    public mutating func heal() { group = [:] }

    public func reachable(_ from: ID, _ to: ID) -> Bool {
        guard let a = group[from], let b = group[to] else { return true }
        return a == b
    }

    /// Sends messages as if `from` had emitted them now.
    public mutating func send(_ outgoing: [(to: ID, message: Node.Message)], from: ID) {
        for (to, message) in outgoing {
            messagesSent += 1
            let link = linkProfiles[[from, to]] ?? profile
            guard reachable(from, to), Double.random(in: 0..<1, using: &random) >= link.loss else { continue }
            let copies = Double.random(in: 0..<1, using: &random) < link.duplication ? 2 : 1
            for _ in 0..<copies {
                let jitter = link.jitter.nanoseconds
                let delay = (linkLatency?(from, to) ?? link.delay) + .nanoseconds(jitter > 0 ? Int64.random(in: 0...jitter, using: &random) : 0)
                queue.push(.deliver(message, from: from, to: to), at: now + delay)
            }
        }
    }

    /// Runs events until the clock reaches `time`.
    public mutating func run(until time: MonotonicInstant) {
        while let next = queue.nextTime, next <= time {
            guard let (eventTime, event) = queue.pop() else { break }
            now = eventTime
            switch event {
            case let .deliver(message, from, to):
                // Through `nodes.values[slot]`, mutated in place: `nodes[to]!` copies the
                // whole node out and back (a retain of each of its parts, every event).
                guard !crashed.contains(to), reachable(from, to), let slot = nodes.index(forKey: to) else { continue }
                messagesDelivered += 1
                onDeliver?(from, to, message, now)
                let outgoing = nodes.values[slot].receive(message, from: from, now: now)
                send(outgoing, from: to)
            case let .tick(id, generation):
                guard generations[id] == generation, !crashed.contains(id), let slot = nodes.index(forKey: id) else { continue }
                let outgoing = nodes.values[slot].tick(now: now)
                send(outgoing, from: id)
                queue.push(.tick(id, generation: generation), at: now + tickInterval)
            }
        }
        now = max(now, time)
    }

    /// Runs for `duration` more of virtual time.
    public mutating func run(for duration: Duration) { run(until: now + duration) }
}
