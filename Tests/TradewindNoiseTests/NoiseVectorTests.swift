import Foundation
import Testing
import TradewindCrypto
import TradewindNoise
import TradewindWire

/// cacophony's vectors: every 25519/ChaChaPoly/BLAKE2b protocol, every message.
@Suite struct NoiseVectorTests {
    struct VectorFile: Decodable {
        var vectors: [Vector]
    }

    struct Vector: Decodable {
        struct Message: Decodable {
            var payload: String
            var ciphertext: String
        }

        var protocol_name: String
        var init_prologue: String
        var init_psks: [String]?
        var init_static: String?
        var init_ephemeral: String?
        var init_remote_static: String?
        var resp_prologue: String
        var resp_psks: [String]?
        var resp_static: String?
        var resp_ephemeral: String?
        var resp_remote_static: String?
        var handshake_hash: String
        var messages: [Message]
    }

    static let vectors: [Vector] = {
        guard let url = Bundle.module.url(forResource: "noise-25519-chachapoly-blake2b", withExtension: "json",
                                          subdirectory: "Vectors"),
              let data = try? Data(contentsOf: url),
              let file = try? JSONDecoder().decode(VectorFile.self, from: data) else { return [] }
        return file.vectors
    }()

    @Test func allFiftyNineVectorsLoaded() {
        #expect(Self.vectors.count == 59)
        // Every base pattern of the spec appears.
        let names = Set(Self.vectors.map { $0.protocol_name.split(separator: "_")[1] }
            .map { String($0.prefix { !"p".contains($0) }) })
        #expect(names.isSuperset(of: NoisePattern.allBaseNames))
    }

    @Test(arguments: vectors.map(\.protocol_name))
    func vector(named name: String) throws {
        let vector = try #require(Self.vectors.first { $0.protocol_name == name })
        func key(_ hex: String?) throws -> X25519.PrivateKey? {
            guard let hex else { return nil }
            return try X25519.PrivateKey(secretBytes: try #require(Hex.decode(hex)))
        }
        func publicKey(_ hex: String?) throws -> X25519.PublicKey? {
            guard let hex else { return nil }
            return try X25519.PublicKey(bytes: try #require(Hex.decode(hex)))
        }
        func psks(_ list: [String]?) throws -> [SecureBytes] {
            try (list ?? []).map { SecureBytes(copying: try #require(Hex.decode($0))) }
        }
        var initiator = try HandshakeState(
            protocolName: name, initiator: true, prologue: try #require(Hex.decode(vector.init_prologue)),
            localStatic: try key(vector.init_static), localEphemeral: try key(vector.init_ephemeral),
            remoteStatic: try publicKey(vector.init_remote_static), psks: try psks(vector.init_psks))
        var responder = try HandshakeState(
            protocolName: name, initiator: false, prologue: try #require(Hex.decode(vector.resp_prologue)),
            localStatic: try key(vector.resp_static), localEphemeral: try key(vector.resp_ephemeral),
            remoteStatic: try publicKey(vector.resp_remote_static), psks: try psks(vector.resp_psks))

        var initiatorCiphers: (send: CipherState, receive: CipherState)?
        var responderCiphers: (send: CipherState, receive: CipherState)?
        for (index, message) in vector.messages.enumerated() {
            let payload = try #require(Hex.decode(message.payload))
            let expected = try #require(Hex.decode(message.ciphertext))
            // One-way patterns send everything initiator → responder.
            let fromInitiator = initiator.pattern.isOneWay || index % 2 == 0
            if !initiator.isComplete {
                let sent = fromInitiator
                    ? try initiator.writeMessage(payload: payload) : try responder.writeMessage(payload: payload)
                #expect(sent == expected, "\(name) handshake message \(index)")
                let received = fromInitiator ? try responder.readMessage(sent) : try initiator.readMessage(sent)
                #expect(received == payload, "\(name) handshake message \(index)")
                if initiator.isComplete {
                    #expect(responder.isComplete)
                    #expect(Hex.encode(initiator.handshakeHash) == vector.handshake_hash, "\(name) handshake hash")
                    #expect(responder.handshakeHash == initiator.handshakeHash)
                    initiatorCiphers = try initiator.split()
                    responderCiphers = try responder.split()
                }
            } else {
                var sender = fromInitiator ? initiatorCiphers!.send : responderCiphers!.send
                var receiver = fromInitiator ? responderCiphers!.receive : initiatorCiphers!.receive
                let sent = try sender.encrypt(associatedData: [UInt8](), plaintext: payload)
                #expect(sent == expected, "\(name) transport message \(index)")
                #expect(try receiver.decrypt(associatedData: [UInt8](), ciphertext: sent) == payload)
                if fromInitiator {
                    initiatorCiphers!.send = sender
                    responderCiphers!.receive = receiver
                } else {
                    responderCiphers!.send = sender
                    initiatorCiphers!.receive = receiver
                }
            }
        }
        #expect(initiator.isComplete && responder.isComplete)
    }
}
