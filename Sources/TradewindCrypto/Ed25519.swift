import CSodium
import TradewindWire

/// Ed25519 signatures: the identity of every peer and account.
public enum Ed25519 {
    public static let seedBytes = 32
    public static let publicKeyBytes = 32
    public static let signatureBytes = 64

    public struct Signature: Hashable, Sendable, ByteSource, CustomStringConvertible {
        public let bytes64: Bytes64

        public init(_ bytes64: Bytes64) { self.bytes64 = bytes64 }

        public init(bytes: some Collection<UInt8>) throws(CryptoError) {
            guard let value = Bytes64(bytes) else {
                throw .invalidLength(what: "Ed25519 signature", expected: "64", actual: bytes.count)
            }
            self.bytes64 = value
        }

        public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
            try bytes64.withUnsafeBytes(body)
        }

        public var description: String { bytes64.hex }
    }

    public struct PublicKey: Hashable, Comparable, Sendable, ByteSource, CustomStringConvertible {
        public let bytes32: Bytes32

        public init(_ bytes32: Bytes32) { self.bytes32 = bytes32 }

        public init(bytes: some Collection<UInt8>) throws(CryptoError) {
            guard let value = Bytes32(bytes) else {
                throw .invalidLength(what: "Ed25519 public key", expected: "32", actual: bytes.count)
            }
            self.bytes32 = value
        }

        public var address: Address { Address(publicKey: bytes32) }

        public static func < (lhs: PublicKey, rhs: PublicKey) -> Bool { lhs.bytes32 < rhs.bytes32 }

        public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
            try bytes32.withUnsafeBytes(body)
        }

        /// True when `signature` is a valid signature of `message` by this key.
        /// libsodium rejects non-canonical encodings and small-order keys.
        public func isValidSignature(_ signature: Signature, for message: some ByteSource) -> Bool {
            Sodium.ensureInitialized()
            return signature.withUnsafeBytes { sig in
                message.withUnsafeBytes { msg in
                    bytes32.withUnsafeBytes { key in
                        crypto_sign_verify_detached(
                            sig.baseOrEmpty, msg.baseOrEmpty, UInt64(msg.count), key.baseOrEmpty) == 0
                    }
                }
            }
        }

        /// The Montgomery-form key for X25519 (used as the Noise static key).
        public func curve25519() throws(CryptoError) -> X25519.PublicKey {
            Sodium.ensureInitialized()
            var status: Int32 = 0
            let converted = Bytes32 { output in
                bytes32.withUnsafeBytes { input in
                    status = crypto_sign_ed25519_pk_to_curve25519(
                        output.baseAddress!.assumingMemoryBound(to: UInt8.self), input.baseOrEmpty)
                }
            }
            guard status == 0 else { throw .invalidPublicKey }
            return X25519.PublicKey(converted)
        }

        public var description: String { address.description }
    }

    public struct PrivateKey: Sendable, CustomStringConvertible {
        /// libsodium's 64-byte secret key: the seed followed by the public key.
        private let secretKey: SecureBytes
        public let publicKey: PublicKey

        /// Deterministic key pair from a 32-byte seed.
        public init(seed: some ByteSource) throws(CryptoError) {
            Sodium.ensureInitialized()
            let seedCount = seed.withUnsafeBytes { $0.count }
            try requireLength("Ed25519 seed", seedCount, Ed25519.seedBytes)
            var publicBytes = Bytes32.zero
            secretKey = SecureBytes(count: 64) { secret in
                publicBytes = Bytes32 { publicOut in
                    seed.withUnsafeBytes { seedIn in
                        _ = crypto_sign_seed_keypair(
                            publicOut.baseAddress!.assumingMemoryBound(to: UInt8.self),
                            secret.baseAddress!.assumingMemoryBound(to: UInt8.self),
                            seedIn.baseOrEmpty)
                    }
                }
            }
            publicKey = PublicKey(publicBytes)
        }

        /// A new key pair from the system random source.
        public static func generate() -> PrivateKey {
            let seed = SecureBytes.random(count: Ed25519.seedBytes)
            // A 32-byte seed always has the right length.
            guard let key = try? PrivateKey(seed: seed) else {
                preconditionFailure("a 32-byte seed was rejected")
            }
            return key
        }

        /// The 32-byte seed this key was made from (for keystores).
        public var seed: SecureBytes { secretKey.slice(0..<Ed25519.seedBytes) }

        public func signature(for message: some ByteSource) -> Signature {
            var output = [UInt8](repeating: 0, count: Ed25519.signatureBytes)
            secretKey.withUnsafeBytes { secret in
                message.withUnsafeBytes { msg in
                    output.withUnsafeMutableBufferPointer { out in
                        _ = crypto_sign_detached(
                            out.baseAddress!, nil, msg.baseOrEmpty, UInt64(msg.count), secret.baseOrEmpty)
                    }
                }
            }
            // crypto_sign_detached always writes 64 bytes.
            return Signature(Bytes64(output) ?? .zero)
        }

        /// The X25519 private key for the same identity (the Noise static key).
        public func curve25519() -> X25519.PrivateKey {
            let secret = SecureBytes(count: X25519.keyBytes) { output in
                secretKey.withUnsafeBytes { input in
                    _ = crypto_sign_ed25519_sk_to_curve25519(
                        output.baseAddress!.assumingMemoryBound(to: UInt8.self), input.baseOrEmpty)
                }
            }
            return X25519.PrivateKey(validatedSecret: secret)
        }

        public var description: String { "Ed25519.PrivateKey(public: \(publicKey), secret redacted)" }
    }
}
