import Foundation
import Testing
import TradewindGossip
import TradewindSimulation
import TradewindWire

typealias SimMembership = Membership<Int, Int, SeededRandom>

struct MemberNode: SimulatedNode {
    var membership: SimMembership

    mutating func receive(_ message: SimMembership.Message, from sender: Int, now: MonotonicInstant) -> [(to: Int, message: SimMembership.Message)] {
        membership.receive(message, from: sender, now: now)
    }

    mutating func tick(now: MonotonicInstant) -> [(to: Int, message: SimMembership.Message)] {
        membership.tick(now: now)
    }
}

/// A mesh of `count` members joining through three seeds, at `loss`.
func makeMesh(count: Int, seed: UInt64, loss: Double) -> Simulation<MemberNode> {
    var simulation = Simulation<MemberNode>(
        seed: seed, profile: .init(loss: loss, delay: .milliseconds(2), jitter: .milliseconds(8)))
    let seeds = Dictionary(uniqueKeysWithValues: (0..<3).map { ($0, $0) })
    for id in 0..<count {
        let membership = SimMembership(id: id, address: id, role: id < 4 ? .authority : .participant, seeds: seeds,
                                       random: SeededRandom(seed: seed &* 1000 &+ UInt64(id)))
        simulation.add(id, MemberNode(membership: membership))
    }
    return simulation
}

/// Runs until `condition` holds (checked every 100 ms) or `limit` passes; returns the time taken.
func runUntil(_ simulation: inout Simulation<MemberNode>, limit: Duration, _ condition: (Simulation<MemberNode>) -> Bool) -> Duration? {
    let start = simulation.now
    while simulation.now - start <= limit {
        if condition(simulation) { return simulation.now - start }
        simulation.run(for: .milliseconds(100))
    }
    return nil
}

func fullView(_ simulation: Simulation<MemberNode>, expected: Set<Int>) -> Bool {
    simulation.liveNodes.allSatisfy { id in
        let membership = simulation.node(id)!.membership
        let alive = Set(membership.members.values.filter { $0.status == .alive }.map(\.id)).union([id])
        return alive == expected
    }
}

func percentile(_ values: [Double], _ fraction: Double) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return .nan }
    return sorted[min(sorted.count - 1, Int((Double(sorted.count) * fraction).rounded(.up)) - 1)]
}

/// Seeds: `TRADEWIND_SIM_SEEDS` (default 4 in `swift test`; Bootstrap/test's release
/// phase runs 100).
let simulationSeeds: [UInt64] = Array(1...UInt64(ProcessInfo.processInfo.environment["TRADEWIND_SIM_SEEDS"].flatMap(Int.init) ?? 4))

@Suite struct MembershipSimulationTests {
    @Test func crashedMemberDeclaredDeadEverywhereWithinTenSeconds() {
        var detection: [Double] = []
        for seed in simulationSeeds {
            var simulation = makeMesh(count: 64, seed: seed, loss: 0.10)
            let everyone = Set(0..<64)
            let converged = runUntil(&simulation, limit: .seconds(30)) { fullView($0, expected: everyone) }
            #expect(converged != nil, "seed \(seed): never converged")
            // Steady state: let the suspicions and refutations of joining settle first.
            simulation.run(for: .seconds(20))
            let victim = 10 + Int(seed % 50)
            simulation.crash(victim)
            let time = runUntil(&simulation, limit: .seconds(30)) { simulation in
                simulation.liveNodes.allSatisfy { simulation.node($0)!.membership.status(of: victim) == .dead }
            }
            #expect(time != nil, "seed \(seed): crashed member \(victim) not declared dead by everyone")
            detection.append(Double(time?.nanoseconds ?? .max) / 1e9)
        }
        let p50 = percentile(detection, 0.5)
        let p99 = percentile(detection, 0.99)
        print("membership: crash detected by all 63 live members: p50 \(p50) s, p99 \(p99) s over \(detection.count) seeds")
        #expect(p99 <= 10, "p99 detection \(p99) s exceeds 10 s")
    }

    @Test func noLiveMemberDeclaredDeadInTenMinutesAtTenPercentLoss() {
        let seed = simulationSeeds.last! + 1000
        var simulation = makeMesh(count: 64, seed: seed, loss: 0.10)
        // Sampled every second after joining settles: views (of 64 × 63) not "alive".
        simulation.run(for: .seconds(30))
        var open: [Int] = []
        for _ in 0..<570 {
            simulation.run(for: .seconds(1))
            open.append(simulation.liveNodes.map { id in
                simulation.node(id)!.membership.members.values.filter { $0.status != .alive }.count
            }.reduce(0, +))
        }
        let deaths = simulation.liveNodes.map { simulation.node($0)!.membership.deathsObserved }.reduce(0, +)
        let mean = Double(open.reduce(0, +)) / Double(open.count)
        print("membership: 10 simulated minutes, 64 members, 10% loss: \(deaths) deaths observed, suspicions open mean \(mean), max \(open.max() ?? 0) of 4032 views (seed \(seed))")
        #expect(deaths == 0, "seed \(seed): \(deaths) false dead declarations")
        #expect(mean < 40, "seed \(seed): on average \(mean) views hold a live member suspect")
    }

    @Test func healedPartitionMergesWithinFiveSeconds() {
        var merge: [Double] = []
        for seed in simulationSeeds {
            var simulation = makeMesh(count: 64, seed: seed + 500, loss: 0.10)
            let everyone = Set(0..<64)
            _ = runUntil(&simulation, limit: .seconds(30)) { fullView($0, expected: everyone) }
            simulation.partition([Array(0..<32), Array(32..<64)])
            simulation.run(for: .seconds(30))
            // Each side has declared the other dead.
            let split = simulation.node(0)!.membership.status(of: 40)
            #expect(split == .dead, "seed \(seed): the partition was not noticed (\(String(describing: split)))")
            simulation.heal()
            let time = runUntil(&simulation, limit: .seconds(60)) { fullView($0, expected: everyone) }
            #expect(time != nil, "seed \(seed): views did not merge")
            merge.append(Double(time?.nanoseconds ?? .max) / 1e9)
        }
        let p99 = percentile(merge, 0.99)
        print("membership: full view after a 30 s partition heals: p50 \(percentile(merge, 0.5)) s, p99 \(p99) s over \(merge.count) seeds")
        #expect(p99 <= 5, "p99 merge time \(p99) s exceeds 5 s")
    }
}

@Suite struct MembershipRestartTests {
    /// A member that crashes and restarts (fresh state, same identity) is taken for
    /// dead, then seen alive again by everyone once it is back.
    @Test func restartedMemberRejoins() {
        var simulation = makeMesh(count: 16, seed: 21, loss: 0.05)
        let everyone = Set(0..<16)
        _ = runUntil(&simulation, limit: .seconds(30)) { fullView($0, expected: everyone) }
        simulation.crash(9)
        let dead = runUntil(&simulation, limit: .seconds(30)) { simulation in
            simulation.liveNodes.allSatisfy { simulation.node($0)!.membership.status(of: 9) == .dead }
        }
        #expect(dead != nil)
        let seeds = Dictionary(uniqueKeysWithValues: (0..<3).map { ($0, $0) })
        simulation.restart(9, as: MemberNode(membership: SimMembership(
            id: 9, address: 9, role: .participant, seeds: seeds, random: SeededRandom(seed: 99))))
        let back = runUntil(&simulation, limit: .seconds(30)) { fullView($0, expected: everyone) }
        #expect(back != nil, "the restarted member was not seen alive by everyone")
        print("membership: a restarted member is alive again everywhere after \(Double(back?.nanoseconds ?? 0) / 1e9) s")
    }
}
