import TradewindCrypto
import TradewindWire

extension TransportCore {
    /// A data datagram: find the session, check the counter, authenticate, deliver.
    mutating func receiveData(_ datagram: [UInt8], from source: Endpoint, now: UInt64, wallClock: UInt64) -> [Action] {
        guard datagram.count >= Datagram.dataHeaderLength + Datagram.tagLength + 1 else {
            counters.drop(.malformed)
            return []
        }
        let receiverIndex = Datagram.readUInt32(datagram, at: 4)
        guard case let .session(peerKey)? = indexes[receiverIndex], var peer = peers[peerKey] else {
            counters.drop(.unknownSession)
            return []
        }
        let slot: WritableKeyPath<Peer, Session?>
        if peer.current?.localIndex == receiverIndex {
            slot = \.current
        } else if peer.next?.localIndex == receiverIndex {
            slot = \.next
        } else if peer.previous?.localIndex == receiverIndex {
            slot = \.previous
        } else {
            counters.drop(.unknownSession)
            return []
        }
        guard var session = peer[keyPath: slot] else { return [] }
        guard now &- session.createdAt < configuration.rejectAfterTime else {
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
        let header = Array(datagram[0..<Datagram.dataHeaderLength])
        guard let plaintext = try? CipherState.decrypt(
            key: session.receiveKey, nonce: counter, associatedData: header,
            ciphertext: datagram[Datagram.dataHeaderLength...]), let first = plaintext.first else {
            counters.drop(.badMAC)
            return []
        }
        session.window.accept(counter)
        peer[keyPath: slot] = session
        var actions: [Action] = []
        if slot == \.next {
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
        peer.lastReceived = now
        switch Datagram.Inner(rawValue: first) {
        case .keepalive?:
            if plaintext.count != 1 { counters.drop(.malformed) }
        case .message?:
            actions.append(.deliver(Array(plaintext[1...]), from: peerKey))
            counters.messagesDelivered += 1
        case .fragment?:
            receiveFragment(plaintext, peer: &peer, now: now, into: &actions)
        case nil:
            counters.drop(.malformed)
        }
        peers[peerKey] = peer
        return actions
    }

    private mutating func receiveFragment(_ plaintext: [UInt8], peer: inout Peer, now: UInt64, into actions: inout [Action]) {
        guard plaintext.count > 9 else {
            counters.drop(.malformed)
            return
        }
        let id = Datagram.readUInt32(plaintext, at: 1)
        let index = Int(plaintext[5]) << 8 | Int(plaintext[6])
        let count = Int(plaintext[7]) << 8 | Int(plaintext[8])
        let outcome = peer.reassembly.add(
            id: id, index: index, count: count, bytes: Array(plaintext[9...]), now: now,
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
