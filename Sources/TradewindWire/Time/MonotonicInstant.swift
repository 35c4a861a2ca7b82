/// A reading of a monotonic clock: nanoseconds since an arbitrary start, which only
/// moves forward. Everything a peer times locally (probes, retries, caches, sessions)
/// is measured on it, so a wall-clock step cannot expire or stall anything. The
/// running peer reads it from the OS (`CLOCK_MONOTONIC`); the simulator's virtual
/// clock is one. Only differences between two readings of the same clock mean anything.
public struct MonotonicInstant: InstantProtocol, Hashable, Sendable, CustomStringConvertible {
    /// Nanoseconds since the clock's start.
    public var nanoseconds: UInt64

    public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    /// The clock's start (the simulator's time zero).
    public static let zero = MonotonicInstant(nanoseconds: 0)

    /// How long after the clock's start this instant is (the simulator's elapsed time).
    public var sinceStart: Duration { .nanoseconds(Int64(clamping: nanoseconds)) }

    /// Saturates at the clock's start and at its end rather than trapping: a timer set
    /// far out (`.seconds(.max)` for "never") stays the latest instant there is.
    public func advanced(by duration: Duration) -> MonotonicInstant {
        MonotonicInstant(nanoseconds: nanoseconds.adding(saturating: duration))
    }

    public func duration(to other: MonotonicInstant) -> Duration {
        Duration.nanoseconds(saturatingDifference: other.nanoseconds, nanoseconds)
    }

    public static func + (instant: MonotonicInstant, duration: Duration) -> MonotonicInstant { instant.advanced(by: duration) }
    public static func - (instant: MonotonicInstant, duration: Duration) -> MonotonicInstant { instant.advanced(by: duration.negatedSaturating) }
    public static func += (instant: inout MonotonicInstant, duration: Duration) { instant = instant.advanced(by: duration) }
    /// How long after `earlier` this instant is (negative if before).
    public static func - (later: MonotonicInstant, earlier: MonotonicInstant) -> Duration { earlier.duration(to: later) }

    public static func < (lhs: MonotonicInstant, rhs: MonotonicInstant) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

    public var description: String { "monotonic \(sinceStart)" }
}
