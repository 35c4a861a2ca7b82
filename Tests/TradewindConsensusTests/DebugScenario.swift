import Foundation
import Testing
import TradewindConsensus
import TradewindSimulation
import TradewindWire

/// Replays one agreement mesh and prints its peers every 250 simulated ms — for
/// looking into a failing seed: TRADEWIND_DEBUG_SEED=N swift test --filter debugSeed
@Suite struct DebugScenario {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["TRADEWIND_DEBUG_SEED"] != nil))
    func debugSeed() throws {
        let seed = try #require(UInt64(ProcessInfo.processInfo.environment["TRADEWIND_DEBUG_SEED"] ?? ""))
        let scenario = MeshScenario(seed: seed)
        print(scenario)
        let outcome = scenario.run { simulation in
            let states = simulation.nodes.keys.sorted().map { "\($0): \(simulation.node($0)!.engine.diagnostics)" }
            print(String(format: "t=%.2fs ", Double(simulation.now.sinceStart.nanoseconds) / 1e9) + states.joined(separator: " | "))
        }
        #expect(outcome.violations.isEmpty, "\(outcome.violations)")
    }
}
