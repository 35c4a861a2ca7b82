/// Exactly 64 bytes stored inline: Ed25519 signatures, BLAKE2b-512 digests.
public struct Bytes64: Hashable, Sendable {
    public var low: Bytes32
    public var high: Bytes32

    public static let byteCount = 64
    public static let zero = Bytes64(low: .zero, high: .zero)

    public init(low: Bytes32, high: Bytes32) {
        self.low = low
        self.high = high
    }

    /// Nil unless `bytes` holds exactly 64 bytes.
    public init?(_ bytes: some Collection<UInt8>) {
        guard bytes.count == Self.byteCount else { return nil }
        let array = Array(bytes)
        guard let low = Bytes32(array[0..<32]), let high = Bytes32(array[32..<64]) else { return nil }
        self.init(low: low, high: high)
    }

    public var bytes: [UInt8] { low.bytes + high.bytes }
    public var hex: String { Hex.encode(bytes) }

    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try bytes.withUnsafeBytes(body)
    }
}

extension Bytes64: CustomStringConvertible {
    public var description: String { hex }
}

extension Bytes64: WireCodable {
    public func encode(to writer: inout WireWriter) {
        low.encode(to: &writer)
        high.encode(to: &writer)
    }

    public init(from reader: inout WireReader) throws(WireError) {
        let low = try Bytes32(from: &reader)
        let high = try Bytes32(from: &reader)
        self.init(low: low, high: high)
    }
}
