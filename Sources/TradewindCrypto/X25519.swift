import CSodium
import TradewindWire

/// X25519 Diffie-Hellman, as Noise's DH function "25519".
public enum X25519 {
    public static let keyBytes = 32

    public struct PublicKey: Hashable, Sendable, ByteSource, CustomStringConvertible {
        public let bytes32: Bytes32

        public init(_ bytes32: Bytes32) { self.bytes32 = bytes32 }

        public init(bytes: some Collection<UInt8>) throws(CryptoError) {
            guard let value = Bytes32(bytes) else {
                throw .invalidLength(what: "X25519 public key", expected: "32", actual: bytes.count)
            }
            self.bytes32 = value
        }

        public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
            try bytes32.withUnsafeBytes(body)
        }

        public var description: String { bytes32.hex }
    }

    public struct PrivateKey: Sendable, CustomStringConvertible {
        private let secret: SecureBytes
        public let publicKey: PublicKey

        init(validatedSecret secret: SecureBytes) {
            Sodium.ensureInitialized()
            self.secret = secret
            publicKey = PublicKey(Bytes32 { output in
                secret.withUnsafeBytes { input in
                    _ = crypto_scalarmult_base(
                        output.baseAddress!.assumingMemoryBound(to: UInt8.self), input.baseOrEmpty)
                }
            })
        }

        /// A private key from 32 secret bytes (clamping happens inside X25519).
        public init(secretBytes: some ByteSource) throws(CryptoError) {
            let count = secretBytes.withUnsafeBytes { $0.count }
            try requireLength("X25519 private key", count, X25519.keyBytes)
            self.init(validatedSecret: SecureBytes(copying: secretBytes))
        }

        public static func generate() -> PrivateKey {
            PrivateKey(validatedSecret: SecureBytes.random(count: X25519.keyBytes))
        }

        /// The raw secret bytes (for Noise test vectors and key files).
        public var secretBytes: SecureBytes { secret }

        /// X25519(self, peer). An all-zero result (a low-order peer key) is refused:
        /// it would let a peer force a known shared secret.
        public func sharedSecret(with peer: PublicKey) throws(CryptoError) -> SecureBytes {
            var status: Int32 = 0
            let shared = SecureBytes(count: X25519.keyBytes) { output in
                secret.withUnsafeBytes { scalar in
                    peer.bytes32.withUnsafeBytes { point in
                        status = crypto_scalarmult(
                            output.baseAddress!.assumingMemoryBound(to: UInt8.self),
                            scalar.baseOrEmpty, point.baseOrEmpty)
                    }
                }
            }
            guard status == 0 else { throw .lowOrderPoint }
            return shared
        }

        public var description: String { "X25519.PrivateKey(public: \(publicKey), secret redacted)" }
    }
}
