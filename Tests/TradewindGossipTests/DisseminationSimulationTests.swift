import Foundation
import Testing
import TradewindGossip
import TradewindSimulation
import TradewindWire

typealias SimDissemination = Dissemination<Int, SeededRandom>
typealias SimParts = PartTransfer<Int, SeededRandom>

/// The gossip module's test harness: membership feeding dissemination and part
/// transfer their peers, over synthetic payloads whose validity a marker byte decides
/// (`verdict`). It measures the algorithms' own properties (delivery to every live
/// member under loss and crashes, the duplicate factor, ring anti-entropy, cutting off
/// a relay of never-valid messages), which a whole peer cannot isolate: every payload
/// there must be a signed transaction or a certified block. How the peer composes these
/// cores is tested only through `PeerCore` (MeshNode, ChainNode), never re-composed.
struct GossipNode: SimulatedNode {
    enum Message {
        case membership(SimMembership.Message)
        case dissemination(SimDissemination.Message)
        case parts(SimParts.Message)
    }

    var membership: SimMembership
    var dissemination: SimDissemination
    var parts: SimParts
    var received: [Bytes32: MonotonicInstant] = [:]
    var objects: [Bytes32: (object: [UInt8], at: MonotonicInstant)] = [:]
    var disconnects: [Int] = []

    static let hooks = SimDissemination.Hooks(id: { _, payload in Bytes32(payload.prefix(32)) ?? .zero })

    /// The test's validity rule: byte 32 marks never-valid (0xff) and stale (0xee) messages.
    static func verdict(_ payload: [UInt8]) -> SimDissemination.Verdict {
        guard payload.count >= 33 else { return .reject }
        switch payload[32] {
        case 0xff: return .reject
        case 0xee: return .ignore
        default: return .accept
        }
    }

    init(id: Int, seeds: [Int: Int], seed: UInt64, configuration: SimDissemination.Configuration = .init()) {
        membership = SimMembership(id: id, address: id, role: .participant, seeds: seeds,
                                   random: SeededRandom(seed: seed &* 7919 &+ UInt64(id)))
        dissemination = SimDissemination(me: id, hooks: Self.hooks, configuration: configuration,
                                         random: SeededRandom(seed: seed &* 104_729 &+ UInt64(id)))
        parts = SimParts(random: SeededRandom(seed: seed &* 15_485_863 &+ UInt64(id)))
    }

    mutating func handle(_ actions: [SimParts.Action], now: MonotonicInstant) -> [(to: Int, message: Message)] {
        var out: [(to: Int, message: Message)] = []
        for action in actions {
            switch action {
            case let .send(message, to): out.append((to, .parts(message)))
            case let .complete(root, _, object, _):
                objects[root] = (object, now)
                out += handle(parts.relay(root, now: now), now: now)
            }
        }
        return out
    }

    mutating func handle(_ actions: [SimDissemination.Action], now: MonotonicInstant) -> [(to: Int, message: Message)] {
        var out: [(to: Int, message: Message)] = []
        for action in actions {
            switch action {
            case let .send(message, to): out.append((to, .dissemination(message)))
            case let .validate(topic, payload, id, _):
                let verdict = Self.verdict(payload)
                if case .accept = verdict { received[id] = received[id] ?? now }
                out += handle(dissemination.settle(topic, payload: payload, id: id, verdict: verdict, now: now), now: now)
            case let .disconnect(peer): disconnects.append(peer)
            }
        }
        return out
    }

    mutating func publish(_ payload: [UInt8], now: MonotonicInstant) -> [(to: Int, message: Message)] {
        received[Self.hooks.id(.transactions, payload)] = now
        return handle(dissemination.publish(.transactions, payload: payload, now: now), now: now)
    }

    mutating func receive(_ message: Message, from sender: Int, now: MonotonicInstant) -> [(to: Int, message: Message)] {
        switch message {
        case let .membership(inner):
            return membership.receive(inner, from: sender, now: now).map { ($0.to, .membership($0.message)) }
        case let .dissemination(inner):
            return handle(dissemination.receive(inner, from: sender, now: now), now: now)
        case let .parts(inner):
            return handle(parts.receive(inner, from: sender, now: now), now: now)
        }
    }

    mutating func tick(now: MonotonicInstant) -> [(to: Int, message: Message)] {
        var out = membership.tick(now: now).map { ($0.to, Message.membership($0.message)) }
        let alive = membership.members.values.filter { $0.status == .alive }.map(\.id)
        dissemination.setPeers(alive)
        parts.setPeers(alive)
        out += handle(dissemination.tick(now: now), now: now)
        out += handle(parts.tick(now: now), now: now)
        return out
    }
}

func gossipMesh(count: Int, seed: UInt64, loss: Double,
                configuration: SimDissemination.Configuration = .init()) -> Simulation<GossipNode> {
    var simulation = Simulation<GossipNode>(
        seed: seed, profile: .init(loss: loss, delay: .milliseconds(2), jitter: .milliseconds(8)),
        tickInterval: .milliseconds(50))
    let seeds = Dictionary(uniqueKeysWithValues: (0..<3).map { ($0, $0) })
    for id in 0..<count { simulation.add(id, GossipNode(id: id, seeds: seeds, seed: seed, configuration: configuration)) }
    return simulation
}

func payload(_ number: Int, seed: UInt64, marker: UInt8 = 0x01, size: Int = 200) -> [UInt8] {
    var bytes = [UInt8](repeating: marker, count: size)
    var writer = WireWriter()
    writer.writeUInt64(seed)
    writer.writeUInt64(UInt64(number))
    for (index, byte) in writer.bytes.enumerated() { bytes[index] = byte }
    for index in 16..<32 { bytes[index] = UInt8(truncatingIfNeeded: number &* 31 &+ index) }
    bytes[32] = marker
    return bytes
}

@Suite struct DisseminationSimulationTests {
    /// 64 members, 10% loss, one in ten crashed: 1,000 messages from random origins
    /// reach every live member; delivery time and duplicate factor are reported.
    @Test func thousandMessagesReachEveryLiveMember() {
        var latencies: [Double] = []
        var factors: [Double] = []
        var announced: [Double] = []
        // Each seed is 1,000 messages; `TRADEWIND_DISSEMINATION_SEEDS` (default 1) sets how many.
        let seeds = Int(ProcessInfo.processInfo.environment["TRADEWIND_DISSEMINATION_SEEDS"] ?? "") ?? 1
        for seed in UInt64(1)...UInt64(max(1, seeds)) {
            var simulation = gossipMesh(count: 64, seed: seed, loss: 0.10)
            simulation.run(for: .seconds(10))
            var generator = SeededRandom(seed: seed)
            let crashed = Array((0..<64).shuffled(using: &generator).prefix(6))
            for id in crashed { simulation.crash(id) }
            simulation.run(for: .seconds(10))
            let live = simulation.liveNodes
            var published: [(id: Bytes32, at: MonotonicInstant)] = []
            for number in 0..<1000 {
                let origin = live[Int.random(in: 0..<live.count, using: &generator)]
                let bytes = payload(number, seed: seed)
                let now = simulation.now
                let outgoing = simulation.with(origin) { $0.publish(bytes, now: now) } ?? []
                simulation.send(outgoing, from: origin)
                published.append((Bytes32(bytes.prefix(32))!, now))
                simulation.run(for: .milliseconds(20))
            }
            simulation.run(for: .seconds(15))
            var missing = 0
            for (id, at) in published {
                var latest: Duration = .zero
                for node in live {
                    guard let time = simulation.node(node)!.received[id] else { missing += 1; continue }
                    latest = max(latest, time - at)
                }
                latencies.append(Double(latest.nanoseconds) / 1e6)
            }
            #expect(missing == 0, "seed \(seed): \(missing) (message, member) deliveries missing")
            let copies = live.map { simulation.node($0)!.dissemination }.map { $0.delivered + $0.duplicates }.reduce(0, +)
            factors.append(Double(copies) / Double(published.count * live.count))
            let ids = live.map { simulation.node($0)!.dissemination.announcedIDs }.reduce(0, +)
            announced.append(Double(ids) / Double(published.count * live.count))
        }
        let p50 = percentile(latencies, 0.5)
        let p99 = percentile(latencies, 0.99)
        let factor = factors.reduce(0, +) / Double(factors.count)
        let perMessage = announced.reduce(0, +) / Double(announced.count)
        print(String(format: "dissemination: 1000 messages, 64 members, 10%% loss, 6 crashed: delivery to all live p50 %.0f ms, p99 %.0f ms; duplicate factor %.2f; ids announced per message and member %.1f", p50, p99, factor, perMessage))
        #expect(factor <= 3.0, "duplicate factor \(factor) above 3")
    }

    /// Anti-entropy does not rest on luck: with every random fan-out at zero (no push,
    /// no lazy digest, no random history target), a message still reaches all members,
    /// each hearing of it from a neighbour on the ring of member ids.
    @Test func ringNeighboursAloneCarryAMessageToEveryMember() {
        var configuration = SimDissemination.Configuration()
        configuration.eagerFanout = 0
        configuration.blockEagerFanout = 0
        configuration.lazyFanout = 0
        configuration.historyFanout = 0
        var simulation = gossipMesh(count: 24, seed: 5, loss: 0.10, configuration: configuration)
        simulation.run(for: .seconds(10))
        let bytes = payload(1, seed: 5)
        let now = simulation.now
        let outgoing = simulation.with(7) { $0.publish(bytes, now: now) } ?? []
        simulation.send(outgoing, from: 7)
        simulation.run(for: .seconds(30))
        let id = Bytes32(bytes.prefix(32))!
        let without = simulation.liveNodes.filter { simulation.node($0)!.received[id] == nil }
        #expect(without.isEmpty, "members \(without) never received the message")
    }

    /// A member relaying never-valid messages is cut off, and the messages go no
    /// further than its neighbours; one relaying stale messages is not cut off.
    @Test func neverValidRelaysAreCutOffStaleOnesAreNot() {
        var simulation = gossipMesh(count: 16, seed: 42, loss: 0)
        simulation.run(for: .seconds(10))
        let liar = 5
        let neighbours = [1, 2, 3]
        for number in 0..<10 {
            for neighbour in neighbours {
                simulation.send([(neighbour, .dissemination(.push(.transactions, payload: payload(number, seed: 9, marker: 0xff))))], from: liar)
                simulation.send([(neighbour, .dissemination(.push(.transactions, payload: payload(number + 100, seed: 9, marker: 0xee))))], from: 7)
            }
            simulation.run(for: .milliseconds(100))
        }
        simulation.run(for: .seconds(5))
        for neighbour in neighbours {
            let node = simulation.node(neighbour)!
            #expect(node.dissemination.disconnected.contains(liar), "\(neighbour) did not cut off the liar")
            #expect(!node.dissemination.disconnected.contains(7), "\(neighbour) cut off a member relaying stale messages")
            #expect(node.dissemination.ignoredMessages == 10)
        }
        // Nobody delivered or relayed any of them.
        for id in simulation.liveNodes {
            #expect(simulation.node(id)!.received.isEmpty, "member \(id) accepted an invalid or stale message")
            let rejected = simulation.node(id)!.dissemination.rejectedMessages
            #expect(neighbours.contains(id) ? rejected == 5 : rejected == 0, "member \(id) saw \(rejected) rejected messages")
        }
        // After being cut off, the liar's messages are not even examined.
        let before = simulation.node(1)!.dissemination.rejectedMessages
        simulation.send([(1, .dissemination(.push(.transactions, payload: payload(999, seed: 9, marker: 0xff))))], from: liar)
        simulation.run(for: .milliseconds(100))
        #expect(simulation.node(1)!.dissemination.rejectedMessages == before)
    }
}

@Suite struct DisseminationDigestTests {
    /// A message queued for a member's digest by the lazy push and again by anti-entropy
    /// in the same interval is announced once.
    @Test func anIdIsAnnouncedOncePerDigest() {
        var configuration = SimDissemination.Configuration()
        configuration.eagerFanout = 0
        configuration.blockEagerFanout = 0
        configuration.historyFanout = 0
        var dissemination = SimDissemination(me: 0, hooks: GossipNode.hooks, configuration: configuration,
                                             random: SeededRandom(seed: 3))
        dissemination.setPeers([1, 2])
        let start = MonotonicInstant.zero + .seconds(10)
        // The first tick arms the timers; the publish queues lazy digests to both members.
        _ = dissemination.tick(now: start)
        _ = dissemination.publish(.transactions, payload: payload(1, seed: 3), now: start)
        // Past both the history and the digest interval: anti-entropy queues the id again.
        let actions = dissemination.tick(now: start + .seconds(1))
        var announced: [Int: [Bytes32]] = [:]
        for case let .send(.ihave(_, ids), to) in actions { announced[to, default: []] += ids }
        #expect(announced.keys.sorted() == [1, 2], "both members hear of it: \(announced)")
        for (member, ids) in announced { #expect(ids.count == Set(ids).count, "member \(member) got \(ids)") }
    }
}
