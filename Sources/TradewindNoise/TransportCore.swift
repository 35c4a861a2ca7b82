import TradewindCrypto
import TradewindWire

/// The transport's protocol logic for one endpoint and all its peers, without IO:
/// Noise_IKpsk2 handshakes, sessions, counters and replay windows, rekeying,
/// keepalives, fragmentation and abuse limits (docs/PROTOCOL.md §4).
///
/// The shell feeds it datagrams, messages to send and clock ticks, with the current
/// monotonic time (`now`) and wall-clock time (`wallClock`, used only for
/// handshake timestamps); it returns what to send and
/// deliver. Randomness (session indexes, ephemeral keys, jitter) comes from the
/// injected generator, so a seeded one replays exactly.
public struct TransportCore<Endpoint: Hashable & Sendable, Random: RandomNumberGenerator> {
    public enum Action: Sendable, Equatable {
        case send([UInt8], to: Endpoint)
        case deliver([UInt8], from: Ed25519.PublicKey)
        /// A session with `peer` is ready in both directions.
        case established(peer: Ed25519.PublicKey, endpoint: Endpoint)

        public static func == (lhs: Action, rhs: Action) -> Bool {
            switch (lhs, rhs) {
            case let (.send(a, x), .send(b, y)): return a == b && x == y
            case let (.deliver(a, x), .deliver(b, y)): return a == b && x == y
            case let (.established(a, x), .established(b, y)): return a == b && x == y
            default: return false
            }
        }
    }

    struct Session: Sendable {
        let localIndex: UInt32
        let remoteIndex: UInt32
        let sendKey: SecureBytes
        let receiveKey: SecureBytes
        var sendCounter: UInt64 = 0
        var window = ReplayWindow()
        let createdAt: MonotonicInstant
        let isInitiator: Bool
    }

    struct PendingHandshake: Sendable {
        var state: HandshakeState
        let localIndex: UInt32
        let startedAt: MonotonicInstant
        var attempt: Int
        var nextRetry: MonotonicInstant
    }

    struct Peer: Sendable {
        let identity: Ed25519.PublicKey
        let staticKey: X25519.PublicKey
        let mac1Key: SecureBytes
        var endpoint: Endpoint?
        /// The endpoint came from an authenticated datagram (not from configuration or
        /// gossip): the peer is where it last sent from, and hearsay does not move it.
        var endpointConfirmed = false
        var handshake: PendingHandshake?
        var current: Session?
        var previous: Session?
        /// A session this side answered, used for sending only once the initiator
        /// has sent data on it (WireGuard's rule: proof it completed).
        var next: Session?
        var queue: [[UInt8]] = []
        var queuedBytes = 0
        var lastTimestamp: TAI64N?
        var lastReceived: MonotonicInstant = .zero
        var lastSent: MonotonicInstant = .zero
        var nextMessageID: UInt32 = 0
        var reassembly = Reassembly()

        subscript(slot: Slot) -> Session? {
            get {
                switch slot {
                case .current: return current
                case .next: return next
                case .previous: return previous
                }
            }
            set {
                switch slot {
                case .current: current = newValue
                case .next: next = newValue
                case .previous: previous = newValue
                }
            }
        }

        func slot(of localIndex: UInt32) -> Slot? {
            if current?.localIndex == localIndex { return .current }
            if next?.localIndex == localIndex { return .next }
            if previous?.localIndex == localIndex { return .previous }
            return nil
        }
    }

    /// Which of a peer's sessions (no key paths: they cost a runtime lookup per use
    /// on a generic type, on the hottest path).
    enum Slot: CaseIterable, Sendable {
        case current, next, previous
    }

    enum IndexOwner: Sendable {
        case handshake(Ed25519.PublicKey)
        case session(Ed25519.PublicKey)
    }

    public let configuration: TransportConfiguration
    public let identity: Ed25519.PublicKey
    let staticKey: X25519.PrivateKey
    let networkKey: SecureBytes
    let prologue: [UInt8]
    /// mac1 key of handshakes addressed to this endpoint.
    let ownMac1Key: SecureBytes
    var peers: [Ed25519.PublicKey: Peer] = [:]
    var indexes: [UInt32: IndexOwner] = [:]
    var rateLimiter: RateLimiter<Endpoint>
    var lastTimestampSent: TAI64N?
    var random: Random
    public internal(set) var counters = TransportCounters()

    /// - Parameters:
    ///   - networkKey: the 32-byte secret every member holds (the Noise psk).
    ///   - networkID: the network id, the Noise prologue.
    public init(
        identity: Ed25519.PrivateKey, networkKey: SecureBytes, networkID: Bytes32,
        configuration: TransportConfiguration = .init(), random: Random
    ) {
        self.configuration = configuration
        self.identity = identity.publicKey
        staticKey = identity.curve25519()
        self.networkKey = networkKey
        prologue = networkID.bytes
        ownMac1Key = Datagram.mac1Key(networkKey: networkKey, receiverStatic: staticKey.publicKey)
        rateLimiter = RateLimiter(
            burst: configuration.handshakeBurst, perSecond: configuration.handshakesPerSecond,
            maxEntries: configuration.rateLimiterEntries)
        self.random = random
    }

    /// Counts a drop that happened in the shell (for example a full socket buffer).
    public mutating func recordDrop(_ reason: TransportCounters.DropReason) {
        counters.drop(reason)
    }

    // MARK: Peers

    /// Makes `identity` reachable at `endpoint` (from a seed list or from gossip).
    public mutating func addPeer(_ identity: Ed25519.PublicKey, endpoint: Endpoint?) throws(CryptoError) {
        if peers[identity] != nil {
            if let endpoint { peers[identity]?.endpoint = endpoint }
            return
        }
        peers[identity] = try makePeer(identity, endpoint: endpoint)
    }

    func makePeer(_ identity: Ed25519.PublicKey, endpoint: Endpoint?) throws(CryptoError) -> Peer {
        let staticKey = try identity.curve25519()
        return Peer(
            identity: identity, staticKey: staticKey,
            mac1Key: Datagram.mac1Key(networkKey: networkKey, receiverStatic: staticKey), endpoint: endpoint)
    }

    /// Makes `identity` reachable at `endpoint` as a member advertises it (gossip),
    /// unless an authenticated datagram already showed where it is: like WireGuard's
    /// roaming, the latest authenticated source wins over what others say.
    public mutating func learn(_ identity: Ed25519.PublicKey, endpoint: Endpoint) throws(CryptoError) {
        if let known = peers[identity] {
            if !known.endpointConfirmed { peers[identity]?.endpoint = endpoint }
            return
        }
        peers[identity] = try makePeer(identity, endpoint: endpoint)
    }

    public func endpoint(of peer: Ed25519.PublicKey) -> Endpoint? { peers[peer]?.endpoint }
    public func hasSession(with peer: Ed25519.PublicKey) -> Bool { peers[peer]?.current != nil }
    public var knownPeers: [Ed25519.PublicKey] { Array(peers.keys) }

    /// Sessions and handshakes in use (for tests and metrics).
    public var activeIndexCount: Int { indexes.count }

    // MARK: Sending

    /// Sends `message` to `peer`, fragmenting it if needed; waits for a session if
    /// there is none yet (starting a handshake).
    public mutating func send(
        _ message: [UInt8], to peerKey: Ed25519.PublicKey, now: MonotonicInstant, wallClock: UnixInstant
    ) -> [Action] {
        guard message.count <= configuration.maxMessageSize else {
            counters.drop(.oversize)
            return []
        }
        guard peers[peerKey]?.endpoint != nil, var peer = peers.removeValue(forKey: peerKey) else {
            counters.drop(.noRoute)
            return []
        }
        defer { peers[peerKey] = peer }
        var actions: [Action] = []
        if var session = usableSession(peer, now: now) {
            encrypt(message, inner: .message, peer: &peer, session: &session, now: now, into: &actions)
            peer.current = session
            counters.messagesSent += 1
            if needsRekey(session, now: now) && peer.handshake == nil {
                initiateHandshake(&peer, now: now, wallClock: wallClock, into: &actions)
            }
        } else {
            guard peer.queue.count < configuration.sendQueueMessages,
                  peer.queuedBytes + message.count <= configuration.sendQueueBytes else {
                counters.drop(.queueFull)
                return []
            }
            peer.queue.append(message)
            peer.queuedBytes += message.count
            if peer.handshake == nil {
                initiateHandshake(&peer, now: now, wallClock: wallClock, into: &actions)
            }
        }
        return actions
    }

    private func usableSession(_ peer: Peer, now: MonotonicInstant) -> Session? {
        guard let session = peer.current,
              session.createdAt.duration(to: now) < configuration.rejectAfterTime,
              session.sendCounter < configuration.rejectAfterMessages else { return nil }
        return session
    }

    func needsRekey(_ session: Session, now: MonotonicInstant) -> Bool {
        session.sendCounter >= configuration.rekeyAfterMessages
            || (session.isInitiator && session.createdAt.duration(to: now) >= configuration.rekeyAfterTime)
    }

    /// Encrypts `message` as one data datagram, or as fragments if it does not fit.
    mutating func encrypt(
        _ message: [UInt8], inner: Datagram.Inner, peer: inout Peer, session: inout Session, now: MonotonicInstant,
        into actions: inout [Action]
    ) {
        guard let endpoint = peer.endpoint else { return }
        let wholeCapacity = configuration.maxDatagramPayload - Datagram.messageOverhead
        if message.count <= wholeCapacity || inner == .keepalive {
            actions.append(.send(Self.seal(prefix: [inner.rawValue], message[...], session: &session), to: endpoint))
            counters.datagramsSent += 1
        } else {
            let capacity = configuration.maxDatagramPayload - Datagram.fragmentOverhead
            let count = (message.count + capacity - 1) / capacity
            let id = peer.nextMessageID
            peer.nextMessageID &+= 1
            for index in 0..<count {
                let start = index * capacity
                let piece = message[start..<min(message.count, start + capacity)]
                let prefix = [Datagram.Inner.fragment.rawValue] + Datagram.uint32(id)
                    + [UInt8(index >> 8), UInt8(index & 0xff), UInt8(count >> 8), UInt8(count & 0xff)]
                actions.append(.send(Self.seal(prefix: prefix, piece, session: &session), to: endpoint))
            }
            counters.datagramsSent += UInt64(count)
        }
        peer.lastSent = now
    }

    /// Builds a data datagram in one buffer: the header, then `prefix ‖ payload`
    /// encrypted in place (libsodium allows the output to overlap the input exactly).
    static func seal(prefix: [UInt8], _ payload: ArraySlice<UInt8>, session: inout Session) -> [UInt8] {
        let counter = session.sendCounter
        session.sendCounter += 1
        let headerLength = Datagram.dataHeaderLength
        let plainCount = prefix.count + payload.count
        let total = headerLength + plainCount + Datagram.tagLength
        var datagram = [UInt8](repeating: 0, count: total)
        datagram.withUnsafeMutableBytes { buffer in
            buffer[0] = Datagram.Kind.data.rawValue
            buffer.storeBytes(of: session.remoteIndex.bigEndian, toByteOffset: 4, as: UInt32.self)
            buffer.storeBytes(of: counter.bigEndian, toByteOffset: 8, as: UInt64.self)
            for (offset, byte) in prefix.enumerated() { buffer[headerLength + offset] = byte }
            payload.withUnsafeBytes { source in
                if let base = source.baseAddress, source.count > 0 {
                    (buffer.baseAddress! + headerLength + prefix.count).copyMemory(from: base, byteCount: source.count)
                }
            }
            let body = UnsafeMutableRawBufferPointer(rebasing: buffer[headerLength...])
            CipherState.withNonce(counter) { nonce in
                session.sendKey.withUnsafeBytes { key in
                    _ = ChaChaPoly.seal(
                        into: body, plaintext: UnsafeRawBufferPointer(rebasing: body[..<plainCount]),
                        associatedData: UnsafeRawBufferPointer(rebasing: buffer[..<headerLength]), nonce: nonce, key: key)
                }
            }
        }
        return datagram
    }

    // MARK: Receiving

    /// Handles one datagram from `source`.
    public mutating func receive(
        _ datagram: [UInt8], from source: Endpoint, now: MonotonicInstant, wallClock: UnixInstant
    ) -> [Action] {
        counters.datagramsReceived += 1
        guard datagram.count <= configuration.maxDatagramPayload else {
            counters.drop(.oversize)
            return []
        }
        guard datagram.count >= 4, datagram[1] == 0, datagram[2] == 0, datagram[3] == 0,
              let kind = Datagram.Kind(rawValue: datagram[0]) else {
            counters.drop(.malformed)
            return []
        }
        switch kind {
        case .initiation: return receiveInitiation(datagram, from: source, now: now, wallClock: wallClock)
        case .response: return receiveResponse(datagram, from: source, now: now)
        case .data: return receiveData(datagram, from: source, now: now, wallClock: wallClock)
        }
    }

    // MARK: Timers

    /// Retries handshakes, expires sessions and fragments, sends keepalives and
    /// starts rekeys. Call it regularly (every 100 ms or so).
    public mutating func tick(now: MonotonicInstant, wallClock: UnixInstant) -> [Action] {
        var actions: [Action] = []
        for key in Array(peers.keys) {
            guard var peer = peers[key] else { continue }
            tick(&peer, now: now, wallClock: wallClock, into: &actions)
            peers[key] = peer
        }
        if rateLimiter.count > configuration.rateLimiterEntries / 2 { rateLimiter.prune(now: now) }
        return actions
    }

    private mutating func tick(_ peer: inout Peer, now: MonotonicInstant, wallClock: UnixInstant, into actions: inout [Action]) {
        let config = configuration
        if let pending = peer.handshake, now >= pending.nextRetry {
            if pending.startedAt.duration(to: now) >= config.handshakeAttemptTime {
                indexes[pending.localIndex] = nil
                peer.handshake = nil
                counters.drop(.handshakeTimeout, count: UInt64(peer.queue.count))
                peer.queue = []
                peer.queuedBytes = 0
            } else {
                retryHandshake(&peer, now: now, wallClock: wallClock, into: &actions)
            }
        }
        for slot in Slot.allCases {
            if let session = peer[slot], session.createdAt.duration(to: now) >= config.rejectAfterTime {
                indexes[session.localIndex] = nil
                peer[slot] = nil
            }
        }
        if let session = peer.current, peer.handshake == nil {
            let age = session.createdAt.duration(to: now)
            let lastHeard = max(peer.lastReceived, session.createdAt)
            let responderDeadline = config.rejectAfterTime - config.keepaliveTimeout - config.rekeyTimeout
            if needsRekey(session, now: now) || (!session.isInitiator && age >= responderDeadline) {
                initiateHandshake(&peer, now: now, wallClock: wallClock, into: &actions)
            } else if peer.lastSent > lastHeard && lastHeard.duration(to: now) >= config.keepaliveTimeout + config.rekeyTimeout {
                // We keep sending and hear nothing back: the peer may have restarted.
                initiateHandshake(&peer, now: now, wallClock: wallClock, into: &actions)
            } else if peer.lastReceived > peer.lastSent && peer.lastSent.duration(to: now) >= config.keepaliveTimeout {
                var current = session
                encrypt([], inner: .keepalive, peer: &peer, session: &current, now: now, into: &actions)
                peer.current = current
            }
        }
        let expired = peer.reassembly.expire(now: now, timeout: config.reassemblyTimeout)
        if expired > 0 { counters.drop(.reassembly, count: UInt64(expired)) }
    }
}

extension TransportCore: Sendable where Random: Sendable {}
