/// A TAI64N timestamp (12 bytes: big-endian seconds + 2^62, then big-endian
/// nanoseconds), as WireGuard puts in its first handshake message. Leap seconds are
/// ignored: only the order of one sender's stamps matters.
public struct TAI64N: Comparable, Hashable, Sendable {
    public let seconds: UInt64
    public let nanoseconds: UInt32

    public static let byteCount = 12
    static let epochOffset: UInt64 = 1 << 62

    public init(unixNanoseconds: UInt64) {
        seconds = Self.epochOffset + unixNanoseconds / 1_000_000_000
        nanoseconds = UInt32(unixNanoseconds % 1_000_000_000)
    }

    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == Self.byteCount else { return nil }
        let array = Array(bytes)
        seconds = array[0..<8].reduce(0) { $0 << 8 | UInt64($1) }
        nanoseconds = array[8..<12].reduce(0) { $0 << 8 | UInt32($1) }
    }

    public var bytes: [UInt8] {
        withUnsafeBytes(of: seconds.bigEndian) { Array($0) } + withUnsafeBytes(of: nanoseconds.bigEndian) { Array($0) }
    }

    public var unixNanoseconds: UInt64 {
        (seconds &- Self.epochOffset) &* 1_000_000_000 &+ UInt64(nanoseconds)
    }

    public static func < (lhs: TAI64N, rhs: TAI64N) -> Bool {
        (lhs.seconds, lhs.nanoseconds) < (rhs.seconds, rhs.nanoseconds)
    }
}
