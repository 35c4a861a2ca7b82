import Foundation
import Testing
import TradewindPeerCore

/// Whole peers (`PeerCore`) in the simulator over a wide area: links of 20–150 ms one
/// way, 200 transfers a second submitted at random participants, transactions and
/// blocks by gossip; the all-to-all routing of before is printed beside each run.
///
/// `swift test` runs 16 peers for 10 simulated seconds. `TRADEWIND_MESH_SCALE` lists
/// other runs as `PEERS/LOSS%/CRASHING%` (`Bootstrap/long scale`: 64 and 256 peers at
/// 1% loss, then 1,000 at 1% and 10% loss and with a tenth of the participants
/// crashing and restarting); `TRADEWIND_MESH_SCALE_SECONDS` sets the simulated seconds
/// of load (default 10) and `TRADEWIND_MESH_SCALE_BASELINE=0` skips the all-to-all runs.
/// The bound on upload holds on a fast network (`GossipMeshSimulationTests`); over a
/// wide area it is measured, not yet held, beyond 16 peers (docs/PERFORMANCE.md).
@Suite struct MeshScaleSimulationTests {
    struct Run: CustomTestStringConvertible, Sendable {
        var peers: Int
        var loss: Double
        var crashing: Double
        var testDescription: String { "\(peers) peers, \(Int(loss * 100))% loss, \(Int(crashing * 100))% crashing" }
    }

    static let environment = ProcessInfo.processInfo.environment
    static let runs: [Run] = {
        let text = environment["TRADEWIND_MESH_SCALE"] ?? "16/0/0"
        let runs = text.split(separator: ",").compactMap { item -> Run? in
            let fields = item.split(separator: "/").map { Double($0) }
            guard fields.count == 3, let peers = fields[0], let loss = fields[1], let crashing = fields[2], peers >= 8 else { return nil }
            return Run(peers: Int(peers), loss: loss / 100, crashing: crashing / 100)
        }
        return runs.isEmpty ? [Run(peers: 16, loss: 0, crashing: 0)] : runs
    }()
    static let seconds = environment["TRADEWIND_MESH_SCALE_SECONDS"].flatMap(Int.init) ?? 10
    static let baseline = environment["TRADEWIND_MESH_SCALE_BASELINE"] != "0"

    /// A peer uploads at most this many times the block per block, whatever the mesh's size
    /// (all-to-all: N − 1 times for the proposer).
    static let uploadBound = 12.0

    @Test(arguments: runs)
    func blocksAndTransactionsReachEveryPeer(run: Run) {
        var options = MeshRun.Options(peers: run.peers, seconds: Self.seconds, seed: 11, rate: 200, loss: run.loss,
                                      wideArea: true, randomParticipants: true, crashing: run.crashing)
        let gossip = MeshRun.run(options)
        print("mesh scale: " + gossip.line)
        print("mesh scale: bytes per block per peer by kind: " + gossip.uploadByKindLine)
        // Beside meshes of up to 256 peers (at 1,000 every message would go out 999 times).
        if Self.baseline && run.crashing == 0 && run.peers <= 256 {
            options.allToAll = true
            print("mesh scale: " + MeshRun.run(options).line)
        }
        #expect(gossip.failures.isEmpty, "\(gossip.failures.prefix(3))")
        #expect(gossip.blocks >= Self.seconds, "\(gossip.blocks) blocks in \(Self.seconds) s of load")
        #expect(gossip.transactionsMissing == 0 && gossip.blocksMissing == 0,
                "\(gossip.transactionsMissing) transactions and \(gossip.blocksMissing) blocks never reached every live peer")
        #expect(gossip.conflictingHeights == 0, "peers committed different blocks at \(gossip.conflictingHeights) heights")
        // The run stops at an arbitrary moment: the last heartbeat block may still be on its way.
        #expect(gossip.headSpread <= 2, "a live peer ended \(gossip.headSpread) blocks behind another")
        if run.crashing == 0 {
            #expect(gossip.committedTransactions == gossip.submitted,
                    "every peer committed every transfer: \(gossip.committedTransactions) of \(gossip.submitted)")
        }
        if run.peers <= 16 {
            #expect(gossip.worstUpload <= Self.uploadBound,
                    "a peer uploaded \(gossip.worstUpload)× the block per block (bound \(Self.uploadBound))")
        }
    }
}
