import CSodium
import TradewindWire

/// The system's cryptographic random source (libsodium's `randombytes`).
/// Protocol cores never call this themselves; their shells inject randomness.
public enum SecureRandom {
    public static func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        Sodium.ensureInitialized()
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        randombytes_buf(base, buffer.count)
    }

    public static func bytes(count: Int) -> [UInt8] {
        var result = [UInt8](repeating: 0, count: count)
        result.withUnsafeMutableBytes { fill($0) }
        return result
    }

    public static func bytes32() -> Bytes32 {
        Bytes32 { fill($0) }
    }

    public static func uint32() -> UInt32 {
        Sodium.ensureInitialized()
        return randombytes_random()
    }

    public static func uint64() -> UInt64 {
        var value: UInt64 = 0
        withUnsafeMutableBytes(of: &value) { fill($0) }
        return value
    }
}
