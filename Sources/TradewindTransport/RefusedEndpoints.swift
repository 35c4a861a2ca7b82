import TradewindWire

/// Destinations the operating system refused a datagram to (a firewall's EPERM, no
/// route, a broadcast address), held back for a while, doubling per refusal.
///
/// NIO closes a datagram socket on such a refusal; the shell opens a fresh one, but
/// everything queued behind the refused datagram is lost with the old socket. Without
/// this, a member whose address the OS keeps refusing costs a socket and the queued
/// traffic to every other member on each probe and handshake retry. A write's outcome
/// is only asked for (a promise per datagram) in the window after a socket failed and
/// while any endpoint is on probation, so the common path costs nothing. Every write is
/// traced then, not only those to suspects: when NIO closes the socket it fails the
/// refused write and every write queued behind it with the same error, in order, so
/// only the first failure names the refused destination, and it must have been traced.
///
/// Pure: the shell feeds it the outcomes it observed and the time.
struct RefusedEndpoints<Endpoint: Hashable> {
    struct Entry {
        var until: MonotonicInstant
        var backoff: Duration
    }

    static var initialBackoff: Duration { .seconds(1) }
    static var maximumBackoff: Duration { .seconds(16) }
    /// After a socket failed, writes report their outcome this long: the refused
    /// destination's next datagram (a probe, a handshake retry) names it.
    static var tracingWindow: Duration { .seconds(10) }

    private(set) var entries: [Endpoint: Entry] = [:]
    private var tracingUntil: MonotonicInstant = .zero
    let capacity: Int

    init(capacity: Int = 4096) { self.capacity = capacity }

    /// Whether a datagram to `endpoint` is held back now.
    func isBackedOff(_ endpoint: Endpoint, now: MonotonicInstant) -> Bool {
        entries[endpoint].map { now < $0.until } ?? false
    }

    /// Whether writes should report their outcome now.
    func shouldTrace(now: MonotonicInstant) -> Bool {
        now < tracingUntil || !entries.isEmpty
    }

    /// The socket failed (the OS refused some datagram): trace writes for a while.
    mutating func socketFailed(now: MonotonicInstant) {
        tracingUntil = now + Self.tracingWindow
    }

    /// A datagram to `endpoint` was refused: hold it back, twice as long as last time.
    mutating func refused(_ endpoint: Endpoint, now: MonotonicInstant) {
        let backoff = entries[endpoint].map { min(Self.maximumBackoff, $0.backoff.scaled(by: 2)) } ?? Self.initialBackoff
        if entries[endpoint] == nil && entries.count >= capacity, let soonest = entries.min(by: { $0.value.until < $1.value.until }) {
            entries[soonest.key] = nil
        }
        entries[endpoint] = Entry(until: now + backoff, backoff: backoff)
    }

    /// A datagram to `endpoint` left: it is reachable again.
    mutating func delivered(_ endpoint: Endpoint) {
        entries[endpoint] = nil
    }
}
