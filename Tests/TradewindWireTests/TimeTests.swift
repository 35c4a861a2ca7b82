import Testing
import TradewindWire

/// The clock types every core is fed: arithmetic that never traps on a hostile or
/// far-off value, and a peer's time that never goes back.
@Suite struct TimeTests {
    @Test func instantsAddAndSubtractDurations() {
        let start = MonotonicInstant(nanoseconds: 5_000_000_000)
        #expect(start + .milliseconds(250) == MonotonicInstant(nanoseconds: 5_250_000_000))
        #expect(start - .seconds(1) == MonotonicInstant(nanoseconds: 4_000_000_000))
        #expect((start + .seconds(2)) - start == .seconds(2))
        #expect(start - (start + .seconds(2)) == .seconds(-2), "an earlier instant gives a negative duration")
        #expect(start.sinceStart == .seconds(5))
        #expect(UnixInstant(milliseconds: 1_790_000_000_123).milliseconds == 1_790_000_000_123)
    }

    @Test func arithmeticSaturatesAtTheEndsOfTheClock() {
        #expect(MonotonicInstant.zero - .seconds(1) == .zero, "before the clock's start is its start")
        let last = MonotonicInstant(nanoseconds: .max)
        #expect(last + .seconds(1) == last)
        #expect(MonotonicInstant.zero + .seconds(Int64.max) == last, "a timer set to never stays the latest instant")
        #expect(UnixInstant(milliseconds: .max) == UnixInstant(nanoseconds: .max))
        #expect(MonotonicInstant.zero + Duration.seconds(Int64.min) == .zero)
        #expect(Duration.seconds(Int64.max).nanoseconds == .max)
        #expect(Duration.seconds(Int64.min).nanoseconds == .min)
        #expect(Duration.seconds(1).scaled(by: 1 << 16) == .seconds(65_536))
        #expect(Duration.seconds(Int64.max / 2).scaled(by: 4).nanoseconds == .max)
        #expect(Duration.seconds(1).scaled(by: -3) == .seconds(-3))
    }

    @Test func aPeersTimeOnlyMovesForward() {
        var time = PeerTime(wall: UnixInstant(nanoseconds: 100), monotonic: MonotonicInstant(nanoseconds: 50))
        time.advance(to: PeerTime(wall: UnixInstant(nanoseconds: 40), monotonic: MonotonicInstant(nanoseconds: 60)))
        #expect(time.wall == UnixInstant(nanoseconds: 100), "a wall clock stepped back does not move the time back")
        #expect(time.monotonic == MonotonicInstant(nanoseconds: 60))
    }
}
