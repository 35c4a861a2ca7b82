import Foundation
import Testing
import TradewindPeerCore

/// Whole peers (`PeerCore`) in the simulator on a fast network (5 ms ± 5 ms, 100
/// transfers a second): transactions and blocks travel by gossip, and what each peer
/// uploads per block stays within a constant times the block, whatever the size of
/// the mesh, while all-to-all's proposer grows with it.
@Suite struct GossipMeshSimulationTests {
    /// A peer uploads at most this many times the block per block.
    static let uploadBound = 12.0

    /// Mesh sizes: 16 in `swift test`; TRADEWIND_MESH_SIM_PEERS="16,64" (the release
    /// simulations phase of Bootstrap/test) for more.
    static let sizes: [Int] = {
        let text = ProcessInfo.processInfo.environment["TRADEWIND_MESH_SIM_PEERS"] ?? "16"
        let sizes = text.split(separator: ",").compactMap { Int($0) }.filter { $0 >= 8 }
        return sizes.isEmpty ? [16] : sizes
    }()

    @Test(arguments: sizes)
    func uploadPerBlockStaysWithinAConstantTimesTheBlock(peers: Int) {
        let gossip = MeshRun.run(.init(peers: peers))
        let baseline = MeshRun.run(.init(peers: peers, allToAll: true))
        print(gossip.line + "; bytes per block per peer by kind: " + gossip.uploadByKindLine)
        print(baseline.line + "; bytes per block per peer by kind: " + baseline.uploadByKindLine)
        #expect(gossip.failures.isEmpty, "\(gossip.failures.prefix(3))")
        #expect(gossip.blocks >= 5)
        #expect(gossip.conflictingHeights == 0, "peers committed different blocks at \(gossip.conflictingHeights) heights")
        // The run stops at an arbitrary moment: the last heartbeat block may still be on its way.
        #expect(gossip.headSpread <= 2, "a live peer ended \(gossip.headSpread) blocks behind another")
        #expect(gossip.committedTransactions == gossip.submitted,
                "every peer committed every transfer: \(gossip.committedTransactions) of \(gossip.submitted)")
        #expect(gossip.worstUpload <= Self.uploadBound,
                "a peer uploaded \(gossip.worstUpload)× the block per block (bound \(Self.uploadBound))")
    }
}
