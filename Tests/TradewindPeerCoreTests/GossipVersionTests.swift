import Testing
import TradewindGossip
import TradewindPeerCore
import TradewindWire

/// A peer of another release speaks another gossip version: its messages are refused
/// whole (nothing in them acted on) and the shell is told once per member, so the log
/// says what is wrong instead of the peer looking merely unreachable.
@Suite struct GossipVersionTests {
    @Test func aMessageOfAnotherVersionIsRefusedAndReportedOncePerMember() throws {
        let roster = MeshRoster(authorities: 4, participants: 2)
        var node = MeshNode(index: 4, roster: roster, seeds: [0], seed: 1)
        let old = roster.addresses[5]
        let membersBefore = node.core.members.count
        // A join from a peer of release 0.3.0 (gossip version 1), then a second message.
        var join = GossipEnvelope.membership(.sync(members: [.init(
            id: old, incarnation: 0, status: .alive, address: roster.endpoint(5), role: .participant, height: 0,
            reporter: nil)], isReply: false)).wireEncoded
        join[0] = 1
        var outputs: [MeshNode.Core.Output] = []
        for _ in 0..<2 {
            outputs += try node.core.receive(join, from: old, now: MeshNode.time(.zero + .seconds(1)), storage: &node.storage)
        }
        let refusals = outputs.compactMap { output -> (Address, UInt8)? in
            if case let .refusedVersion(member, version) = output { return (member, version) }
            return nil
        }
        #expect(refusals.count == 1)
        #expect(refusals.first?.0 == old && refusals.first?.1 == 1)
        #expect(outputs.count == 1, "nothing else is done with the message")
        #expect(node.core.counters.otherVersion == 2 && node.core.counters.undecodable == 0)
        #expect(node.core.members.count == membersBefore, "the sender did not join")
        #expect(GossipEnvelope.releases(speaking: 1).contains("0.3.0"))
        // The same message in this release's version is taken.
        join[0] = GossipEnvelope.version
        _ = try node.core.receive(join, from: old, now: MeshNode.time(.zero + .seconds(2)), storage: &node.storage)
        #expect(node.core.members.contains { $0.id == old })
    }
}
