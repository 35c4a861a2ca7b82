import Testing
import TradewindGossip
import TradewindSimulation
import TradewindWire

/// How suspicions travel in full-state syncs: each names a member that really
/// suspects, so Lifeguard's confirmations count suspecters, never the suspect.
@Suite struct MembershipSuspicionTests {
    typealias Update = MemberUpdate<Int, Int>

    func alive(_ id: Int, incarnation: UInt64 = 0) -> Update {
        Update(id: id, incarnation: incarnation, status: .alive, address: id, role: .participant, height: 0)
    }

    func suspect(_ id: Int, by reporter: Int?) -> Update {
        Update(id: id, incarnation: 0, status: .suspect, address: id, role: .participant, height: 0, reporter: reporter)
    }

    func node() -> SimMembership {
        var membership = SimMembership(id: 0, address: 0, role: .participant, random: SeededRandom(seed: 1))
        _ = membership.receive(.gossip(updates: [alive(1), alive(2), alive(3)]), from: 1, now: .zero + .nanoseconds(0))
        return membership
    }

    @Test func aSyncedSuspicionCountsItsReporterAndAnUnnamedOneCountsNoOne() {
        var membership = node()
        _ = membership.receive(.sync(members: [alive(3), suspect(2, by: nil)], isReply: true), from: 3, now: .zero + .nanoseconds(1))
        #expect(membership.members[2]?.status == .suspect)
        #expect(membership.members[2]?.suspectedBy == [], "a suspicion without a reporter confirms nothing")
        _ = membership.receive(.sync(members: [alive(1), suspect(2, by: 1)], isReply: true), from: 1, now: .zero + .nanoseconds(2))
        #expect(membership.members[2]?.suspectedBy == [1])
        // The same suspecter again is not a second confirmation.
        _ = membership.receive(.gossip(updates: [suspect(2, by: 1)]), from: 3, now: .zero + .nanoseconds(3))
        #expect(membership.members[2]?.suspectedBy == [1])
    }

    @Test func aSyncReplyNamesWhoSuspects() throws {
        var membership = node()
        _ = membership.receive(.gossip(updates: [suspect(2, by: 3)]), from: 3, now: .zero + .nanoseconds(1))
        let replies = membership.receive(.sync(members: [alive(1)], isReply: false), from: 1, now: .zero + .nanoseconds(2))
        let reply = try #require(replies.first { $0.to == 1 })
        guard case let .sync(members, isReply) = reply.message else {
            Issue.record("expected a sync reply, got \(reply.message)")
            return
        }
        #expect(isReply)
        let suspicion = try #require(members.first { $0.id == 2 })
        #expect(suspicion.status == .suspect)
        #expect(suspicion.reporter == 3)
        #expect(members.first { $0.id == 1 }?.reporter == nil, "alive members carry no reporter")
    }
}
