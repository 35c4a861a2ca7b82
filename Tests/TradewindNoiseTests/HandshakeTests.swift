import Testing
import TradewindCrypto
import TradewindNoise
import TradewindWire

/// The mesh's protocol between two Ed25519 identities, and what a failed read must not do.
@Suite struct HandshakeTests {
    static let protocolName = "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2b"

    struct Pair {
        var initiator: HandshakeState
        var responder: HandshakeState
    }

    func makePair(psk: [UInt8] = [UInt8](repeating: 9, count: 32), responderPSK: [UInt8]? = nil) throws -> Pair {
        let alice = Ed25519.PrivateKey.generate()
        let bob = Ed25519.PrivateKey.generate()
        let prologue = Array("network id".utf8)
        let initiator = try HandshakeState(
            protocolName: Self.protocolName, initiator: true, prologue: prologue,
            localStatic: alice.curve25519(), localEphemeral: .generate(),
            remoteStatic: try bob.publicKey.curve25519(), psks: [SecureBytes(copying: psk)])
        let responder = try HandshakeState(
            protocolName: Self.protocolName, initiator: false, prologue: prologue,
            localStatic: bob.curve25519(), localEphemeral: .generate(),
            psks: [SecureBytes(copying: responderPSK ?? psk)])
        return Pair(initiator: initiator, responder: responder)
    }

    @Test func identitiesAuthenticatedInOneRoundTrip() throws {
        var pair = try makePair()
        let first = try pair.initiator.writeMessage(payload: Array("hello".utf8))
        #expect(try pair.responder.readMessage(first) == Array("hello".utf8))
        // The responder learns the initiator's static key from message 1.
        #expect(pair.responder.remoteStatic != nil)
        let second = try pair.responder.writeMessage(payload: [UInt8]())
        #expect(try pair.initiator.readMessage(second).isEmpty)
        var (aliceSend, _) = try pair.initiator.split()
        var (_, bobReceive) = try pair.responder.split()
        let sealed = try aliceSend.encrypt(associatedData: [UInt8](), plaintext: Array("pay".utf8))
        #expect(try bobReceive.decrypt(associatedData: [UInt8](), ciphertext: sealed) == Array("pay".utf8))
    }

    /// Tampered, truncated or foreign messages fail and leave the state unchanged:
    /// the genuine message still completes the handshake afterwards.
    @Test func failedReadsChangeNothing() throws {
        var pair = try makePair()
        let first = try pair.initiator.writeMessage(payload: [1, 2, 3])
        for index in stride(from: 0, to: first.count, by: 7) {
            var tampered = first
            tampered[index] ^= 0x40
            #expect(throws: NoiseError.self) { try pair.responder.readMessage(tampered) }
        }
        #expect(throws: NoiseError.self) { try pair.responder.readMessage(Array(first.prefix(40))) }
        #expect(throws: NoiseError.self) { try pair.responder.readMessage([]) }
        #expect(try pair.responder.readMessage(first) == [1, 2, 3])
        let second = try pair.responder.writeMessage(payload: [UInt8]())
        var tampered = second
        tampered[tampered.count - 1] ^= 1
        #expect(throws: NoiseError.decryptionFailed) { try pair.initiator.readMessage(tampered) }
        #expect(try pair.initiator.readMessage(second).isEmpty)
        #expect(pair.initiator.isComplete && pair.responder.isComplete)
    }

    @Test func differentPSKFailsAtTheSecondMessage() throws {
        var pair = try makePair(psk: [UInt8](repeating: 1, count: 32), responderPSK: [UInt8](repeating: 2, count: 32))
        let first = try pair.initiator.writeMessage(payload: [UInt8]())
        // psk2 mixes in only at the end of message 2, so message 1 still reads.
        _ = try pair.responder.readMessage(first)
        let second = try pair.responder.writeMessage(payload: [UInt8]())
        #expect(throws: NoiseError.decryptionFailed) { try pair.initiator.readMessage(second) }
    }

    @Test func turnsAndCompletionAreEnforced() throws {
        var pair = try makePair()
        #expect(throws: NoiseError.wrongTurn) { try pair.responder.writeMessage(payload: [UInt8]()) }
        #expect(throws: NoiseError.handshakeIncomplete) { try pair.initiator.split() }
        let first = try pair.initiator.writeMessage(payload: [UInt8]())
        #expect(throws: NoiseError.wrongTurn) { try pair.initiator.writeMessage(payload: [UInt8]()) }
        _ = try pair.responder.readMessage(first)
        _ = try pair.initiator.readMessage(try pair.responder.writeMessage(payload: [UInt8]()))
        #expect(throws: NoiseError.handshakeComplete) { try pair.initiator.writeMessage(payload: [UInt8]()) }
    }

    @Test func unknownProtocolsAndMissingKeysRefused() {
        #expect(throws: NoiseError.unknownProtocol("Noise_ZZ_25519_ChaChaPoly_BLAKE2b")) {
            try HandshakeState(protocolName: "Noise_ZZ_25519_ChaChaPoly_BLAKE2b", initiator: true, prologue: [UInt8]())
        }
        #expect(throws: NoiseError.unknownProtocol("Noise_XX_448_ChaChaPoly_BLAKE2b")) {
            try HandshakeState(protocolName: "Noise_XX_448_ChaChaPoly_BLAKE2b", initiator: true, prologue: [UInt8]())
        }
        #expect(throws: NoiseError.self) {
            try HandshakeState(protocolName: Self.protocolName, initiator: true, prologue: [UInt8](),
                               localStatic: .generate(), localEphemeral: .generate())
        }
    }

    @Test func lowOrderEphemeralRefused() throws {
        var pair = try makePair()
        var first = try pair.initiator.writeMessage(payload: [UInt8]())
        for index in 0..<32 { first[index] = 0 } // an all-zero (low-order) ephemeral key
        #expect(throws: NoiseError.lowOrderPoint) { try pair.responder.readMessage(first) }
    }
}
