import TradewindWire

/// What a member does in the network.
public enum MemberRole: UInt8, Hashable, Sendable, CustomStringConvertible {
    case participant = 0
    case authority = 1

    public var description: String { self == .authority ? "authority" : "participant" }
}

public enum MemberStatus: UInt8, Hashable, Sendable, CustomStringConvertible {
    case alive = 0
    case suspect = 1
    case dead = 2

    public var description: String { ["alive", "suspect", "dead"][Int(rawValue)] }
}

/// A membership fact that spreads by gossip: "member X, at incarnation i, is
/// alive / suspected (by R) / dead". Alive facts also carry what a member
/// advertises: its address, role and chain height.
public struct MemberUpdate<ID: Hashable & Comparable & Sendable, Address: Hashable & Sendable>: Hashable, Sendable {
    public var id: ID
    public var incarnation: UInt64
    public var status: MemberStatus
    public var address: Address
    public var role: MemberRole
    public var height: UInt64
    /// For suspicions: who suspects (each distinct reporter is a confirmation).
    public var reporter: ID?

    public init(id: ID, incarnation: UInt64, status: MemberStatus, address: Address, role: MemberRole,
                height: UInt64, reporter: ID? = nil) {
        self.id = id
        self.incarnation = incarnation
        self.status = status
        self.address = address
        self.role = role
        self.height = height
        self.reporter = reporter
    }
}

/// One member as seen from one node.
public struct Member<ID: Hashable & Comparable & Sendable, Address: Hashable & Sendable>: Hashable, Sendable {
    public var id: ID
    public var address: Address
    public var role: MemberRole
    public var height: UInt64
    public var incarnation: UInt64
    public var status: MemberStatus
    /// Local time of the last status change.
    public var since: MonotonicInstant
    /// Distinct members that suspect it (while suspect).
    public var suspectedBy: Set<ID> = []

    public var update: MemberUpdate<ID, Address> {
        MemberUpdate(id: id, incarnation: incarnation, status: status, address: address, role: role, height: height)
    }
}

/// The messages of the membership protocol. Every one carries piggybacked updates.
public enum MembershipMessage<ID: Hashable & Comparable & Sendable, Address: Hashable & Sendable>: Sendable {
    public typealias Update = MemberUpdate<ID, Address>

    case ping(sequence: UInt64, updates: [Update])
    case ack(sequence: UInt64, updates: [Update])
    /// "Please probe `target` for me" (SWIM's indirect probe).
    case pingRequest(sequence: UInt64, target: ID, updates: [Update])
    /// Lifeguard: the intermediate did not hear from the target in time.
    case nack(sequence: UInt64, updates: [Update])
    /// Updates pushed to a few members between probes.
    case gossip(updates: [Update])
    /// Full state exchange (push-pull): on join and periodically, so views converge
    /// and healed partitions merge.
    case sync(members: [Update], isReply: Bool)

    public var updates: [Update] {
        switch self {
        case let .ping(_, updates), let .ack(_, updates), let .pingRequest(_, _, updates), let .nack(_, updates),
             let .gossip(updates):
            return updates
        case let .sync(members, _):
            return members
        }
    }
}

/// Timers and limits; the defaults follow memberlist's LAN profile, with shorter
/// intervals to suit a payment mesh (see docs/PERFORMANCE.md for the comparison).
public struct MembershipConfiguration: Sendable {
    public var probeInterval: Duration = .milliseconds(500)
    public var probeTimeout: Duration = .milliseconds(200)
    public var indirectChecks = 3
    public var suspicionMultiplier = 4.0
    public var suspicionMaxMultiplier = 6.0
    public var retransmitMultiplier = 4.0
    public var gossipInterval: Duration = .milliseconds(200)
    public var gossipFanout = 3
    public var maxLocalHealth = 8
    /// Bytes of piggybacked updates per message, and the size assumed per update.
    public var piggybackBytes = 900
    public var updateBytes = 80
    /// How long a dead member is remembered (and probed now and then) before it is forgotten.
    public var tombstoneLifetime: Duration = .seconds(120)
    /// How often one dead member (or seed) is probed, so healed partitions merge.
    public var deadProbeInterval: Duration = .milliseconds(500)
    public var pushPullInterval: Duration = .seconds(2)
    /// Members sent per sync message at most.
    public var maxSyncMembers = 256

    public init() {}
}
