import Foundation
import Testing
import TradewindConsensus
import TradewindSimulation

@Suite struct MeshScenarioTests {
    /// Seeds of randomized runs with the full engine: n = 4–7, loss up to 30%,
    /// partitions that heal, crash and restart from durable state, equivocation.
    /// TRADEWIND_CONSENSUS_SEEDS raises the count (Bootstrap/test: 1,000 in release).
    @Test func randomizedMeshesAgreeStayValidAndRecover() {
        let seeds = UInt64(ProcessInfo.processInfo.environment["TRADEWIND_CONSENSUS_SEEDS"] ?? "") ?? 8
        var worstRecovery = 0.0
        var evidenceRuns = 0, evidenceCommitted = 0
        for seed in 1...seeds {
            let scenario = MeshScenario(seed: seed)
            let outcome = scenario.run()
            #expect(outcome.violations.isEmpty, "\(scenario): \(outcome.violations.prefix(5))")
            worstRecovery = max(worstRecovery, outcome.recovery.max() ?? 0)
            if scenario.equivocator != nil {
                evidenceRuns += 1
                if outcome.evidenceCommitted { evidenceCommitted += 1 }
                #expect(outcome.evidenceCommitted, "\(scenario): no evidence against the equivocator was committed")
            }
        }
        print("consensus meshes: \(seeds) seeds, worst recovery \(worstRecovery) s, evidence committed in \(evidenceCommitted)/\(evidenceRuns) equivocation runs")
    }
}
