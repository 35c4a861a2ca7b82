import TradewindCrypto
import TradewindWire

/// Noise's CipherState (§5.1) with ChaChaPoly: a key and a 64-bit nonce. The nonce
/// of ChaChaPoly is 32 zero bits followed by the counter, little-endian.
public struct CipherState: Sendable {
    public static let maxNonce = UInt64.max // reserved by the spec

    public private(set) var key: SecureBytes?
    public var nonce: UInt64 = 0

    public init(key: SecureBytes? = nil) {
        self.key = key
    }

    public var hasKey: Bool { key != nil }

    public static func nonceBytes(_ counter: UInt64) -> [UInt8] {
        withNonce(counter) { Array($0) }
    }

    /// The 12-byte nonce for `counter`, on the stack: the datagram hot path seals
    /// and opens with it without allocating.
    static func withNonce<R>(_ counter: UInt64, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        withUnsafeTemporaryAllocation(byteCount: 12, alignment: 4) { bytes in
            bytes.storeBytes(of: 0, toByteOffset: 0, as: UInt32.self)
            bytes.storeBytes(of: counter.littleEndian, toByteOffset: 4, as: UInt64.self)
            return body(UnsafeRawBufferPointer(bytes))
        }
    }

    /// Encrypts with the current nonce and advances it; without a key, returns the plaintext.
    public mutating func encrypt(associatedData: some ByteSource, plaintext: some ByteSource) throws(NoiseError) -> [UInt8] {
        guard let key else { return plaintext.withUnsafeBytes { Array($0) } }
        guard nonce != Self.maxNonce else { throw .nonceExhausted }
        let result = try Self.encrypt(key: key, nonce: nonce, associatedData: associatedData, plaintext: plaintext)
        nonce += 1
        return result
    }

    /// Decrypts with the current nonce and advances it only on success.
    public mutating func decrypt(associatedData: some ByteSource, ciphertext: some ByteSource) throws(NoiseError) -> [UInt8] {
        guard let key else { return ciphertext.withUnsafeBytes { Array($0) } }
        guard nonce != Self.maxNonce else { throw .nonceExhausted }
        let result = try Self.decrypt(key: key, nonce: nonce, associatedData: associatedData, ciphertext: ciphertext)
        nonce += 1
        return result
    }

    /// ENCRYPT(k, n, ad, plaintext) with an explicit nonce (for UDP, where the
    /// counter travels with each datagram).
    public static func encrypt(
        key: SecureBytes, nonce: UInt64, associatedData: some ByteSource, plaintext: some ByteSource
    ) throws(NoiseError) -> [UInt8] {
        do {
            return try ChaChaPoly.seal(plaintext, key: key, nonce: nonceBytes(nonce), associatedData: associatedData)
        } catch {
            throw .decryptionFailed
        }
    }

    public static func decrypt(
        key: SecureBytes, nonce: UInt64, associatedData: some ByteSource, ciphertext: some ByteSource
    ) throws(NoiseError) -> [UInt8] {
        do {
            return try ChaChaPoly.open(ciphertext, key: key, nonce: nonceBytes(nonce), associatedData: associatedData)
        } catch {
            throw .decryptionFailed
        }
    }

    /// REKEY(k) (§4.2): the first 32 bytes of ENCRYPT(k, maxnonce, zerolen, zeros).
    public mutating func rekey() {
        guard let key else { return }
        let zeros = [UInt8](repeating: 0, count: 32)
        if let output = try? Self.encrypt(key: key, nonce: Self.maxNonce, associatedData: [UInt8](), plaintext: zeros) {
            self.key = SecureBytes(copying: Array(output.prefix(32)))
        }
    }
}
