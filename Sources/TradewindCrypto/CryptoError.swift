/// Failures of the cryptographic primitives. None of them carries secret material.
public enum CryptoError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidLength(what: String, expected: String, actual: Int)
    /// An AEAD tag did not verify: the ciphertext, nonce, key or associated data differ.
    case authenticationFailed
    /// A Diffie-Hellman result of all zeros: the peer sent a low-order point.
    case lowOrderPoint
    /// An Ed25519 public key that is not a valid curve point (cannot be converted).
    case invalidPublicKey
    /// Argon2id could not run with these limits (usually: not enough memory).
    case keyDerivationFailed(opsLimit: UInt64, memLimitBytes: UInt64)

    public var description: String {
        switch self {
        case let .invalidLength(what, expected, actual):
            return "\(what) must be \(expected) bytes, got \(actual)"
        case .authenticationFailed:
            return "authentication failed: data was altered or the key is wrong"
        case .lowOrderPoint:
            return "the peer's public key is a low-order point (all-zero shared secret)"
        case .invalidPublicKey:
            return "not a valid Ed25519 public key"
        case let .keyDerivationFailed(ops, mem):
            return "Argon2id failed with opsLimit \(ops) and memLimit \(mem) bytes"
        }
    }
}

@inline(__always)
func requireLength(_ what: String, _ actual: Int, _ expected: Int) throws(CryptoError) {
    if actual != expected {
        throw .invalidLength(what: what, expected: String(expected), actual: actual)
    }
}
