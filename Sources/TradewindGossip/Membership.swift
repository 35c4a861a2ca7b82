import Foundation
import TradewindWire

/// SWIM membership with Lifeguard's extensions, as a pure value: fed messages and
/// clock ticks, it returns messages to send. Anchors: hashicorp/memberlist and
/// apple/swift-cluster-membership.
///
/// - Probes: one member per probe interval, round-robin over a shuffled list; a
///   direct ping, then after the probe timeout `indirectChecks` ping requests
///   through other members; no answer by the end of the interval → suspect.
/// - Suspicion: a suspected member that does not refute (by raising its
///   incarnation) is declared dead after a timeout that shrinks from
///   `max` towards `min` as independent suspicions confirm it (Lifeguard).
/// - Local health: failed probes and missing nacks raise a multiplier that
///   stretches this node's own probe interval and timeouts, so a slow node does
///   not accuse healthy ones (Lifeguard).
/// - Dissemination: updates piggyback on every message within a byte budget and
///   are also pushed to a few members each gossip interval; each is sent about
///   `retransmitMultiplier × log10(n + 1)` times.
/// - Dead members stay as tombstones for a while and are probed now and then, and
///   full states are exchanged periodically, so a healed partition merges by itself.
public struct Membership<ID: Hashable & Comparable & Sendable, Address: Hashable & Sendable, Random: RandomNumberGenerator> {
    public typealias Update = MemberUpdate<ID, Address>
    public typealias Message = MembershipMessage<ID, Address>
    public typealias Outgoing = (to: ID, message: Message)

    struct Probe {
        let target: ID
        let sequence: UInt64
        let sentAt: MonotonicInstant
        var indirectSent = false
        var expectedNacks = 0
        var nacks = 0
    }

    struct Forwarded {
        let requester: ID
        let requesterSequence: UInt64
        let deadline: MonotonicInstant
    }

    struct Broadcast {
        var update: Update
        var remaining: Int
    }

    public let configuration: MembershipConfiguration
    public private(set) var myself: Member<ID, Address>
    public private(set) var members: [ID: Member<ID, Address>] = [:]
    /// Peers to (re)join through: identity and address.
    public let seeds: [ID: Address]
    public private(set) var localHealth = 0
    /// How many times a member went to dead in this node's view (to catch false positives).
    public private(set) var deathsObserved = 0
    private var random: Random
    private var probeOrder: [ID] = []
    private var probeIndex = 0
    private var probe: Probe?
    private var forwarded: [UInt64: Forwarded] = [:]
    private var broadcasts: [ID: Broadcast] = [:]
    private var nextSequence: UInt64 = 1
    private var nextProbeAt: MonotonicInstant = .zero
    private var nextGossipAt: MonotonicInstant = .zero
    private var nextDeadProbeAt: MonotonicInstant = .zero
    private var nextPushPullAt: MonotonicInstant = .zero
    private var started = false
    /// Members just seen back from the dead: exchange full states with them at once,
    /// which is what merges a healed partition quickly.
    private var syncSoon: [ID] = []

    public init(id: ID, address: Address, role: MemberRole, seeds: [ID: Address] = [:],
                configuration: MembershipConfiguration = .init(), random: Random, incarnation: UInt64 = 0) {
        self.configuration = configuration
        myself = Member(id: id, address: address, role: role, height: 0, incarnation: incarnation, status: .alive, since: .zero)
        self.seeds = seeds.filter { $0.key != id }
        self.random = random
    }

    // MARK: Views

    public var id: ID { myself.id }

    /// Members believed alive or suspect (not dead), excluding this node.
    public var liveMembers: [Member<ID, Address>] { members.values.filter { $0.status != .dead } }

    public func status(of id: ID) -> MemberStatus? { id == myself.id ? .alive : members[id]?.status }

    /// The highest chain height any live member advertises.
    public var highestAdvertisedHeight: UInt64 { liveMembers.map { $0.height }.max() ?? myself.height }

    /// Advertises a new chain height (carried in this node's own updates).
    public mutating func setHeight(_ height: UInt64) {
        myself.height = max(myself.height, height)
    }

    // MARK: Inputs

    public mutating func tick(now: MonotonicInstant) -> [Outgoing] {
        var out: [Outgoing] = []
        if !started {
            started = true
            let spread = max(0, configuration.probeInterval.nanoseconds)
            nextProbeAt = now + .nanoseconds(Int64.random(in: 0...spread, using: &random))
            nextGossipAt = now + configuration.gossipInterval
            nextDeadProbeAt = now + configuration.deadProbeInterval
            nextPushPullAt = now + configuration.pushPullInterval
            join(now: now, into: &out)
        }
        let health = localHealth + 1
        if var current = probe, !current.indirectSent, now >= current.sentAt + configuration.probeTimeout.scaled(by: health) {
            sendIndirectProbes(&current, now: now, into: &out)
            probe = current
        }
        if now >= nextProbeAt {
            finishProbe(now: now)
            startProbe(now: now, into: &out)
            nextProbeAt = now + configuration.probeInterval.scaled(by: localHealth + 1)
        }
        // In sequence order, so a simulation replays the same whatever the hash seed.
        for (sequence, entry) in forwarded.sorted(by: { $0.key < $1.key }) where now >= entry.deadline {
            forwarded[sequence] = nil
            out.append((entry.requester, .nack(sequence: entry.requesterSequence, updates: piggyback())))
        }
        expireSuspicions(now: now)
        if now >= nextGossipAt {
            nextGossipAt = now + configuration.gossipInterval
            gossip(into: &out)
        }
        if now >= nextDeadProbeAt {
            nextDeadProbeAt = now + configuration.deadProbeInterval
            probeDeadOrSeed(into: &out)
        }
        for target in syncSoon.prefix(2) {
            out.append((target, .sync(members: fullState(), isReply: false)))
        }
        syncSoon = Array(syncSoon.dropFirst(2))
        if now >= nextPushPullAt {
            nextPushPullAt = now + configuration.pushPullInterval
            pushPull(into: &out)
        }
        reapTombstones(now: now)
        return out
    }

    public mutating func receive(_ message: Message, from sender: ID, now: MonotonicInstant) -> [Outgoing] {
        guard sender != myself.id else { return [] }
        var out: [Outgoing] = []
        for update in message.updates { merge(update, now: now) }
        switch message {
        case let .ping(sequence, _):
            var updates = [myself.update] + piggyback(budgetFor: 1)
            // Tell the pinger if we think it is suspect or dead, so it refutes at once.
            if let view = members[sender], view.status != .alive {
                updates.append(Update(id: view.id, incarnation: view.incarnation, status: view.status,
                                      address: view.address, role: view.role, height: view.height, reporter: myself.id))
            }
            out.append((sender, .ack(sequence: sequence, updates: updates)))
        case let .ack(sequence, _):
            if let current = probe, current.sequence == sequence {
                probe = nil
                localHealth = max(0, localHealth - 1)
            } else if let entry = forwarded.removeValue(forKey: sequence) {
                out.append((entry.requester, .ack(sequence: entry.requesterSequence, updates: piggyback())))
            }
        case let .pingRequest(sequence, target, _):
            let mine = takeSequence()
            forwarded[mine] = Forwarded(requester: sender, requesterSequence: sequence,
                                        deadline: now + configuration.probeTimeout * 4 / 5)
            out.append((target, .ping(sequence: mine, updates: [myself.update] + piggyback(budgetFor: 1))))
        case let .nack(sequence, _):
            if probe?.sequence == sequence { probe?.nacks += 1 }
        case .gossip:
            break
        case let .sync(_, isReply):
            if !isReply { out.append((sender, .sync(members: fullState(), isReply: true))) }
        }
        return out
    }

    // MARK: Probing

    private mutating func takeSequence() -> UInt64 {
        defer { nextSequence += 1 }
        return nextSequence
    }

    private mutating func startProbe(now: MonotonicInstant, into out: inout [Outgoing]) {
        guard let target = nextProbeTarget() else { return }
        let sequence = takeSequence()
        probe = Probe(target: target, sequence: sequence, sentAt: now)
        var updates = [myself.update] + piggyback(budgetFor: 1)
        // Lifeguard's buddy system: a suspect learns of the suspicion from the probe itself.
        if let member = members[target], member.status == .suspect {
            updates.append(Update(id: target, incarnation: member.incarnation, status: .suspect, address: member.address,
                                  role: member.role, height: member.height, reporter: myself.id))
        }
        out.append((target, .ping(sequence: sequence, updates: updates)))
    }

    private mutating func nextProbeTarget() -> ID? {
        for _ in 0..<2 {
            while probeIndex < probeOrder.count {
                let candidate = probeOrder[probeIndex]
                probeIndex += 1
                if let member = members[candidate], member.status != .dead { return candidate }
            }
            probeOrder = members.values.filter { $0.status != .dead }.map { $0.id }.sorted()
            probeOrder.shuffle(using: &random)
            probeIndex = 0
            if probeOrder.isEmpty { return nil }
        }
        return nil
    }

    private mutating func sendIndirectProbes(_ current: inout Probe, now: MonotonicInstant, into out: inout [Outgoing]) {
        current.indirectSent = true
        let helpers = liveMembers.filter { $0.id != current.target && $0.status == .alive }.map { $0.id }.sorted()
            .shuffled(using: &random).prefix(configuration.indirectChecks)
        current.expectedNacks = helpers.count
        for helper in helpers {
            out.append((helper, .pingRequest(sequence: current.sequence, target: current.target, updates: piggyback())))
        }
    }

    /// The probe interval ended: no ack means the target is suspected.
    private mutating func finishProbe(now: MonotonicInstant) {
        guard let current = probe else { return }
        probe = nil
        // Lifeguard: missing nacks mean our own messages are not getting through.
        if current.indirectSent && current.nacks < current.expectedNacks {
            localHealth = min(configuration.maxLocalHealth, localHealth + 1)
        }
        localHealth = min(configuration.maxLocalHealth, localHealth + 1)
        guard var member = members[current.target], member.status != .dead else { return }
        if member.status == .alive {
            member.status = .suspect
            member.since = now
            member.suspectedBy = [myself.id]
        } else {
            // Already suspected by others: our failed probe is an independent confirmation.
            guard member.suspectedBy.insert(myself.id).inserted else { return }
        }
        members[current.target] = member
        enqueue(Update(id: member.id, incarnation: member.incarnation, status: .suspect, address: member.address,
                       role: member.role, height: member.height, reporter: myself.id))
    }

    /// Lifeguard's dynamic suspicion timeout: from `max` down to `min` as
    /// independent confirmations arrive.
    func suspicionTimeout(confirmations: Int) -> Duration {
        let n = Double(members.count + 1)
        let minimum = configuration.suspicionMultiplier * max(1, log10(n)) * Double(configuration.probeInterval.nanoseconds)
        let maximum = configuration.suspicionMaxMultiplier * minimum
        let expected = max(1, configuration.suspicionMultiplier - 2)
        let fraction = log(Double(max(0, confirmations - 1)) + 1) / log(expected + 1)
        // Clamped before the conversion, which traps outside Int64 (a huge configured interval).
        return .nanoseconds(Int64(min(9.2e18, max(minimum, maximum - (maximum - minimum) * min(1, fraction)))))
    }

    private mutating func expireSuspicions(now: MonotonicInstant) {
        // In id order, so the order of the updates queued does not depend on the hash seed.
        for (id, member) in members.sorted(by: { $0.key < $1.key }) where member.status == .suspect {
            guard member.since.duration(to: now) >= suspicionTimeout(confirmations: member.suspectedBy.count) else { continue }
            var dead = member
            dead.status = .dead
            dead.since = now
            dead.suspectedBy = []
            members[id] = dead
            deathsObserved += 1
            enqueue(Update(id: id, incarnation: dead.incarnation, status: .dead, address: dead.address, role: dead.role,
                           height: dead.height, reporter: myself.id))
        }
    }

    // MARK: Joining, dead members, push-pull

    private mutating func join(now: MonotonicInstant, into out: inout [Outgoing]) {
        for (seed, _) in seeds.sorted(by: { $0.key < $1.key }) {
            out.append((seed, .sync(members: fullState(), isReply: false)))
        }
    }

    /// Probes one dead member, or a seed that is not a member, now and then.
    private mutating func probeDeadOrSeed(into out: inout [Outgoing]) {
        var candidates = members.values.filter { $0.status == .dead }.map { $0.id }.sorted()
        candidates += seeds.keys.filter { members[$0] == nil }.sorted()
        guard !candidates.isEmpty else { return }
        let target = candidates[Int.random(in: 0..<candidates.count, using: &random)]
        var updates = [myself.update]
        if let member = members[target] {
            // It will see that it is thought dead, and refute.
            updates.append(member.update)
        }
        out.append((target, .ping(sequence: takeSequence(), updates: updates)))
        if members[target] == nil || members[target]?.status == .dead {
            out.append((target, .sync(members: fullState(), isReply: false)))
        }
    }

    private mutating func pushPull(into out: inout [Outgoing]) {
        let alive = members.values.filter { $0.status != .dead }.map { $0.id }.sorted()
        guard !alive.isEmpty else { return }
        let target = alive[Int.random(in: 0..<alive.count, using: &random)]
        out.append((target, .sync(members: fullState(), isReply: false)))
    }

    /// This node's view. A suspicion names who suspects it (this node if it does),
    /// so the receiver counts a real confirmation rather than none or the suspect.
    private func fullState() -> [Update] {
        let others = members.values.sorted { $0.id < $1.id }.prefix(configuration.maxSyncMembers - 1).map { member in
            var update = member.update
            if member.status == .suspect {
                update.reporter = member.suspectedBy.contains(myself.id) ? myself.id : member.suspectedBy.min()
            }
            return update
        }
        return [myself.update] + others
    }

    private mutating func reapTombstones(now: MonotonicInstant) {
        for (id, member) in members where member.status == .dead && member.since.duration(to: now) >= configuration.tombstoneLifetime {
            members[id] = nil
            broadcasts[id] = nil
        }
    }

    // MARK: Dissemination

    private var retransmitLimit: Int {
        Int((configuration.retransmitMultiplier * ceil(log10(Double(members.count + 2)))).rounded(.up))
    }

    private mutating func enqueue(_ update: Update) {
        broadcasts[update.id] = Broadcast(update: update, remaining: retransmitLimit)
    }

    /// Updates that fit the piggyback budget, least-sent first; each use counts.
    mutating func piggyback(budgetFor reserved: Int = 0) -> [Update] {
        let capacity = max(0, configuration.piggybackBytes / configuration.updateBytes - reserved)
        guard capacity > 0, !broadcasts.isEmpty else { return [] }
        let chosen = broadcasts.values.sorted {
            ($0.remaining, $0.update.id) > ($1.remaining, $1.update.id)
        }.prefix(capacity)
        var result: [Update] = []
        for entry in chosen {
            result.append(entry.update)
            if entry.remaining <= 1 {
                broadcasts[entry.update.id] = nil
            } else {
                broadcasts[entry.update.id]?.remaining -= 1
            }
        }
        return result
    }

    private mutating func gossip(into out: inout [Outgoing]) {
        guard !broadcasts.isEmpty else { return }
        let targets = members.values.filter { $0.status != .dead }.map { $0.id }.sorted()
            .shuffled(using: &random).prefix(configuration.gossipFanout)
        for target in targets {
            let updates = piggyback()
            if updates.isEmpty { break }
            out.append((target, .gossip(updates: updates)))
        }
    }

    // MARK: Merging

    mutating func merge(_ update: Update, now: MonotonicInstant) {
        if update.id == myself.id {
            // Someone thinks we are suspect or dead: refute with a higher incarnation.
            if update.status != .alive && update.incarnation >= myself.incarnation {
                myself.incarnation = update.incarnation + 1
                localHealth = min(configuration.maxLocalHealth, localHealth + 1)
                enqueue(myself.update)
            }
            return
        }
        guard var member = members[update.id] else {
            if update.status == .alive {
                members[update.id] = Member(id: update.id, address: update.address, role: update.role, height: update.height,
                                            incarnation: update.incarnation, status: .alive, since: now)
                enqueue(update)
            }
            return
        }
        switch update.status {
        case .alive:
            if update.incarnation > member.incarnation {
                member.incarnation = update.incarnation
                member.address = update.address
                member.role = update.role
                member.height = max(member.height, update.height)
                let changed = member.status != .alive
                if member.status == .dead && !syncSoon.contains(update.id) { syncSoon.append(update.id) }
                member.status = .alive
                member.suspectedBy = []
                if changed { member.since = now }
                members[update.id] = member
                enqueue(update)
            } else if update.incarnation == member.incarnation && member.status == .alive && update.height > member.height {
                members[update.id]?.height = update.height
            }
        case .suspect:
            guard update.incarnation >= member.incarnation, member.status != .dead else { return }
            if member.status == .alive || update.incarnation > member.incarnation {
                member.status = .suspect
                member.incarnation = update.incarnation
                member.since = now
                // No reporter named: no confirmation, so the longest timeout applies.
                member.suspectedBy = update.reporter.map { [$0] } ?? []
                members[update.id] = member
                enqueue(update)
            } else if let reporter = update.reporter, !member.suspectedBy.contains(reporter) {
                members[update.id]?.suspectedBy.insert(reporter)
                enqueue(update)
            }
        case .dead:
            guard update.incarnation >= member.incarnation, member.status != .dead else { return }
            member.status = .dead
            member.incarnation = update.incarnation
            member.since = now
            member.suspectedBy = []
            members[update.id] = member
            deathsObserved += 1
            enqueue(update)
        }
    }
}
