/// The conversions the clock types need between `Duration` (attoseconds, signed) and
/// the UInt64 nanosecond counts the clocks are read as.
extension Duration {
    /// The duration in whole nanoseconds, rounded toward zero and saturating at
    /// `Int64`'s bounds (about ±292 years).
    @inlinable public var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? .min : .max }
        let (sum, sumOverflow) = scaled.addingReportingOverflow(attoseconds / 1_000_000_000)
        if sumOverflow { return seconds < 0 ? .min : .max }
        return sum
    }

    /// `-self`, with the most negative duration mapped to the most positive.
    @usableFromInline var negatedSaturating: Duration {
        let value = nanoseconds
        return .nanoseconds(value == .min ? .max : -value)
    }

    /// `later - earlier` nanoseconds as a duration, saturating at `Int64`'s bounds.
    @usableFromInline static func nanoseconds(saturatingDifference later: UInt64, _ earlier: UInt64) -> Duration {
        later >= earlier ? .nanoseconds(Int64(clamping: later - earlier)) : .nanoseconds(-Int64(clamping: earlier - later))
    }

    /// The duration scaled by `factor`, saturating (Lifeguard's probe interval times
    /// local health, a backoff doubled per attempt).
    public func scaled(by factor: Int) -> Duration {
        let (product, overflow) = nanoseconds.multipliedReportingOverflow(by: Int64(factor))
        if overflow { return .nanoseconds((nanoseconds < 0) != (factor < 0) ? Int64.min : Int64.max) }
        return .nanoseconds(product)
    }
}

extension UInt64 {
    /// `self + duration` in nanoseconds, clamped to `0...UInt64.max`; a duration too long
    /// for nanoseconds in an `Int64` (292 years) counts as forever.
    @usableFromInline func adding(saturating duration: Duration) -> UInt64 {
        let delta = duration.nanoseconds
        if delta == .max { return .max }
        if delta >= 0 {
            let (sum, overflow) = addingReportingOverflow(UInt64(delta))
            return overflow ? .max : sum
        }
        let magnitude = delta.magnitude
        return self > magnitude ? self - magnitude : 0
    }
}
