/// A reading of the wall clock: nanoseconds since 1970-01-01T00:00:00Z, leap seconds
/// not counted. Block times, deadlines and handshake timestamps are wall-clock times,
/// compared across peers; the wall clock can step, so nothing local is timed on it
/// (that is `MonotonicInstant`).
public struct UnixInstant: InstantProtocol, Hashable, Sendable, CustomStringConvertible {
    /// Nanoseconds since the Unix epoch.
    public var nanoseconds: UInt64

    public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    /// The instant `milliseconds` after the epoch (block header times are milliseconds).
    public init(milliseconds: UInt64) {
        let (scaled, overflow) = milliseconds.multipliedReportingOverflow(by: 1_000_000)
        nanoseconds = overflow ? .max : scaled
    }

    /// Whole milliseconds since the epoch, as block headers carry time.
    public var milliseconds: UInt64 { nanoseconds / 1_000_000 }

    /// Saturates at the epoch and at the end of the representable range rather than trapping.
    public func advanced(by duration: Duration) -> UnixInstant {
        UnixInstant(nanoseconds: nanoseconds.adding(saturating: duration))
    }

    public func duration(to other: UnixInstant) -> Duration {
        Duration.nanoseconds(saturatingDifference: other.nanoseconds, nanoseconds)
    }

    public static func + (instant: UnixInstant, duration: Duration) -> UnixInstant { instant.advanced(by: duration) }
    public static func - (instant: UnixInstant, duration: Duration) -> UnixInstant { instant.advanced(by: duration.negatedSaturating) }
    public static func += (instant: inout UnixInstant, duration: Duration) { instant = instant.advanced(by: duration) }
    /// How long after `earlier` this instant is (negative if before).
    public static func - (later: UnixInstant, earlier: UnixInstant) -> Duration { earlier.duration(to: later) }

    public static func < (lhs: UnixInstant, rhs: UnixInstant) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

    public var description: String { "unix \(nanoseconds / 1_000_000_000).\(String(nanoseconds % 1_000_000_000 + 1_000_000_000).dropFirst())" }
}
