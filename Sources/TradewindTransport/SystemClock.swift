import Foundation
import NIOCore
import TradewindWire

/// The operating system's two clocks, read the one way every shell reads them: the
/// transport, the peer and its tools. The pure cores never read a clock; these
/// readings are their input.
public enum SystemClock {
    /// Both clocks, read together: what a peer's cores are fed.
    public static var now: PeerTime { PeerTime(wall: wall, monotonic: monotonic) }

    /// `CLOCK_MONOTONIC` (NIO's uptime clock, which its timers also use).
    public static var monotonic: MonotonicInstant { MonotonicInstant(nanoseconds: NIODeadline.now().uptimeNanoseconds) }

    /// `CLOCK_REALTIME`: block times, deadlines and handshake timestamps.
    public static var wall: UnixInstant {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return UnixInstant(nanoseconds: UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec))
    }
}
