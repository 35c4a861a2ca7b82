/// Why a canonical encoding was rejected. Every decoding failure is one of these;
/// a decoder never traps on input and never allocates from an unchecked length.
public enum WireError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The input ended `needed` bytes short while reading at `offset`.
    case truncated(offset: Int, needed: Int)
    /// A complete value was decoded but `count` bytes were left over.
    case trailingBytes(offset: Int, count: Int)
    /// A LEB128 varint used more bytes than its value needs.
    case nonMinimalVarint(offset: Int)
    /// A LEB128 varint does not fit the integer it is read into.
    case varintOverflow(offset: Int)
    /// A length or element count is larger than the caller's cap.
    case lengthOverCap(offset: Int, length: UInt64, cap: Int)
    /// A boolean byte other than 0x00 or 0x01.
    case invalidBool(offset: Int, byte: UInt8)
    /// A string field whose bytes are not valid UTF-8.
    case invalidUTF8(offset: Int)
    /// A version field this implementation does not understand.
    case unsupportedVersion(type: String, version: UInt8)
    /// An enum tag (or type byte) with no meaning for `type`.
    case unknownTag(type: String, tag: UInt64)
    /// A value that is well-formed bytes but violates the type's own rule.
    case invalidValue(type: String, reason: String)

    public var description: String {
        switch self {
        case let .truncated(offset, needed):
            return "input truncated at byte \(offset): \(needed) more byte(s) needed"
        case let .trailingBytes(offset, count):
            return "\(count) trailing byte(s) after the value, starting at byte \(offset)"
        case let .nonMinimalVarint(offset):
            return "non-minimal varint at byte \(offset)"
        case let .varintOverflow(offset):
            return "varint at byte \(offset) overflows its integer type"
        case let .lengthOverCap(offset, length, cap):
            return "length \(length) at byte \(offset) exceeds the cap of \(cap)"
        case let .invalidBool(offset, byte):
            return "invalid boolean byte 0x\(String(byte, radix: 16)) at byte \(offset)"
        case let .invalidUTF8(offset):
            return "string at byte \(offset) is not valid UTF-8"
        case let .unsupportedVersion(type, version):
            return "unsupported \(type) version \(version)"
        case let .unknownTag(type, tag):
            return "unknown \(type) tag \(tag)"
        case let .invalidValue(type, reason):
            return "invalid \(type): \(reason)"
        }
    }
}
