/// A reading of a monotonic clock: nanoseconds since an arbitrary start, which only
/// moves forward. Everything a peer times locally (probes, retries, caches, sessions)
/// is measured on it, so a wall-clock step cannot expire or stall anything. The
/// running peer reads it from the OS (`CLOCK_MONOTONIC`); the simulator's virtual
/// clock is one. Only differences between two readings of the same clock mean anything.
public struct MonotonicInstant: NanosecondInstant, CustomStringConvertible {
    /// Nanoseconds since the clock's start.
    public var nanoseconds: UInt64

    public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    /// The clock's start (the simulator's time zero).
    public static let zero = MonotonicInstant(nanoseconds: 0)

    /// How long after the clock's start this instant is (the simulator's elapsed time).
    public var sinceStart: Duration { .nanoseconds(Int64(clamping: nanoseconds)) }

    public var description: String { "monotonic \(sinceStart)" }
}
