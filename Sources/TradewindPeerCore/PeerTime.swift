/// The one reading of time a peer's core is fed: the wall clock, which dates blocks
/// and deadlines (agreement compares it across peers), and a monotonic clock, which
/// times everything local (probes, retries, caches) and never jumps. The running
/// peer reads both at once (`PeerClock` in TradewindPeer); the simulator derives
/// both from its virtual clock.
public struct PeerTime: Sendable, Equatable {
    /// Unix time, nanoseconds.
    public var wallNanoseconds: UInt64
    /// Nanoseconds since an arbitrary start; only differences mean anything.
    public var monotonicNanoseconds: UInt64

    public init(wallNanoseconds: UInt64, monotonicNanoseconds: UInt64) {
        self.wallNanoseconds = wallNanoseconds
        self.monotonicNanoseconds = monotonicNanoseconds
    }
}

extension Duration {
    /// The duration in whole nanoseconds (saturating).
    public var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        return scaled.addingReportingOverflow(attoseconds / 1_000_000_000).partialValue
    }
}
