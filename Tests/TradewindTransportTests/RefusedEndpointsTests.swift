import Testing
@testable import TradewindTransport
import TradewindWire

@Suite struct RefusedEndpointsTests {
    static let start = MonotonicInstant.zero + .seconds(100)

    @Test func aRefusedEndpointIsHeldBackDoublingUpToTheCap() {
        var refused = RefusedEndpoints<Int>()
        #expect(!refused.isBackedOff(7, now: Self.start))
        refused.refused(7, now: Self.start)
        #expect(refused.isBackedOff(7, now: Self.start + .milliseconds(999)))
        #expect(!refused.isBackedOff(7, now: Self.start + .seconds(1)), "one second after the first refusal, one datagram may try")
        #expect(!refused.isBackedOff(8, now: Self.start), "other endpoints are not held back")
        var now = Self.start
        var waits: [Duration] = []
        for _ in 0..<7 {
            refused.refused(7, now: now)
            waits.append(refused.entries[7]!.backoff)
            now = now + .seconds(60)
        }
        #expect(waits == [.seconds(2), .seconds(4), .seconds(8), .seconds(16), .seconds(16), .seconds(16), .seconds(16)])
    }

    @Test func aDeliveredDatagramClearsTheBackoffAndOnlyTracedWritesCost() {
        var refused = RefusedEndpoints<Int>()
        #expect(!refused.shouldTrace(now: Self.start), "no socket failure, no probation: writes are not traced")
        refused.socketFailed(now: Self.start)
        #expect(refused.shouldTrace(now: Self.start + .seconds(9)))
        #expect(!refused.shouldTrace(now: Self.start + .seconds(10)), "the window after a failure ends")
        refused.refused(7, now: Self.start)
        #expect(refused.shouldTrace(now: Self.start + .seconds(60)), "while an endpoint is on probation, writes are traced")
        refused.delivered(7)
        #expect(!refused.isBackedOff(7, now: Self.start) && !refused.shouldTrace(now: Self.start + .seconds(60)))
        refused.refused(7, now: Self.start)
        #expect(refused.entries[7]?.backoff == .seconds(1), "after a delivery, the backoff starts over")
    }

    @Test func forgedOrManyEndpointsCannotGrowItBeyondItsCapacity() {
        var refused = RefusedEndpoints<Int>(capacity: 3)
        for endpoint in 0..<10 { refused.refused(endpoint, now: Self.start + .milliseconds(Int64(endpoint))) }
        #expect(refused.entries.count == 3)
        #expect(refused.isBackedOff(9, now: Self.start + .milliseconds(10)), "the latest refusal is kept")
    }
}
