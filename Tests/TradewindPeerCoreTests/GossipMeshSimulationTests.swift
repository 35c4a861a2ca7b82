import Foundation
import Testing
import TradewindConsensus
import TradewindCrypto
import TradewindLedger
import TradewindPeerCore
import TradewindSimulation
import TradewindWire

/// Whole peers (`PeerCore`) in the simulator: transactions and blocks travel by
/// gossip, and what each peer uploads per block stays within a constant times the
/// block, whatever the size of the mesh.
@Suite struct GossipMeshSimulationTests {
    struct Outcome {
        var peers: Int
        var blocks: Int
        var meanBlockBytes: Double
        /// The largest upload of any peer per committed block, over the mean block size.
        var maxUploadPerBlock: Double
        var meanUploadPerBlock: Double
        var committedTransactions: Int
        var submitted: Int
        var distinctHeads: Int
        var lowestHeight: UInt64
        var failures: [String]
        var byKind: [String: Int]
    }

    /// 4 authorities and `peers - 4` participants joining through two seeds; every
    /// 50 ms `perStep` participants each submit a transfer to their own peer, for
    /// `seconds` (100 transfers a second by default: blocks of about 20).
    static func run(peers: Int, seconds: UInt64, seed: UInt64, perStep: Int = 5, allToAll: Bool = false) -> Outcome {
        let roster = MeshRoster(authorities: 4, participants: peers - 4)
        var configuration = MeshNode.Core.Configuration()
        configuration.allToAllBaseline = allToAll
        var simulation = Simulation<MeshNode>(
            seed: seed, profile: .init(loss: 0, delay: .milliseconds(5), jitter: .milliseconds(5)),
            tickInterval: .milliseconds(50))
        for index in 0..<peers {
            // The baseline's peers know everyone from the start, as configured meshes did.
            let seeds = allToAll ? Array(0..<peers) : [0, 1]
            simulation.add(roster.addresses[index], MeshNode(index: index, roster: roster, seeds: seeds, seed: seed,
                                                            configuration: configuration))
        }
        // Let membership converge before load starts.
        simulation.run(for: .seconds(5))
        let startUploads = Dictionary(uniqueKeysWithValues: simulation.liveNodes.map { ($0, simulation.node($0)!.uploaded) })
        let startHeight = simulation.node(roster.addresses[0])!.core.engine.head.height
        var sequences = [UInt64](repeating: 0, count: roster.participantKeys.count)
        var submitted = 0
        let end = simulation.now + .seconds(seconds)
        var turn = 0
        while simulation.now < end {
            for _ in 0..<perStep {
                let participant = turn % roster.participantKeys.count
                turn += 1
                let key = roster.participantKeys[participant]
                let receiver = roster.participantKeys[(participant + 1) % roster.participantKeys.count].publicKey.address
                let transaction = Transaction(sender: key.publicKey.address, sequence: sequences[participant],
                                              lastValidHeight: 1_000_000,
                                              body: .transfer(to: receiver, asset: MeshRoster.usd, amount: 100, memo: []))
                    .signed(by: key, network: roster.ledger.networkID)
                let at = roster.addresses[4 + participant]
                let now = simulation.now
                if let (submission, out) = simulation.with(at, { $0.submit(transaction, now: now) }) {
                    if case .accepted = submission {
                        sequences[participant] += 1
                        submitted += 1
                    }
                    simulation.send(out, from: at)
                }
            }
            simulation.run(for: .milliseconds(50))
        }
        // Quiet time: the last blocks reach everyone.
        simulation.run(for: .seconds(5))
        let nodes = simulation.liveNodes.compactMap { simulation.node($0) }
        let reference = nodes[0]
        let blocks = reference.commits.filter { $0.height > startHeight }
        let meanBlock = Double(blocks.map(\.size).reduce(0, +)) / Double(max(1, blocks.count))
        let uploads = nodes.map { Double($0.uploaded - (startUploads[$0.core.identity] ?? 0)) / Double(max(1, blocks.count)) }
        var byKind: [String: Int] = [:]
        for node in nodes { for (kind, bytes) in node.uploadedByKind { byKind[kind, default: 0] += bytes } }
        let heads = Set(nodes.map { $0.core.engine.head.blockID })
        return Outcome(
            peers: peers, blocks: blocks.count, meanBlockBytes: meanBlock,
            maxUploadPerBlock: (uploads.max() ?? 0) / max(1, meanBlock),
            meanUploadPerBlock: uploads.reduce(0, +) / Double(max(1, uploads.count)) / max(1, meanBlock),
            committedTransactions: nodes.map { Int($0.core.counters.committedTransactions) }.min() ?? 0, submitted: submitted,
            distinctHeads: heads.count, lowestHeight: nodes.map { $0.core.engine.head.height }.min() ?? 0,
            failures: nodes.flatMap(\.failures), byKind: byKind)
    }

    static func describe(_ outcome: Outcome, _ label: String) -> String {
        let kinds = outcome.byKind.sorted { $0.value > $1.value }.prefix(6)
            .map { "\($0.key) \(Int(Double($0.value) / Double(max(1, outcome.blocks)) / Double(outcome.peers)))" }
            .joined(separator: ", ")
        return "\(label) \(outcome.peers) peers: \(outcome.blocks) blocks of \(Int(outcome.meanBlockBytes)) B on average; "
            + "upload per block per peer: max \(String(format: "%.1f", outcome.maxUploadPerBlock))× the block, "
            + "mean \(String(format: "%.1f", outcome.meanUploadPerBlock))×; bytes per block per peer by kind: \(kinds)"
    }

    /// The bound: a peer uploads at most this many times the block per block.
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
        let gossip = Self.run(peers: peers, seconds: 8, seed: 7)
        let baseline = Self.run(peers: peers, seconds: 8, seed: 7, allToAll: true)
        print(Self.describe(gossip, "gossip"))
        print(Self.describe(baseline, "all-to-all baseline"))
        #expect(gossip.failures.isEmpty, "\(gossip.failures.prefix(3))")
        #expect(gossip.blocks >= 5)
        #expect(gossip.distinctHeads == 1, "peers ended on \(gossip.distinctHeads) different heads")
        #expect(gossip.committedTransactions == gossip.submitted,
                "every peer committed every transfer: \(gossip.committedTransactions) of \(gossip.submitted)")
        #expect(gossip.maxUploadPerBlock <= Self.uploadBound,
                "a peer uploaded \(gossip.maxUploadPerBlock)× the block per block (bound \(Self.uploadBound))")
    }
}
