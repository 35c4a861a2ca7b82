import CSodium

/// HMAC and HKDF over BLAKE2b-512 exactly as the Noise Protocol Framework
/// (revision 34, §4.3) defines them: HASHLEN = 64, BLOCKLEN = 128. libsodium has
/// neither, so they are built here from the hash.
public enum HMACBlake2b {
    public static let outputBytes = 64

    /// HMAC-BLAKE2b(key, data) per RFC 2104; the result is secret when the key is.
    public static func authenticationCode(key: some ByteSource, data: some ByteSource) -> SecureBytes {
        SecureBytes(count: outputBytes) { output in
            key.withUnsafeBytes { keyBuffer in
                data.withUnsafeBytes { dataBuffer in
                    compute(into: output, key: keyBuffer, data: [dataBuffer])
                }
            }
        }
    }

    /// HMAC over the concatenation of `data` parts, without joining them.
    static func compute(
        into output: UnsafeMutableRawBufferPointer, key: UnsafeRawBufferPointer, data: [UnsafeRawBufferPointer]
    ) {
        Sodium.ensureInitialized()
        let blockBytes = Blake2b.blockBytes
        withUnsafeTemporaryAllocation(byteCount: blockBytes * 2 + outputBytes, alignment: 16) { scratch in
            let paddedKey = UnsafeMutableRawBufferPointer(rebasing: scratch[0..<blockBytes])
            let pad = UnsafeMutableRawBufferPointer(rebasing: scratch[blockBytes..<(2 * blockBytes)])
            let inner = UnsafeMutableRawBufferPointer(rebasing: scratch[(2 * blockBytes)...])
            paddedKey.initializeMemory(as: UInt8.self, repeating: 0)
            if key.count > blockBytes {
                _ = crypto_generichash(
                    paddedKey.baseAddress!.assumingMemoryBound(to: UInt8.self), outputBytes,
                    key.baseOrEmpty, UInt64(key.count), nil, 0)
            } else if key.count > 0 {
                paddedKey.copyMemory(from: key)
            }
            // Inner hash: H((K ^ ipad) || data).
            for index in 0..<blockBytes { pad[index] = paddedKey[index] ^ 0x36 }
            var innerHasher = uncheckedHasher()
            innerHasher.update(UnsafeRawBufferPointer(pad))
            for part in data { innerHasher.update(part) }
            innerHasher.finalize(into: inner)
            // Outer hash: H((K ^ opad) || inner).
            for index in 0..<blockBytes { pad[index] = paddedKey[index] ^ 0x5c }
            var outerHasher = uncheckedHasher()
            outerHasher.update(UnsafeRawBufferPointer(pad))
            outerHasher.update(UnsafeRawBufferPointer(inner))
            outerHasher.finalize(into: output)
            sodium_memzero(scratch.baseAddress, scratch.count)
        }
    }

    private static func uncheckedHasher() -> RawBlake2b512 { RawBlake2b512() }
}

/// HKDF(chaining_key, input_key_material, num_outputs) from the Noise spec: two or
/// three 64-byte outputs.
public enum NoiseHKDF {
    public static func derive(
        chainingKey: some ByteSource, inputKeyMaterial: some ByteSource, outputs: Int
    ) -> [SecureBytes] {
        precondition(outputs == 2 || outputs == 3, "Noise's HKDF yields two or three outputs")
        let tempKey = HMACBlake2b.authenticationCode(key: chainingKey, data: inputKeyMaterial)
        var results: [SecureBytes] = []
        var counter: UInt8 = 1
        while results.count < outputs {
            let previous = results.last
            let output = SecureBytes(count: HMACBlake2b.outputBytes) { out in
                tempKey.withUnsafeBytes { key in
                    withUnsafeBytes(of: counter) { counterByte in
                        if let previous {
                            previous.withUnsafeBytes { prev in
                                HMACBlake2b.compute(into: out, key: key, data: [prev, counterByte])
                            }
                        } else {
                            HMACBlake2b.compute(into: out, key: key, data: [counterByte])
                        }
                    }
                }
            }
            results.append(output)
            counter += 1
        }
        return results
    }
}

/// An unkeyed BLAKE2b-512 state on the heap, for HMAC's internal hashing of raw buffers.
private struct RawBlake2b512: ~Copyable {
    private let state: UnsafeMutableRawPointer
    private let stateBytes: Int

    init() {
        stateBytes = tw_generichash_statebytes()
        state = UnsafeMutableRawPointer.allocate(byteCount: stateBytes, alignment: tw_generichash_statealignment())
        _ = tw_generichash_init(state, nil, 0, 64)
    }

    mutating func update(_ data: UnsafeRawBufferPointer) {
        _ = tw_generichash_update(state, data.baseOrEmpty, UInt64(data.count))
    }

    consuming func finalize(into output: UnsafeMutableRawBufferPointer) {
        _ = tw_generichash_final(state, output.baseAddress!.assumingMemoryBound(to: UInt8.self), 64)
    }

    deinit {
        sodium_memzero(state, stateBytes)
        state.deallocate()
    }
}
