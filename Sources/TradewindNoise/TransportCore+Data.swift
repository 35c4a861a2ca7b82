import TradewindCrypto
import TradewindWire

extension TransportCore {
    /// A data datagram: find the session, check the counter, authenticate, deliver.
    mutating func receiveData(_ datagram: [UInt8], from source: Endpoint, now: MonotonicInstant, wallClock: UnixInstant) -> [Action] {
        guard datagram.count >= Datagram.dataHeaderLength + Datagram.tagLength + 1 else {
            counters.drop(.malformed)
            return []
        }
        let receiverIndex = Datagram.readUInt32(datagram, at: 4)
        // The peer is taken out of the table while it is worked on and put back at the
        // end: its replay window is then uniquely referenced and updated in place
        // instead of being copied for every datagram.
        guard case let .session(peerKey)? = indexes[receiverIndex], var peer = peers.removeValue(forKey: peerKey) else {
            counters.drop(.unknownSession)
            return []
        }
        defer { peers[peerKey] = peer }
        guard let slot = peer.slot(of: receiverIndex), var session = peer[slot] else {
            counters.drop(.unknownSession)
            return []
        }
        guard session.createdAt.duration(to: now) < configuration.rejectAfterTime else {
            counters.drop(.expiredSession)
            return []
        }
        let counter = Datagram.readUInt64(datagram, at: 8)
        switch session.window.check(counter) {
        case .replayed:
            counters.drop(.replay)
            return []
        case .tooOld:
            counters.drop(.outOfWindow)
            return []
        case .fresh:
            break
        }
        guard var plaintext = Self.open(datagram, session: session), !plaintext.isEmpty else {
            counters.drop(.badMAC)
            return []
        }
        let first = plaintext.removeFirst()
        session.window.accept(counter)
        peer[slot] = session
        var actions: [Action] = []
        if slot == .next {
            // The initiator used the session we answered: it is now the current one.
            if let previous = peer.previous { indexes[previous.localIndex] = nil }
            peer.previous = peer.current
            peer.current = session
            peer.next = nil
            counters.handshakesCompleted += 1
            actions.append(.established(peer: peerKey, endpoint: source))
            flushQueue(&peer, now: now, into: &actions)
        }
        peer.endpoint = source
        peer.endpointConfirmed = true
        peer.lastReceived = now
        switch Datagram.Inner(rawValue: first) {
        case .keepalive?:
            if !plaintext.isEmpty { counters.drop(.malformed) }
        case .message?:
            actions.append(.deliver(plaintext, from: peerKey))
            counters.messagesDelivered += 1
        case .fragment?:
            receiveFragment(plaintext, peer: &peer, now: now, into: &actions)
        case nil:
            counters.drop(.malformed)
        }
        return actions
    }

    /// Authenticates and decrypts a data datagram; nil if it does not authenticate.
    static func open(_ datagram: [UInt8], session: Session) -> [UInt8]? {
        let headerLength = Datagram.dataHeaderLength
        let plainCount = datagram.count - headerLength - Datagram.tagLength
        guard plainCount >= 0 else { return nil }
        let counter = Datagram.readUInt64(datagram, at: 8)
        var status: Int32 = -1
        // Written in full by the decryption, or discarded when it fails.
        let plaintext = [UInt8](unsafeUninitializedCapacity: plainCount) { buffer, initialized in
            let output = UnsafeMutableRawBufferPointer(buffer)
            status = datagram.withUnsafeBytes { input in
                CipherState.withNonce(counter) { nonce in
                    session.receiveKey.withUnsafeBytes { key in
                        ChaChaPoly.open(
                            into: output, ciphertext: UnsafeRawBufferPointer(rebasing: input[headerLength...]),
                            associatedData: UnsafeRawBufferPointer(rebasing: input[..<headerLength]), nonce: nonce, key: key)
                    }
                }
            }
            if status != 0 { output.initializeMemory(as: UInt8.self, repeating: 0) }
            initialized = plainCount
        }
        return status == 0 ? plaintext : nil
    }

    private mutating func receiveFragment(_ plaintext: [UInt8], peer: inout Peer, now: MonotonicInstant, into actions: inout [Action]) {
        // `plaintext` is the fragment header (8 bytes) and the bytes, the kind byte removed.
        guard plaintext.count > 8 else {
            counters.drop(.malformed)
            return
        }
        let id = Datagram.readUInt32(plaintext, at: 0)
        let index = Int(plaintext[4]) << 8 | Int(plaintext[5])
        let count = Int(plaintext[6]) << 8 | Int(plaintext[7])
        let outcome = peer.reassembly.add(
            id: id, index: index, count: count, bytes: Array(plaintext[8...]), now: now,
            maxMessages: configuration.reassemblyMessages, maxBytes: configuration.reassemblyBytes,
            maxMessageSize: configuration.maxMessageSize)
        switch outcome {
        case .pending:
            break
        case let .complete(message):
            actions.append(.deliver(message, from: peer.identity))
            counters.messagesDelivered += 1
        case let .dropped(lost):
            counters.drop(.reassembly, count: UInt64(max(lost, 1)))
        }
    }
}
