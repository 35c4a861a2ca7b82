import Foundation
import NIOCore
import TradewindPeerCore

/// The peer's one clock: both readings `PeerCore` takes, read together.
enum PeerClock {
    static func now() -> PeerTime {
        PeerTime(wallNanoseconds: wallNanoseconds, monotonicNanoseconds: NIODeadline.now().uptimeNanoseconds)
    }

    /// Unix time in nanoseconds: block times come from the wall clock.
    static var wallNanoseconds: UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }
}
