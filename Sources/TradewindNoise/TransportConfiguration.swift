/// Limits and timers of the transport. Timers run on the monotonic clock the shell
/// feeds in. Defaults follow WireGuard's timers.
public struct TransportConfiguration: Sendable {
    /// UDP payload bytes per datagram (QUIC's safe 1200 by default).
    public var maxDatagramPayload = 1200
    /// Largest message the transport fragments and reassembles (60 KiB).
    public var maxMessageSize = 60 * 1024
    public var rekeyAfterTime: Duration = .seconds(120)
    public var rejectAfterTime: Duration = .seconds(180)
    public var rekeyAfterMessages: UInt64 = 1 << 60
    public var rejectAfterMessages: UInt64 = UInt64.max - (1 << 13)
    /// Send an empty keepalive when data arrived but nothing went back for this long.
    public var keepaliveTimeout: Duration = .seconds(10)
    /// Without a reply for keepalive + this, a peer is assumed gone: re-handshake.
    public var rekeyTimeout: Duration = .seconds(5)
    /// First handshake retry after this; doubling up to `handshakeRetryMax`, plus jitter.
    public var handshakeRetryBase: Duration = .seconds(1)
    public var handshakeRetryMax: Duration = .seconds(8)
    public var handshakeRetryJitter: Duration = .milliseconds(333)
    /// Give up (dropping queued messages) after trying for this long.
    public var handshakeAttemptTime: Duration = .seconds(90)
    /// Messages and bytes waiting per peer for a session.
    public var sendQueueMessages = 1024
    public var sendQueueBytes = 4 << 20
    /// Incomplete fragmented messages per peer: count, bytes, and how long to wait.
    public var reassemblyMessages = 8
    public var reassemblyBytes = 512 << 10
    public var reassemblyTimeout: Duration = .seconds(5)
    /// Handshake initiations per source address: burst and sustained rate per second.
    public var handshakeBurst = 10.0
    public var handshakesPerSecond = 20.0
    public var rateLimiterEntries = 4096
    /// Peers this endpoint keeps state for.
    public var maxPeers = 4096

    public init() {}

    public enum Problem: Error, Equatable, Sendable, CustomStringConvertible {
        case datagramTooSmall(configured: Int, minimum: Int)
        case datagramTooLarge(configured: Int)
        case messageCapTooSmall(configured: Int, minimum: Int)

        public var description: String {
            switch self {
            case let .datagramTooSmall(configured, minimum):
                return "datagram payload of \(configured) bytes is below \(minimum) (the largest transaction in its gossip push plus "
                    + "\(Datagram.messageOverhead) bytes of transport overhead, and at least a handshake)"
            case let .datagramTooLarge(configured):
                return "datagram payload of \(configured) bytes exceeds UDP's 65507"
            case let .messageCapTooSmall(configured, minimum):
                return "message cap of \(configured) bytes is below the datagram payload's \(minimum)"
            }
        }
    }

    /// Checks the sizes against the network's largest transaction: a transaction,
    /// inside the gossip message that pushes it (`maxTransactionSize` includes that
    /// wrapping), must always fit one datagram.
    public func validate(maxTransactionSize: Int) throws(Problem) {
        let minimum = max(maxTransactionSize + Datagram.messageOverhead, Datagram.initiationLength)
        guard maxDatagramPayload >= minimum else {
            throw .datagramTooSmall(configured: maxDatagramPayload, minimum: minimum)
        }
        guard maxDatagramPayload <= 65_507 else { throw .datagramTooLarge(configured: maxDatagramPayload) }
        guard maxMessageSize >= maxDatagramPayload - Datagram.messageOverhead else {
            throw .messageCapTooSmall(configured: maxMessageSize, minimum: maxDatagramPayload - Datagram.messageOverhead)
        }
    }
}
