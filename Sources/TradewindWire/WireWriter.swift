/// Appends the canonical encoding of values to a byte buffer.
///
/// Fixed-width integers are big-endian (network order); variable-length integers are
/// minimal unsigned LEB128; byte strings, strings and arrays are prefixed by their
/// length (or element count) as a varint. docs/PROTOCOL.md gives the exact bytes.
public struct WireWriter: Sendable {
    public private(set) var bytes: [UInt8]

    public init(reservingCapacity capacity: Int = 64) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public var count: Int { bytes.count }

    public mutating func writeUInt8(_ value: UInt8) {
        bytes.append(value)
    }

    public mutating func writeUInt16(_ value: UInt16) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func writeUInt32(_ value: UInt32) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func writeUInt64(_ value: UInt64) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    /// Minimal unsigned LEB128: seven bits per byte, least significant group first,
    /// the high bit set on every byte but the last.
    public mutating func writeVarint(_ value: UInt64) {
        var remaining = value
        while remaining >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: remaining) | 0x80)
            remaining >>= 7
        }
        bytes.append(UInt8(remaining))
    }

    public mutating func writeBool(_ value: Bool) {
        bytes.append(value ? 1 : 0)
    }

    /// Raw bytes with no length prefix, for fixed-size fields.
    public mutating func writeFixed(_ value: some Sequence<UInt8>) {
        bytes.append(contentsOf: value)
    }

    /// A varint length followed by the bytes.
    public mutating func writeBytes(_ value: some Collection<UInt8>) {
        writeVarint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    /// UTF-8 bytes with a varint length.
    public mutating func writeString(_ value: String) {
        writeBytes(Array(value.utf8))
    }

    /// A varint element count followed by each element's encoding.
    public mutating func writeArray<Element>(
        _ elements: some Collection<Element>,
        _ writeElement: (inout WireWriter, Element) -> Void
    ) {
        writeVarint(UInt64(elements.count))
        for element in elements { writeElement(&self, element) }
    }

    /// 0x00 for none; 0x01 followed by the value for some.
    public mutating func writeOptional<Wrapped>(
        _ value: Wrapped?,
        _ writeWrapped: (inout WireWriter, Wrapped) -> Void
    ) {
        if let value {
            bytes.append(1)
            writeWrapped(&self, value)
        } else {
            bytes.append(0)
        }
    }

    public mutating func write(_ value: some WireEncodable) {
        value.encode(to: &self)
    }
}
