/// What the two clock readings share: a UInt64 count of nanoseconds, and arithmetic
/// with `Duration` that saturates at both ends rather than trapping. Inlinable: the
/// cores compare instants on every message.
public protocol NanosecondInstant: InstantProtocol, Hashable, Sendable where Duration == Swift.Duration {
    var nanoseconds: UInt64 { get }
    init(nanoseconds: UInt64)
}

extension NanosecondInstant {
    /// Saturates at the clock's start and at its end: a timer set far out (`.seconds(.max)`
    /// for "never") stays the latest instant there is.
    @inlinable public func advanced(by duration: Swift.Duration) -> Self {
        Self(nanoseconds: nanoseconds.adding(saturating: duration))
    }

    @inlinable public func duration(to other: Self) -> Swift.Duration {
        .nanoseconds(saturatingDifference: other.nanoseconds, nanoseconds)
    }

    @inlinable public static func + (instant: Self, duration: Swift.Duration) -> Self { instant.advanced(by: duration) }
    @inlinable public static func - (instant: Self, duration: Swift.Duration) -> Self { instant.advanced(by: duration.negatedSaturating) }
    @inlinable public static func += (instant: inout Self, duration: Swift.Duration) { instant = instant.advanced(by: duration) }
    /// How long after `earlier` this instant is (negative if before).
    @inlinable public static func - (later: Self, earlier: Self) -> Swift.Duration { earlier.duration(to: later) }

    @inlinable public static func < (lhs: Self, rhs: Self) -> Bool { lhs.nanoseconds < rhs.nanoseconds }
}
