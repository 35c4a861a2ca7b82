import TradewindCrypto
import TradewindWire

/// Noise's HandshakeState (§5.3) for `Noise_<pattern>_25519_ChaChaPoly_BLAKE2b`.
///
/// Pure: the caller supplies every key, including the ephemeral one (so tests can
/// replay vectors and the core never draws randomness itself). A value type: a
/// `readMessage` that fails leaves the state exactly as it was, so a forged or
/// corrupted message cannot disturb a handshake in progress.
public struct HandshakeState: Sendable {
    public static let maxMessageLength = 65_535
    static let dhLength = 32

    public let protocolName: String
    public let pattern: NoisePattern
    public let isInitiator: Bool

    private var symmetric: SymmetricState
    private let localStatic: X25519.PrivateKey?
    private let localEphemeral: X25519.PrivateKey?
    public private(set) var remoteStatic: X25519.PublicKey?
    public private(set) var remoteEphemeral: X25519.PublicKey?
    private let psks: [SecureBytes]
    private var pskIndex = 0
    private var messageIndex = 0

    /// - Parameters:
    ///   - protocolName: for example `Noise_IKpsk2_25519_ChaChaPoly_BLAKE2b`.
    ///   - localEphemeral: the ephemeral key this side will send, when it sends one.
    ///   - remoteStatic / remoteEphemeral: keys known in advance (pre-messages).
    public init(
        protocolName: String, initiator: Bool, prologue: some ByteSource,
        localStatic: X25519.PrivateKey? = nil, localEphemeral: X25519.PrivateKey? = nil,
        remoteStatic: X25519.PublicKey? = nil, remoteEphemeral: X25519.PublicKey? = nil,
        psks: [SecureBytes] = []
    ) throws(NoiseError) {
        let parts = protocolName.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0] == "Noise", parts[2] == "25519", parts[3] == "ChaChaPoly",
              parts[4] == "BLAKE2b", let pattern = NoisePattern(named: String(parts[1])) else {
            throw .unknownProtocol(protocolName)
        }
        guard psks.count == pattern.pskCount, psks.allSatisfy({ $0.count == 32 }) else {
            throw .missingKey("\(pattern.pskCount) pre-shared key(s) of 32 bytes")
        }
        self.protocolName = protocolName
        self.pattern = pattern
        self.isInitiator = initiator
        self.localStatic = localStatic
        self.localEphemeral = localEphemeral
        self.remoteStatic = remoteStatic
        self.remoteEphemeral = remoteEphemeral
        self.psks = psks
        symmetric = SymmetricState(protocolName: protocolName)
        symmetric.mixHash(prologue)

        // Keys each side must hold for the pattern to run at all.
        let sends = pattern.messages.enumerated().filter { ($0.offset % 2 == 0) == initiator }.flatMap(\.element)
        if sends.contains(.s) && localStatic == nil { throw .missingKey("the local static key") }
        if sends.contains(.e) && localEphemeral == nil { throw .missingKey("the local ephemeral key") }

        // Pre-messages: the initiator's first, then the responder's.
        for (tokens, fromInitiator) in [(pattern.initiatorPreMessage, true), (pattern.responderPreMessage, false)] {
            let mine = fromInitiator == initiator
            for token in tokens {
                let key: X25519.PublicKey?
                switch token {
                case .s: key = mine ? localStatic?.publicKey : remoteStatic
                case .e: key = mine ? localEphemeral?.publicKey : remoteEphemeral
                default: key = nil
                }
                guard let key else { throw .missingKey("the \(mine ? "local" : "remote") pre-message key '\(token)'") }
                symmetric.mixHash(key)
                if token == .e && pattern.usesPSK { symmetric.mixKey(key) }
            }
        }
    }

    public var isComplete: Bool { messageIndex == pattern.messages.count }

    /// True when it is this side's turn to write.
    public var isMyTurn: Bool { !isComplete && (messageIndex % 2 == 0) == isInitiator }

    /// h: the handshake hash, for channel binding. Final once the handshake completes.
    public var handshakeHash: [UInt8] { symmetric.handshakeHash }

    /// WriteMessage(payload): the next handshake message.
    public mutating func writeMessage(payload: some ByteSource = [UInt8]()) throws(NoiseError) -> [UInt8] {
        guard !isComplete else { throw .handshakeComplete }
        guard isMyTurn else { throw .wrongTurn }
        var next = self
        var message: [UInt8] = []
        for token in pattern.messages[messageIndex] {
            switch token {
            case .e:
                guard let ephemeral = localEphemeral else { throw .missingKey("the local ephemeral key") }
                message += ephemeral.publicKey.bytes32.bytes
                next.symmetric.mixHash(ephemeral.publicKey)
                if pattern.usesPSK { next.symmetric.mixKey(ephemeral.publicKey) }
            case .s:
                guard let staticKey = localStatic else { throw .missingKey("the local static key") }
                message += try next.symmetric.encryptAndHash(staticKey.publicKey)
            case .psk:
                next.symmetric.mixKeyAndHash(psks[next.pskIndex])
                next.pskIndex += 1
            case .ee, .es, .se, .ss:
                next.symmetric.mixKey(try next.diffieHellman(token))
            }
        }
        message += try next.symmetric.encryptAndHash(payload)
        guard message.count <= Self.maxMessageLength else { throw .messageTooLong(message.count) }
        next.messageIndex += 1
        self = next
        return message
    }

    /// ReadMessage(message): the payload of the peer's next handshake message.
    public mutating func readMessage(_ message: [UInt8]) throws(NoiseError) -> [UInt8] {
        guard !isComplete else { throw .handshakeComplete }
        guard !isMyTurn else { throw .wrongTurn }
        guard message.count <= Self.maxMessageLength else { throw .messageTooLong(message.count) }
        var next = self
        var offset = 0
        func take(_ count: Int) throws(NoiseError) -> [UInt8] {
            guard message.count - offset >= count else {
                throw .messageTooShort(needed: offset + count, actual: message.count)
            }
            defer { offset += count }
            return Array(message[offset..<(offset + count)])
        }
        for token in pattern.messages[messageIndex] {
            switch token {
            case .e:
                let bytes = try take(Self.dhLength)
                let key = X25519.PublicKey(Bytes32(bytes) ?? .zero)
                next.remoteEphemeral = key
                next.symmetric.mixHash(key)
                if pattern.usesPSK { next.symmetric.mixKey(key) }
            case .s:
                let length = Self.dhLength + (next.symmetric.hasKey ? ChaChaPoly.tagBytes : 0)
                let plaintext = try next.symmetric.decryptAndHash(try take(length))
                next.remoteStatic = X25519.PublicKey(Bytes32(plaintext) ?? .zero)
            case .psk:
                next.symmetric.mixKeyAndHash(psks[next.pskIndex])
                next.pskIndex += 1
            case .ee, .es, .se, .ss:
                next.symmetric.mixKey(try next.diffieHellman(token))
            }
        }
        let payload = try next.symmetric.decryptAndHash(Array(message[offset...]))
        next.messageIndex += 1
        self = next
        return payload
    }

    /// The cipher pair after the handshake: this side's sending and receiving ciphers.
    public func split() throws(NoiseError) -> (send: CipherState, receive: CipherState) {
        guard isComplete else { throw .handshakeIncomplete }
        let (initiatorToResponder, responderToInitiator) = symmetric.split()
        return isInitiator
            ? (initiatorToResponder, responderToInitiator)
            : (responderToInitiator, initiatorToResponder)
    }

    /// DH for a token, from this side's point of view: "es" is the initiator's
    /// ephemeral with the responder's static, whoever computes it.
    private func diffieHellman(_ token: NoisePattern.Token) throws(NoiseError) -> SecureBytes {
        let initiatorSide: (local: X25519.PrivateKey?, remote: X25519.PublicKey?)
        let responderSide: (local: X25519.PrivateKey?, remote: X25519.PublicKey?)
        switch token {
        case .ee:
            initiatorSide = (localEphemeral, remoteEphemeral)
            responderSide = (localEphemeral, remoteEphemeral)
        case .ss:
            initiatorSide = (localStatic, remoteStatic)
            responderSide = (localStatic, remoteStatic)
        case .es:
            initiatorSide = (localEphemeral, remoteStatic)
            responderSide = (localStatic, remoteEphemeral)
        default: // .se
            initiatorSide = (localStatic, remoteEphemeral)
            responderSide = (localEphemeral, remoteStatic)
        }
        let (local, remote) = isInitiator ? initiatorSide : responderSide
        guard let local, let remote else { throw .missingKey("a key for '\(token)'") }
        do {
            return try local.sharedSecret(with: remote)
        } catch {
            throw .lowOrderPoint
        }
    }
}
