/// A reading of the wall clock: nanoseconds since 1970-01-01T00:00:00Z, leap seconds
/// not counted. Block times, deadlines and handshake timestamps are wall-clock times,
/// compared across peers; the wall clock can step, so nothing local is timed on it
/// (that is `MonotonicInstant`).
public struct UnixInstant: NanosecondInstant, CustomStringConvertible {
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

    public var description: String { "unix \(nanoseconds / 1_000_000_000).\(String(nanoseconds % 1_000_000_000 + 1_000_000_000).dropFirst())" }
}
