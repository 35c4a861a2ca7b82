import Testing
import TradewindGossip
import TradewindSimulation
import TradewindWire

/// `republish`: a message this member published long ago spreads again — pushed to
/// members not known to hold it, announced by digest, and served to their pulls even
/// after its cached copy had expired.
@Suite struct RepublishTests {
    static let payload: [UInt8] = Array(repeating: 7, count: 32) + [1]
    static let id = Bytes32(payload.prefix(32))!

    func member() -> SimDissemination {
        var dissemination = SimDissemination(me: 0, hooks: GossipNode.hooks, random: SeededRandom(seed: 1))
        dissemination.setPeers([1, 2, 3])
        return dissemination
    }

    @Test func aRepublishedMessageIsPushedToMembersNotKnownToHoldItAndServedToPulls() {
        var dissemination = member()
        let start = MonotonicInstant.zero
        _ = dissemination.publish(.transactions, payload: Self.payload, now: start)
        // Member 1 tells it has the message.
        _ = dissemination.receive(.ihave(.transactions, ids: [Self.id]), from: 1, now: start + .milliseconds(10))
        // Long after: the cached copy (30 s) has expired.
        let later = start + .seconds(40)
        _ = dissemination.tick(now: later)
        #expect(dissemination.receive(.iwant(.transactions, ids: [Self.id]), from: 2, now: later).isEmpty,
                "the expired copy is not served")

        let actions = dissemination.republish(.transactions, payload: Self.payload, now: later)
        let pushedTo = actions.compactMap { action -> Int? in
            if case let .send(.push(_, payload), to) = action, payload == Self.payload { return to }
            return nil
        }
        #expect(Set(pushedTo) == [2, 3], "pushed to the two members not known to hold it")
        let served = dissemination.receive(.iwant(.transactions, ids: [Self.id]), from: 3, now: later + .milliseconds(5))
        #expect(served.contains { if case .send(.push, to: 3) = $0 { return true } else { return false } },
                "a pull after the republish is answered")
        // The next digest round announces it to whoever was not pushed it and does not hold it (nobody here).
        let digests = dissemination.tick(now: later + .milliseconds(200))
        #expect(!digests.contains { if case .send(.ihave, to: 1) = $0 { return true } else { return false } },
                "no digest to the member known to hold it")
    }
}
