import TradewindCrypto
import TradewindWire

extension TransportCore {
    /// A fresh random 32-bit index not in use (zero is never used).
    mutating func newIndex() -> UInt32 {
        while true {
            let candidate = UInt32.random(in: 1...UInt32.max, using: &random)
            if indexes[candidate] == nil { return candidate }
        }
    }

    mutating func newEphemeral() -> X25519.PrivateKey {
        var bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &random) }
        defer { for index in bytes.indices { bytes[index] = 0 } }
        // 32 bytes always make a valid X25519 scalar.
        return (try? X25519.PrivateKey(secretBytes: bytes)) ?? .generate()
    }

    /// The next TAI64N stamp: the wall clock, but strictly after the previous one
    /// even if the clock stepped back.
    mutating func nextTimestamp(wallClock: UnixInstant) -> TAI64N {
        var stamp = TAI64N(unixNanoseconds: wallClock.nanoseconds)
        if let last = lastTimestampSent, stamp <= last {
            stamp = TAI64N(unixNanoseconds: last.unixNanoseconds + 1)
        }
        lastTimestampSent = stamp
        return stamp
    }

    /// Sends handshake message 1 to `peer` and records the pending handshake.
    mutating func initiateHandshake(_ peer: inout Peer, now: MonotonicInstant, wallClock: UnixInstant, into actions: inout [Action]) {
        if let old = peer.handshake { indexes[old.localIndex] = nil }
        peer.handshake = nil
        guard let endpoint = peer.endpoint,
              let (pending, datagram) = makeInitiation(peer, now: now, wallClock: wallClock, attempt: 0, startedAt: now)
        else { return }
        peer.handshake = pending
        indexes[pending.localIndex] = .handshake(peer.identity)
        actions.append(.send(datagram, to: endpoint))
        counters.datagramsSent += 1
    }

    /// Sends a new message 1 (new ephemeral key, new index) after a timeout.
    mutating func retryHandshake(_ peer: inout Peer, now: MonotonicInstant, wallClock: UnixInstant, into actions: inout [Action]) {
        guard let old = peer.handshake, let endpoint = peer.endpoint else { return }
        indexes[old.localIndex] = nil
        guard let (pending, datagram) = makeInitiation(
            peer, now: now, wallClock: wallClock, attempt: old.attempt + 1, startedAt: old.startedAt) else {
            peer.handshake = nil
            return
        }
        peer.handshake = pending
        indexes[pending.localIndex] = .handshake(peer.identity)
        actions.append(.send(datagram, to: endpoint))
        counters.datagramsSent += 1
    }

    private mutating func makeInitiation(
        _ peer: Peer, now: MonotonicInstant, wallClock: UnixInstant, attempt: Int, startedAt: MonotonicInstant
    ) -> (PendingHandshake, [UInt8])? {
        let config = configuration
        guard var state = try? HandshakeState(
            protocolName: Datagram.protocolName, initiator: true, prologue: prologue,
            localStatic: staticKey, localEphemeral: newEphemeral(), remoteStatic: peer.staticKey,
            psks: [networkKey]) else { return nil }
        let payload = nextTimestamp(wallClock: wallClock).bytes + identity.bytes32.bytes
        guard let message = try? state.writeMessage(payload: payload) else { return nil }
        let localIndex = newIndex()
        var datagram = Datagram.header(.initiation) + Datagram.uint32(localIndex) + message
        datagram += Datagram.mac1(key: peer.mac1Key, over: datagram[...])
        let backoff = min(config.handshakeRetryMax, config.handshakeRetryBase.scaled(by: 1 << min(attempt, 16)))
        let jitterLimit = max(0, config.handshakeRetryJitter.nanoseconds)
        let jitter = Duration.nanoseconds(jitterLimit == 0 ? 0 : Int64.random(in: 0...jitterLimit, using: &random))
        let pending = PendingHandshake(
            state: state, localIndex: localIndex, startedAt: startedAt, attempt: attempt,
            nextRetry: now + backoff + jitter)
        return (pending, datagram)
    }

    /// Message 1 from a peer: authenticate, then answer with message 2.
    mutating func receiveInitiation(
        _ datagram: [UInt8], from source: Endpoint, now: MonotonicInstant, wallClock: UnixInstant
    ) -> [Action] {
        guard datagram.count == Datagram.initiationLength else {
            counters.drop(.malformed)
            return []
        }
        // One keyed hash before any Diffie-Hellman: no network key, no further work.
        guard Datagram.hasValidMac1(datagram, key: ownMac1Key) else {
            counters.drop(.wrongNetworkKey)
            return []
        }
        guard rateLimiter.allow(source, now: now) else {
            counters.drop(.rateLimited)
            return []
        }
        let senderIndex = Datagram.readUInt32(datagram, at: 4)
        let message = Array(datagram[8..<(8 + Datagram.initiationNoiseLength)])
        guard var state = try? HandshakeState(
            protocolName: Datagram.protocolName, initiator: false, prologue: prologue,
            localStatic: staticKey, localEphemeral: newEphemeral(), psks: [networkKey]),
            let payload = try? state.readMessage(message), payload.count == TAI64N.byteCount + 32,
            let timestamp = TAI64N(bytes: payload[0..<TAI64N.byteCount]),
            let identityBytes = Bytes32(payload[TAI64N.byteCount...]) else {
            counters.drop(.badHandshake)
            return []
        }
        let peerKey = Ed25519.PublicKey(identityBytes)
        // The claimed identity must be the one whose key took part in the handshake.
        guard let converted = try? peerKey.curve25519(), converted == state.remoteStatic, peerKey != identity else {
            counters.drop(.badHandshake)
            return []
        }
        var peer: Peer
        if let known = peers[peerKey] {
            peer = known
        } else {
            guard peers.count < configuration.maxPeers, let made = try? makePeer(peerKey, endpoint: source) else {
                counters.drop(.rateLimited)
                return []
            }
            peer = made
        }
        if let last = peer.lastTimestamp, timestamp <= last {
            counters.drop(.replay)
            return []
        }
        if let pending = peer.handshake {
            // Both sides initiated at once: the lower identity's handshake wins. Only
            // when the initiation comes from where ours went, though: from anywhere
            // else the peer has moved (roaming), ours will never be answered, and this
            // one is answered instead.
            if identity < peerKey && peer.endpoint == source {
                peers[peerKey] = peer
                return []
            }
            indexes[pending.localIndex] = nil
            peer.handshake = nil
        }
        guard let reply = try? state.writeMessage(payload: [UInt8]()), let (send, receive) = try? state.split(),
              let sendKey = send.key, let receiveKey = receive.key else {
            counters.drop(.badHandshake)
            return []
        }
        peer.lastTimestamp = timestamp
        peer.endpoint = source
        peer.endpointConfirmed = true
        let localIndex = newIndex()
        if let stale = peer.next { indexes[stale.localIndex] = nil }
        peer.next = Session(
            localIndex: localIndex, remoteIndex: senderIndex, sendKey: sendKey, receiveKey: receiveKey,
            createdAt: now, isInitiator: false)
        indexes[localIndex] = .session(peerKey)
        peers[peerKey] = peer
        var response = Datagram.header(.response) + Datagram.uint32(localIndex) + Datagram.uint32(senderIndex) + reply
        response += Datagram.mac1(key: peer.mac1Key, over: response[...])
        counters.datagramsSent += 1
        return [.send(response, to: source)]
    }

    /// Message 2 answering our message 1: the session is ready; send what waited.
    mutating func receiveResponse(_ datagram: [UInt8], from source: Endpoint, now: MonotonicInstant) -> [Action] {
        guard datagram.count == Datagram.responseLength else {
            counters.drop(.malformed)
            return []
        }
        let senderIndex = Datagram.readUInt32(datagram, at: 4)
        let receiverIndex = Datagram.readUInt32(datagram, at: 8)
        guard case let .handshake(peerKey)? = indexes[receiverIndex], var peer = peers[peerKey],
              var pending = peer.handshake, pending.localIndex == receiverIndex else {
            counters.drop(.unknownSession)
            return []
        }
        guard Datagram.hasValidMac1(datagram, key: ownMac1Key) else {
            counters.drop(.wrongNetworkKey)
            return []
        }
        let message = Array(datagram[12..<(12 + Datagram.responseNoiseLength)])
        guard let payload = try? pending.state.readMessage(message), payload.isEmpty,
              let (send, receive) = try? pending.state.split(), let sendKey = send.key, let receiveKey = receive.key
        else {
            counters.drop(.badHandshake)
            return []
        }
        if let previous = peer.previous { indexes[previous.localIndex] = nil }
        peer.previous = peer.current
        peer.current = Session(
            localIndex: receiverIndex, remoteIndex: senderIndex, sendKey: sendKey, receiveKey: receiveKey,
            createdAt: now, isInitiator: true)
        indexes[receiverIndex] = .session(peerKey)
        peer.handshake = nil
        peer.endpoint = source
        peer.endpointConfirmed = true
        peer.lastReceived = now
        counters.handshakesCompleted += 1
        var actions: [Action] = [.established(peer: peerKey, endpoint: source)]
        flushQueue(&peer, now: now, into: &actions)
        peers[peerKey] = peer
        return actions
    }

    /// Sends what waited for a session; with nothing waiting, a keepalive, so the
    /// responder learns the handshake completed and starts using the session.
    mutating func flushQueue(_ peer: inout Peer, now: MonotonicInstant, into actions: inout [Action]) {
        guard var session = peer.current else { return }
        let queue = peer.queue
        peer.queue = []
        peer.queuedBytes = 0
        if queue.isEmpty && session.isInitiator && session.sendCounter == 0 {
            encrypt([], inner: .keepalive, peer: &peer, session: &session, now: now, into: &actions)
        }
        for message in queue {
            encrypt(message, inner: .message, peer: &peer, session: &session, now: now, into: &actions)
            counters.messagesSent += 1
        }
        peer.current = session
    }
}
