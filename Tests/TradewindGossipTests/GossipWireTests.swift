import Testing
import TradewindGossip
import TradewindSimulation
import TradewindWire

@Suite struct GossipWireTests {
    func sampleEnvelopes() -> [GossipEnvelope] {
        let a = Address(publicKey: Bytes32([UInt8](repeating: 1, count: 32))!)
        let b = Address(publicKey: Bytes32([UInt8](repeating: 2, count: 32))!)
        let endpoint = PeerEndpoint(ip: [127, 0, 0, 1], port: 7000)!
        let update = GossipEnvelope.Update(id: a, incarnation: 3, status: .suspect, address: endpoint, role: .authority,
                                           height: 99, reporter: b)
        let root = Bytes32([UInt8](repeating: 9, count: 32))!
        return [
            .membership(.ping(sequence: 1, updates: [update])),
            .membership(.ack(sequence: 2, updates: [])),
            .membership(.pingRequest(sequence: 3, target: b, updates: [update, update])),
            .membership(.nack(sequence: 4, updates: [])),
            .membership(.gossip(updates: [update])),
            .membership(.sync(members: [update], isReply: true)),
            .dissemination(.push(.consensus, payload: [1, 2, 3])),
            .dissemination(.ihave(.blocks, ids: [root])),
            .dissemination(.iwant(.transactions, ids: [root, root])),
            .parts(.announce(root: root, count: 3, size: 2000, tag: 5)),
            .parts(.request(root: root, indexes: [0, 2])),
            .parts(.part(root: root, count: 3, index: 1, bytes: [7, 7, 7], proof: [root])),
            .direct([6, 7]),
        ]
    }

    @Test func everyMessageRoundTripsAndMutationsNeverTrap() throws {
        var random = SeededRandom(seed: 11)
        for envelope in sampleEnvelopes() {
            let bytes = envelope.wireEncoded
            let decoded = try GossipEnvelope(wireEncoded: bytes)
            #expect(decoded.wireEncoded == bytes)
            for _ in 0..<500 {
                var mutated = bytes
                mutated[Int.random(in: 0..<mutated.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
                if Bool.random(using: &random) { mutated = Array(mutated.prefix(Int.random(in: 0...mutated.count, using: &random))) }
                if let again = try? GossipEnvelope(wireEncoded: mutated) {
                    #expect(again.wireEncoded == mutated, "non-canonical decoding accepted")
                }
            }
        }
    }
}
