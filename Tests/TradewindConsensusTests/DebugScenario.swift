import Foundation
import Testing
@testable import TradewindConsensus
import TradewindSimulation

@Suite struct DebugScenario {
    @Test func debugSeed() {
        guard let seedText = ProcessInfo.processInfo.environment["TRADEWIND_DEBUG_SEED"], let seed = UInt64(seedText) else { return }
        let scenario = MeshScenario(seed: seed)
        print(scenario)
        let roster = Roster(authorities: scenario.count)
        var simulation = Simulation<ChainNode>(seed: seed, profile: .init(loss: scenario.loss, delay: 5_000_000, jitter: 20_000_000), tickInterval: 10_000_000)
        for id in 0..<scenario.count {
            var configuration = ConsensusEngine.Configuration()
            if id == scenario.equivocator { configuration.faults.equivocate = true }
            simulation.add(id, ChainNode(id: id, roster: roster, configuration: configuration))
        }
        var workload = Workload(roster: roster)
        for second in 0..<30 {
            for _ in 0..<4 {
                workload.step(&simulation, peers: Array(0..<scenario.count))
                simulation.run(for: SimulatedTime.second / 4)
            }
            let states = (0..<scenario.count).map { id -> String in
                let e = simulation.node(id)!.engine
                return "\(id): h\(e.height) r\(e.round) step \(e.core.map { "\($0.step)" } ?? "-") locked \(e.core?.lockedRound ?? -9) mem \(e.mempool.count) cand \(e.candidates.count) inv \(e.invalidMessages) \(e.candidates.values.map { $0.invalidReason ?? ($0.execution != nil ? "ok" : "missing \($0.missing.count)") })"
            }
            print("t=\(second + 1)s", states.joined(separator: " | "))
        }
    }
}
