import Foundation
import Testing
import TradewindGossip
import TradewindSimulation
import TradewindWire

@Suite struct PartTransferTests {
    @Test func merkleProofsVerifyAndCatchTampering() {
        for count in 1...40 {
            let leaves = (0..<count).map { [UInt8](repeating: UInt8($0), count: 10 + $0) }
            let tree = MerkleTree(leaves: leaves)
            for index in 0..<count {
                let proof = tree.proof(for: index)
                #expect(MerkleTree.verify(leaf: leaves[index], index: index, count: count, proof: proof, root: tree.root))
                #expect(!MerkleTree.verify(leaf: leaves[index] + [0], index: index, count: count, proof: proof, root: tree.root))
                if count > 1 {
                    #expect(!MerkleTree.verify(leaf: leaves[index], index: (index + 1) % count, count: count, proof: proof, root: tree.root))
                }
                #expect(!MerkleTree.verify(leaf: leaves[index], index: index, count: count + 1, proof: proof, root: tree.root))
            }
        }
    }

    /// A block-sized object (2,000 transactions of 150 bytes) reaches every member
    /// intact across 30% loss.
    @Test func largeObjectCrossesThirtyPercentLoss() {
        let seed = simulationSeeds.first!
        var simulation = gossipMesh(count: 32, seed: seed + 77, loss: 0)
        simulation.run(for: .seconds(10))
        simulation.profile.loss = 0.30
        var generator = SeededRandom(seed: seed)
        let object = (0..<(2000 * 150)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let origin = 3
        let now = simulation.now
        var root = Bytes32.zero
        let outgoing = simulation.with(origin) { node -> [(to: Int, message: GossipNode.Message)] in
            let offered = node.parts.offer(object, tag: 7, now: now)
            root = offered.root
            return node.handle(offered.actions, now: now)
        } ?? []
        simulation.send(outgoing, from: origin)
        var elapsed: Duration = .zero
        while elapsed < .seconds(120) {
            simulation.run(for: .milliseconds(500))
            elapsed += .milliseconds(500)
            if simulation.liveNodes.allSatisfy({ $0 == origin || simulation.node($0)!.objects[root] != nil }) { break }
        }
        var intact = 0
        var latest: Duration = .zero
        for id in simulation.liveNodes where id != origin {
            guard let received = simulation.node(id)!.objects[root] else { continue }
            if received.object == object { intact += 1 }
            latest = max(latest, received.at - now)
        }
        print("parts: \(object.count)-byte object (\(object.count / 800 + 1) parts) to 31 members at 30% loss: all intact after \(Double(latest.nanoseconds) / 1e9) s")
        #expect(intact == 31, "only \(intact) of 31 members hold the object intact")
    }
}
