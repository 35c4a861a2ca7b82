/// Why a Noise operation failed. A failed read leaves the handshake state unchanged.
public enum NoiseError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownProtocol(String)
    case missingKey(String)
    case wrongTurn
    case handshakeComplete
    case handshakeIncomplete
    case messageTooShort(needed: Int, actual: Int)
    case messageTooLong(Int)
    case decryptionFailed
    case lowOrderPoint
    case nonceExhausted

    public var description: String {
        switch self {
        case let .unknownProtocol(name): return "unsupported Noise protocol '\(name)'"
        case let .missingKey(which): return "the pattern needs \(which), which was not given"
        case .wrongTurn: return "it is the other party's turn to send"
        case .handshakeComplete: return "the handshake is already complete"
        case .handshakeIncomplete: return "the handshake is not complete yet"
        case let .messageTooShort(needed, actual): return "message of \(actual) bytes, at least \(needed) needed"
        case let .messageTooLong(length): return "message of \(length) bytes exceeds Noise's 65535"
        case .decryptionFailed: return "decryption failed (bad tag)"
        case .lowOrderPoint: return "the peer's key is a low-order point"
        case .nonceExhausted: return "the cipher's nonce space is exhausted"
        }
    }
}
