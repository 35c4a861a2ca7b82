import CSodium

/// Authenticated encryption with associated data. Both ciphers append a 16-byte
/// Poly1305 tag to the ciphertext.
public protocol AEADCipher {
    static var keyBytes: Int { get }
    static var nonceBytes: Int { get }
    static var tagBytes: Int { get }
    static var name: String { get }

    /// Encrypts `plaintext` into `output` (exactly plaintext.count + tagBytes long).
    static func seal(
        into output: UnsafeMutableRawBufferPointer, plaintext: UnsafeRawBufferPointer,
        associatedData: UnsafeRawBufferPointer, nonce: UnsafeRawBufferPointer, key: UnsafeRawBufferPointer
    ) -> Int32

    /// Decrypts `ciphertext` (with tag) into `output` (exactly ciphertext.count - tagBytes long).
    static func open(
        into output: UnsafeMutableRawBufferPointer, ciphertext: UnsafeRawBufferPointer,
        associatedData: UnsafeRawBufferPointer, nonce: UnsafeRawBufferPointer, key: UnsafeRawBufferPointer
    ) -> Int32
}

extension AEADCipher {
    private static func check(key: some ByteSource, nonce: some ByteSource) throws(CryptoError) {
        try requireLength("\(name) key", key.withUnsafeBytes { $0.count }, keyBytes)
        try requireLength("\(name) nonce", nonce.withUnsafeBytes { $0.count }, nonceBytes)
    }

    /// Ciphertext followed by the tag.
    public static func seal(
        _ plaintext: some ByteSource, key: some ByteSource, nonce: some ByteSource,
        associatedData: some ByteSource = [UInt8]()
    ) throws(CryptoError) -> [UInt8] {
        Sodium.ensureInitialized()
        try check(key: key, nonce: nonce)
        let plainCount = plaintext.withUnsafeBytes { $0.count }
        var output = [UInt8](repeating: 0, count: plainCount + tagBytes)
        output.withUnsafeMutableBytes { out in
            plaintext.withUnsafeBytes { plain in
                associatedData.withUnsafeBytes { ad in
                    nonce.withUnsafeBytes { n in
                        key.withUnsafeBytes { k in
                            _ = seal(into: out, plaintext: plain, associatedData: ad, nonce: n, key: k)
                        }
                    }
                }
            }
        }
        return output
    }

    /// The plaintext, or `.authenticationFailed` if anything was altered.
    public static func open(
        _ ciphertext: some ByteSource, key: some ByteSource, nonce: some ByteSource,
        associatedData: some ByteSource = [UInt8]()
    ) throws(CryptoError) -> [UInt8] {
        Sodium.ensureInitialized()
        try check(key: key, nonce: nonce)
        let cipherCount = ciphertext.withUnsafeBytes { $0.count }
        guard cipherCount >= tagBytes else { throw .authenticationFailed }
        var output = [UInt8](repeating: 0, count: cipherCount - tagBytes)
        let status = output.withUnsafeMutableBytes { out in
            ciphertext.withUnsafeBytes { cipher in
                associatedData.withUnsafeBytes { ad in
                    nonce.withUnsafeBytes { n in
                        key.withUnsafeBytes { k in
                            open(into: out, ciphertext: cipher, associatedData: ad, nonce: n, key: k)
                        }
                    }
                }
            }
        }
        guard status == 0 else { throw .authenticationFailed }
        return output
    }
}

/// ChaCha20-Poly1305 as in RFC 8439 (the "IETF" construction, 96-bit nonce): Noise's ChaChaPoly.
public enum ChaChaPoly: AEADCipher {
    public static let keyBytes = 32
    public static let nonceBytes = 12
    public static let tagBytes = 16
    public static let name = "ChaCha20-Poly1305"

    public static func seal(
        into output: UnsafeMutableRawBufferPointer, plaintext: UnsafeRawBufferPointer,
        associatedData: UnsafeRawBufferPointer, nonce: UnsafeRawBufferPointer, key: UnsafeRawBufferPointer
    ) -> Int32 {
        precondition(output.count == plaintext.count + tagBytes && nonce.count == nonceBytes && key.count == keyBytes)
        return crypto_aead_chacha20poly1305_ietf_encrypt(
            output.baseAddress!.assumingMemoryBound(to: UInt8.self), nil,
            plaintext.baseOrEmpty, UInt64(plaintext.count),
            associatedData.baseOrEmpty, UInt64(associatedData.count),
            nil, nonce.baseOrEmpty, key.baseOrEmpty)
    }

    public static func open(
        into output: UnsafeMutableRawBufferPointer, ciphertext: UnsafeRawBufferPointer,
        associatedData: UnsafeRawBufferPointer, nonce: UnsafeRawBufferPointer, key: UnsafeRawBufferPointer
    ) -> Int32 {
        guard ciphertext.count >= tagBytes, output.count == ciphertext.count - tagBytes,
              nonce.count == nonceBytes, key.count == keyBytes else { return -1 }
        return crypto_aead_chacha20poly1305_ietf_decrypt(
            output.baseAddress.map { $0.assumingMemoryBound(to: UInt8.self) }, nil, nil,
            ciphertext.baseOrEmpty, UInt64(ciphertext.count),
            associatedData.baseOrEmpty, UInt64(associatedData.count),
            nonce.baseOrEmpty, key.baseOrEmpty)
    }
}

/// XChaCha20-Poly1305 (192-bit random-safe nonce): used by the keystore.
public enum XChaChaPoly: AEADCipher {
    public static let keyBytes = 32
    public static let nonceBytes = 24
    public static let tagBytes = 16
    public static let name = "XChaCha20-Poly1305"

    public static func seal(
        into output: UnsafeMutableRawBufferPointer, plaintext: UnsafeRawBufferPointer,
        associatedData: UnsafeRawBufferPointer, nonce: UnsafeRawBufferPointer, key: UnsafeRawBufferPointer
    ) -> Int32 {
        precondition(output.count == plaintext.count + tagBytes && nonce.count == nonceBytes && key.count == keyBytes)
        return crypto_aead_xchacha20poly1305_ietf_encrypt(
            output.baseAddress!.assumingMemoryBound(to: UInt8.self), nil,
            plaintext.baseOrEmpty, UInt64(plaintext.count),
            associatedData.baseOrEmpty, UInt64(associatedData.count),
            nil, nonce.baseOrEmpty, key.baseOrEmpty)
    }

    public static func open(
        into output: UnsafeMutableRawBufferPointer, ciphertext: UnsafeRawBufferPointer,
        associatedData: UnsafeRawBufferPointer, nonce: UnsafeRawBufferPointer, key: UnsafeRawBufferPointer
    ) -> Int32 {
        guard ciphertext.count >= tagBytes, output.count == ciphertext.count - tagBytes,
              nonce.count == nonceBytes, key.count == keyBytes else { return -1 }
        return crypto_aead_xchacha20poly1305_ietf_decrypt(
            output.baseAddress.map { $0.assumingMemoryBound(to: UInt8.self) }, nil, nil,
            ciphertext.baseOrEmpty, UInt64(ciphertext.count),
            associatedData.baseOrEmpty, UInt64(associatedData.count),
            nonce.baseOrEmpty, key.baseOrEmpty)
    }
}
