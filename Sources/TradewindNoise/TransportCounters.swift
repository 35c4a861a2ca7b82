/// Why datagrams or messages were dropped, and what went through. Every loss the
/// transport itself causes is counted under one reason.
public struct TransportCounters: Sendable, Equatable {
    public enum DropReason: String, CaseIterable, Sendable {
        /// Too short, an unknown type, non-zero reserved bytes, a wrong length.
        case malformed
        /// A handshake datagram whose mac1 is wrong: the sender lacks the network key.
        case wrongNetworkKey
        /// A data datagram that failed authentication (tampered or forged).
        case badMAC
        /// A handshake message that passed mac1 but failed Noise (tampered, or an
        /// identity that does not match its key).
        case badHandshake
        /// A data counter seen before, or a handshake timestamp not newer than the last.
        case replay
        /// A data counter below the replay window.
        case outOfWindow
        /// A datagram for a session index this endpoint does not have.
        case unknownSession
        /// A session past its lifetime (180 s).
        case expiredSession
        /// A datagram larger than the configured payload size, or a message over the cap.
        case oversize
        /// Handshakes from one source address beyond its rate.
        case rateLimited
        /// A message for a peer whose address is unknown.
        case noRoute
        /// The operating system refused to send a datagram.
        case socketError
        /// A datagram held back: the operating system refused this destination recently
        /// (its backoff doubles per refusal, up to 16 s).
        case refusedDestination
        /// A message that did not fit the peer's send queue.
        case queueFull
        /// Messages queued for a peer whose handshake never completed.
        case handshakeTimeout
        /// An incomplete fragmented message given up (timeout or reassembly caps).
        case reassembly
    }

    public private(set) var drops: [DropReason: UInt64] = [:]
    public var datagramsReceived: UInt64 = 0
    public var datagramsSent: UInt64 = 0
    public var messagesDelivered: UInt64 = 0
    public var messagesSent: UInt64 = 0
    public var handshakesCompleted: UInt64 = 0
    /// Times the socket was opened again after the operating system's refusal of a
    /// send closed it (kept by the UDP shell, not the core).
    public var socketReopens: UInt64 = 0

    public init() {}

    public subscript(reason: DropReason) -> UInt64 { drops[reason, default: 0] }

    public mutating func drop(_ reason: DropReason, count: UInt64 = 1) {
        drops[reason, default: 0] += count
    }

    public var totalDrops: UInt64 { drops.values.reduce(0, +) }
}
