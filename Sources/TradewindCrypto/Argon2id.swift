import CSodium

/// Argon2id (libsodium's `crypto_pwhash`, version 1.3): turns a passphrase into a key.
public enum Argon2id {
    public static let saltBytes = 16

    /// CPU and memory cost. Values read from a file are checked against `acceptable`
    /// first: a forged file must not make us allocate gigabytes or spin for hours.
    public struct Limits: Hashable, Sendable, Codable {
        public var opsLimit: UInt64
        public var memLimitBytes: UInt64

        public init(opsLimit: UInt64, memLimitBytes: UInt64) {
            self.opsLimit = opsLimit
            self.memLimitBytes = memLimitBytes
        }

        /// libsodium's "interactive" profile (2 passes, 64 MiB): the default for keys.
        public static let interactive = Limits(opsLimit: 2, memLimitBytes: 64 << 20)
        /// The cheapest Argon2id allows (1 pass, 8 KiB): for tests only.
        public static let minimum = Limits(opsLimit: 1, memLimitBytes: 8 << 10)

        public static let acceptableOps: ClosedRange<UInt64> = 1...16
        public static let acceptableMemory: ClosedRange<UInt64> = (8 << 10)...(1 << 30)

        public var isAcceptable: Bool {
            Self.acceptableOps.contains(opsLimit) && Self.acceptableMemory.contains(memLimitBytes)
        }
    }

    /// Derives `outputLength` secret bytes from `passphrase` and a 16-byte `salt`.
    public static func deriveKey(
        passphrase: some ByteSource, salt: some ByteSource, limits: Limits, outputLength: Int = 32
    ) throws(CryptoError) -> SecureBytes {
        Sodium.ensureInitialized()
        try requireLength("Argon2id salt", salt.withUnsafeBytes { $0.count }, saltBytes)
        guard limits.isAcceptable else {
            throw .keyDerivationFailed(opsLimit: limits.opsLimit, memLimitBytes: limits.memLimitBytes)
        }
        var status: Int32 = 0
        let key = SecureBytes(count: outputLength) { output in
            passphrase.withUnsafeBytes { password in
                salt.withUnsafeBytes { saltBuffer in
                    status = crypto_pwhash(
                        output.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt64(outputLength),
                        UnsafeRawPointer(password.baseOrEmpty).assumingMemoryBound(to: CChar.self),
                        UInt64(password.count), saltBuffer.baseOrEmpty,
                        limits.opsLimit, Int(limits.memLimitBytes), crypto_pwhash_ALG_ARGON2ID13)
                }
            }
        }
        guard status == 0 else {
            throw .keyDerivationFailed(opsLimit: limits.opsLimit, memLimitBytes: limits.memLimitBytes)
        }
        return key
    }
}
