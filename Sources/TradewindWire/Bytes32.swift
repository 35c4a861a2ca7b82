/// Exactly 32 bytes, stored inline (no heap allocation): public keys, digests, ids.
///
/// Ordering is lexicographic over the bytes, the same order LMDB gives keys.
public struct Bytes32: Hashable, Comparable, Sendable {
    // The bytes in memory order; never interpreted as host-endian integers except
    // through `bigEndian` in comparisons.
    private var words: (UInt64, UInt64, UInt64, UInt64)

    public static let zero = Bytes32(words: (0, 0, 0, 0))
    public static let byteCount = 32

    private init(words: (UInt64, UInt64, UInt64, UInt64)) {
        self.words = words
    }

    /// Nil unless `bytes` holds exactly 32 bytes.
    public init?(_ bytes: some Collection<UInt8>) {
        guard bytes.count == Self.byteCount else { return nil }
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        Swift.withUnsafeMutableBytes(of: &words) { buffer in
            // Arrays and slices (nearly every caller) are copied in one move.
            let copied: Void? = bytes.withContiguousStorageIfAvailable { source in
                buffer.copyMemory(from: UnsafeRawBufferPointer(source))
            }
            if copied == nil {
                var index = 0
                for byte in bytes {
                    buffer[index] = byte
                    index += 1
                }
            }
        }
        self.words = words
    }

    /// Fills the 32 bytes through `body`, for C functions that write their output.
    public init(filling body: (UnsafeMutableRawBufferPointer) throws -> Void) rethrows {
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        try Swift.withUnsafeMutableBytes(of: &words, body)
        self.words = words
    }

    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try Swift.withUnsafeBytes(of: words, body)
    }

    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }
    public var hex: String { Hex.encode(bytes) }

    public static func == (lhs: Bytes32, rhs: Bytes32) -> Bool {
        lhs.words.0 == rhs.words.0 && lhs.words.1 == rhs.words.1
            && lhs.words.2 == rhs.words.2 && lhs.words.3 == rhs.words.3
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }

    public static func < (lhs: Bytes32, rhs: Bytes32) -> Bool {
        // Words hold bytes in memory order; reading them big-endian compares bytes in order.
        let left = (UInt64(bigEndian: lhs.words.0), UInt64(bigEndian: lhs.words.1),
                    UInt64(bigEndian: lhs.words.2), UInt64(bigEndian: lhs.words.3))
        let right = (UInt64(bigEndian: rhs.words.0), UInt64(bigEndian: rhs.words.1),
                     UInt64(bigEndian: rhs.words.2), UInt64(bigEndian: rhs.words.3))
        return left < right
    }
}

extension Bytes32: CustomStringConvertible {
    public var description: String { hex }
}

extension Bytes32: WireCodable {
    public func encode(to writer: inout WireWriter) {
        withUnsafeBytes { writer.writeFixed($0) }
    }

    public init(from reader: inout WireReader) throws(WireError) {
        let slice = try reader.readFixed(Self.byteCount)
        // readFixed returned exactly 32 bytes.
        self = Bytes32(slice) ?? .zero
    }
}
