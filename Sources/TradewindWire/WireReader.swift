/// Reads canonical encodings strictly: every read checks the remaining length first,
/// varints must be minimal, and lengths are compared with a caller-given cap before
/// anything is allocated.
public struct WireReader: Sendable {
    public let bytes: [UInt8]
    public private(set) var offset: Int

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
        self.offset = 0
    }

    public var remaining: Int { bytes.count - offset }
    public var isAtEnd: Bool { offset == bytes.count }

    /// Fails with `.trailingBytes` unless every byte has been consumed.
    public func expectEnd() throws(WireError) {
        if !isAtEnd { throw .trailingBytes(offset: offset, count: remaining) }
    }

    private func require(_ count: Int) throws(WireError) {
        if count > remaining { throw .truncated(offset: offset, needed: count - remaining) }
    }

    public mutating func readUInt8() throws(WireError) -> UInt8 {
        try require(1)
        defer { offset += 1 }
        return bytes[offset]
    }

    private mutating func readBigEndian<T: FixedWidthInteger>(_: T.Type) throws(WireError) -> T {
        let size = MemoryLayout<T>.size
        try require(size)
        var value: T = 0
        for index in offset..<(offset + size) {
            value = (value << 8) | T(bytes[index])
        }
        offset += size
        return value
    }

    public mutating func readUInt16() throws(WireError) -> UInt16 { try readBigEndian(UInt16.self) }
    public mutating func readUInt32() throws(WireError) -> UInt32 { try readBigEndian(UInt32.self) }
    public mutating func readUInt64() throws(WireError) -> UInt64 { try readBigEndian(UInt64.self) }

    /// A minimal unsigned LEB128 value of at most 64 bits.
    public mutating func readVarint() throws(WireError) -> UInt64 {
        let start = offset
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard offset < bytes.count else { throw .truncated(offset: offset, needed: 1) }
            let byte = bytes[offset]
            offset += 1
            let group = UInt64(byte & 0x7f)
            // The tenth byte may carry only the top bit of a UInt64.
            if shift == 63 && group > 1 { throw .varintOverflow(offset: start) }
            value |= group << shift
            if byte & 0x80 == 0 {
                // A final zero group after the first byte means a shorter form existed.
                if byte == 0 && offset - start > 1 { throw .nonMinimalVarint(offset: start) }
                return value
            }
            shift += 7
            if shift > 63 { throw .varintOverflow(offset: start) }
        }
    }

    /// A varint that must not exceed `cap`; the result fits an `Int`.
    public mutating func readLength(cap: Int) throws(WireError) -> Int {
        let start = offset
        let length = try readVarint()
        guard length <= UInt64(max(cap, 0)) else {
            throw .lengthOverCap(offset: start, length: length, cap: cap)
        }
        return Int(length)
    }

    public mutating func readBool() throws(WireError) -> Bool {
        let start = offset
        switch try readUInt8() {
        case 0: return false
        case 1: return true
        case let byte: throw .invalidBool(offset: start, byte: byte)
        }
    }

    /// Exactly `count` raw bytes.
    public mutating func readFixed(_ count: Int) throws(WireError) -> ArraySlice<UInt8> {
        try require(count)
        defer { offset += count }
        return bytes[offset..<(offset + count)]
    }

    /// A length-prefixed byte string of at most `maxCount` bytes.
    public mutating func readBytes(maxCount: Int) throws(WireError) -> [UInt8] {
        let count = try readLength(cap: maxCount)
        return Array(try readFixed(count))
    }

    /// A length-prefixed UTF-8 string of at most `maxBytes` bytes.
    public mutating func readString(maxBytes: Int) throws(WireError) -> String {
        let start = offset
        let count = try readLength(cap: maxBytes)
        let raw = try readFixed(count)
        guard let string = String(validating: raw, as: UTF8.self) else {
            throw .invalidUTF8(offset: start)
        }
        return string
    }

    /// A count-prefixed array of at most `maxCount` elements. Capacity is reserved
    /// only up to the bytes that remain, so a forged count cannot force an allocation.
    public mutating func readArray<Element>(
        maxCount: Int,
        _ readElement: (inout WireReader) throws(WireError) -> Element
    ) throws(WireError) -> [Element] {
        let count = try readLength(cap: maxCount)
        var elements: [Element] = []
        elements.reserveCapacity(min(count, remaining))
        for _ in 0..<count {
            elements.append(try readElement(&self))
        }
        return elements
    }

    public mutating func readOptional<Wrapped>(
        _ readWrapped: (inout WireReader) throws(WireError) -> Wrapped
    ) throws(WireError) -> Wrapped? {
        try readBool() ? try readWrapped(&self) : nil
    }

    /// A one-byte version field that must be one of `supported`.
    public mutating func readVersion(of type: String, supported: ClosedRange<UInt8>) throws(WireError) -> UInt8 {
        let version = try readUInt8()
        guard supported.contains(version) else { throw .unsupportedVersion(type: type, version: version) }
        return version
    }

    public mutating func read<T: WireDecodable>(_: T.Type = T.self) throws(WireError) -> T {
        try T(from: &self)
    }
}
