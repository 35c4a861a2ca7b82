import CSodium
import TradewindWire

/// BLAKE2b (RFC 7693) through libsodium's `crypto_generichash`: outputs of 16 to 64
/// bytes, optionally keyed with 16 to 64 bytes.
public enum Blake2b {
    public static let minOutputBytes = 16
    public static let maxOutputBytes = 64
    public static let minKeyBytes = 16
    public static let maxKeyBytes = 64
    public static let blockBytes = 128

    static func check(outputLength: Int, keyLength: Int) throws(CryptoError) {
        guard (minOutputBytes...maxOutputBytes).contains(outputLength) else {
            throw .invalidLength(what: "BLAKE2b output", expected: "16...64", actual: outputLength)
        }
        guard keyLength == 0 || (minKeyBytes...maxKeyBytes).contains(keyLength) else {
            throw .invalidLength(what: "BLAKE2b key", expected: "0 or 16...64", actual: keyLength)
        }
    }

    /// One-shot hash of `data`.
    public static func hash(
        _ data: some ByteSource, outputLength: Int = 32, key: (some ByteSource)? = [UInt8]?.none
    ) throws(CryptoError) -> [UInt8] {
        Sodium.ensureInitialized()
        let keyLength = key?.withUnsafeBytes { $0.count } ?? 0
        try check(outputLength: outputLength, keyLength: keyLength)
        var output = [UInt8](repeating: 0, count: outputLength)
        output.withUnsafeMutableBytes { out in
            data.withUnsafeBytes { input in
                rawHash(into: out, input: input, key: key)
            }
        }
        return output
    }

    private static func rawHash(
        into output: UnsafeMutableRawBufferPointer, input: UnsafeRawBufferPointer, key: (some ByteSource)?
    ) {
        if let key {
            key.withUnsafeBytes { k in
                _ = crypto_generichash(
                    output.baseAddress!.assumingMemoryBound(to: UInt8.self), output.count,
                    input.baseOrEmpty, UInt64(input.count), k.baseOrEmpty, k.count)
            }
        } else {
            _ = crypto_generichash(
                output.baseAddress!.assumingMemoryBound(to: UInt8.self), output.count,
                input.baseOrEmpty, UInt64(input.count), nil, 0)
        }
    }

    /// BLAKE2b-256: ids, roots and signing digests.
    public static func hash256(_ data: some ByteSource) -> Bytes32 {
        Sodium.ensureInitialized()
        return Bytes32 { output in
            data.withUnsafeBytes { input in rawHash(into: output, input: input, key: [UInt8]?.none) }
        }
    }

    /// BLAKE2b-512: Noise's HASH.
    public static func hash512(_ data: some ByteSource) -> Bytes64 {
        Sodium.ensureInitialized()
        var output = [UInt8](repeating: 0, count: 64)
        output.withUnsafeMutableBytes { out in
            data.withUnsafeBytes { input in rawHash(into: out, input: input, key: [UInt8]?.none) }
        }
        return Bytes64(output) ?? .zero
    }
}

/// Streaming BLAKE2b. Non-copyable, so a state is finalised exactly once; its memory
/// (which may hold key material) is zeroed when it goes away.
public struct Blake2bHasher: ~Copyable {
    private let state: UnsafeMutableRawPointer
    private let stateBytes: Int
    public let outputLength: Int

    public init(outputLength: Int = 32, key: (some ByteSource)? = [UInt8]?.none) throws(CryptoError) {
        Sodium.ensureInitialized()
        let keyLength = key?.withUnsafeBytes { $0.count } ?? 0
        try Blake2b.check(outputLength: outputLength, keyLength: keyLength)
        stateBytes = tw_generichash_statebytes()
        state = UnsafeMutableRawPointer.allocate(byteCount: stateBytes, alignment: tw_generichash_statealignment())
        self.outputLength = outputLength
        if let key {
            key.withUnsafeBytes { k in _ = tw_generichash_init(state, k.baseOrEmpty, k.count, outputLength) }
        } else {
            _ = tw_generichash_init(state, nil, 0, outputLength)
        }
    }

    public mutating func update(_ data: some ByteSource) {
        data.withUnsafeBytes { input in
            _ = tw_generichash_update(state, input.baseOrEmpty, UInt64(input.count))
        }
    }

    public consuming func finalize() -> [UInt8] {
        var output = [UInt8](repeating: 0, count: outputLength)
        output.withUnsafeMutableBufferPointer { out in
            _ = tw_generichash_final(state, out.baseAddress, outputLength)
        }
        return output
    }

    deinit {
        sodium_memzero(state, stateBytes)
        state.deallocate()
    }
}
