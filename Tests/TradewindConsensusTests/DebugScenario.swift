import Foundation
import Testing
import TradewindConsensus
import TradewindSimulation

/// Prints a scenario's peers second by second: TRADEWIND_DEBUG_SEED=N swift test --filter debugSeed
@Suite struct DebugScenario {
    @Test func debugSeed() {
        guard let seedText = ProcessInfo.processInfo.environment["TRADEWIND_DEBUG_SEED"], let seed = UInt64(seedText) else { return }
        let scenario = MeshScenario(seed: seed)
        print(scenario)
        _ = scenario.run { simulation in
            guard simulation.now % SimulatedTime.second == 0 || simulation.now > scenario.recoveredAt else { return }
            let states = simulation.nodes.keys.sorted().map { "\($0): \(simulation.node($0)!.engine.diagnostics)" }
            print(String(format: "t=%.2fs ", Double(simulation.now) / 1e9) + states.joined(separator: " | "))
        }
    }
}
