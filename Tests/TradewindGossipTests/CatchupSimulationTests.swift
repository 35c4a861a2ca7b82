import Testing
import TradewindGossip
import TradewindSimulation
import TradewindWire

typealias SimCatchup = Catchup<Int, SeededRandom>

/// A member with a chain of items that it serves, and catches up on when behind.
struct SyncNode: SimulatedNode {
    enum Message {
        case membership(SimMembership.Message)
        case parts(SimParts.Message)
        case catchup(SimCatchup.Message)
    }

    var membership: SimMembership
    var parts: SimParts
    var catchup: SimCatchup
    var items: [UInt64: [UInt8]]

    init(id: Int, items: [UInt64: [UInt8]], seed: UInt64) {
        self.items = items
        membership = SimMembership(id: id, address: id, role: .participant, seeds: [0: 0],
                                   random: SeededRandom(seed: seed &* 31 &+ UInt64(id)))
        membership.setHeight(UInt64(items.count))
        parts = SimParts(random: SeededRandom(seed: seed &* 37 &+ UInt64(id)))
        catchup = SimCatchup(localHeight: UInt64(items.count), random: SeededRandom(seed: seed &* 41 &+ UInt64(id)))
    }

    mutating func handle(_ actions: [SimParts.Action], now: UInt64) -> [(to: Int, message: Message)] {
        var out: [(to: Int, message: Message)] = []
        for action in actions {
            switch action {
            case let .send(message, to): out.append((to, .parts(message)))
            case let .complete(_, tag, object): out += handle(catchup.received(height: tag, item: object))
            }
        }
        return out
    }

    mutating func handle(_ actions: [SimCatchup.Action]) -> [(to: Int, message: Message)] {
        var out: [(to: Int, message: Message)] = []
        for action in actions {
            switch action {
            case let .send(message, to): out.append((to, .catchup(message)))
            case let .apply(height, item):
                items[height] = item
                membership.setHeight(height)
            }
        }
        return out
    }

    mutating func receive(_ message: Message, from sender: Int, now: UInt64) -> [(to: Int, message: Message)] {
        switch message {
        case let .membership(inner):
            return membership.receive(inner, from: sender, now: now).map { ($0.to, .membership($0.message)) }
        case let .parts(inner):
            return handle(parts.receive(inner, from: sender, now: now), now: now)
        case let .catchup(.request(from, through)):
            var out: [(to: Int, message: Message)] = []
            for height in from...through {
                guard let item = items[height] else { break }
                out += handle(parts.offer(item, tag: height, now: now, to: [sender]).actions, now: now)
            }
            return out
        }
    }

    mutating func tick(now: UInt64) -> [(to: Int, message: Message)] {
        var out = membership.tick(now: now).map { ($0.to, Message.membership($0.message)) }
        let alive = membership.members.values.filter { $0.status == .alive }
        parts.setPeers(alive.map(\.id))
        catchup.setAdvertisedHeights(Dictionary(uniqueKeysWithValues: alive.map { ($0.id, $0.height) }))
        out += handle(parts.tick(now: now), now: now)
        out += handle(catchup.tick(now: now))
        return out
    }
}

@Suite struct CatchupSimulationTests {
    /// A member that joins 200 items behind pulls them by range from several
    /// members at once, across 10% loss, and applies them in order.
    @Test func lateMemberCatchesUpFromSeveralMembers() {
        let chain = Dictionary(uniqueKeysWithValues: (1...200).map { height in
            (UInt64(height), (0..<2048).map { UInt8(truncatingIfNeeded: $0 &* height &+ height) })
        })
        var simulation = Simulation<SyncNode>(
            seed: 5, profile: .init(loss: 0.10, delay: 2 * SimulatedTime.millisecond, jitter: 5 * SimulatedTime.millisecond),
            tickInterval: 50 * SimulatedTime.millisecond)
        for id in 0..<7 { simulation.add(id, SyncNode(id: id, items: chain, seed: 5)) }
        simulation.run(for: 5 * SimulatedTime.second)
        simulation.add(7, SyncNode(id: 7, items: [:], seed: 5))
        var elapsed: UInt64 = 0
        while elapsed < 120 * SimulatedTime.second && simulation.node(7)!.items.count < 200 {
            simulation.run(for: 500 * SimulatedTime.millisecond)
            elapsed += 500 * SimulatedTime.millisecond
        }
        let node = simulation.node(7)!
        print("catch-up: 200 items of 2 KB pulled from \(node.catchup.askedMembers.count) members in \(Double(elapsed) / 1e9) s at 10% loss")
        #expect(node.items == chain)
        #expect(node.catchup.localHeight == 200)
        #expect(node.catchup.askedMembers.count >= 3, "asked only \(node.catchup.askedMembers)")
    }
}
