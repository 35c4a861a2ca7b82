/// The one reading of time a peer's cores are fed: the wall clock, which dates blocks
/// and deadlines (agreement compares it across peers), and the monotonic clock, which
/// times everything local (round timeouts, retries, caches) and never jumps. The
/// running peer reads both at once (`SystemClock.now`); the simulator derives both from its
/// virtual clock.
public struct PeerTime: Sendable, Hashable, CustomStringConvertible {
    public var wall: UnixInstant
    public var monotonic: MonotonicInstant

    public init(wall: UnixInstant, monotonic: MonotonicInstant) {
        self.wall = wall
        self.monotonic = monotonic
    }

    /// Moves each clock forward to `later`'s reading if that is later: a core's time
    /// never goes back, even when readings arrive out of order or the wall clock steps back.
    public mutating func advance(to later: PeerTime) {
        wall = max(wall, later.wall)
        monotonic = max(monotonic, later.monotonic)
    }

    public var description: String { "\(wall), \(monotonic)" }
}
