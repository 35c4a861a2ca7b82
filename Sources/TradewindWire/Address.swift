/// An account: its Ed25519 public key. Written for people as Bech32m with the
/// prefix "tw", so a mistyped character is caught by the checksum.
public struct Address: Hashable, Comparable, Sendable {
    public static let prefix = "tw"

    public let publicKey: Bytes32

    public init(publicKey: Bytes32) {
        self.publicKey = publicKey
    }

    public static func < (lhs: Address, rhs: Address) -> Bool { lhs.publicKey < rhs.publicKey }

    /// Parses "tw1…"; the error names what is wrong with the offending text.
    public init(parsing text: String) throws(AddressError) {
        let decoded: (prefix: String, data: [UInt8])
        do {
            decoded = try Bech32m.decode(text)
        } catch {
            throw AddressError(text: text, reason: error.description)
        }
        guard decoded.prefix == Self.prefix else {
            throw AddressError(text: text, reason: "prefix is '\(decoded.prefix)', expected '\(Self.prefix)'")
        }
        guard let key = Bytes32(decoded.data) else {
            throw AddressError(text: text, reason: "holds \(decoded.data.count) bytes, expected 32")
        }
        self.publicKey = key
    }
}

public struct AddressError: Error, Equatable, Sendable, CustomStringConvertible {
    public let text: String
    public let reason: String

    public var description: String { "invalid address '\(text)': \(reason)" }
}

extension Address: CustomStringConvertible {
    public var description: String { Bech32m.encode(prefix: Self.prefix, data: publicKey.bytes) }
}

extension Address: WireCodable {
    public func encode(to writer: inout WireWriter) { publicKey.encode(to: &writer) }
    public init(from reader: inout WireReader) throws(WireError) { publicKey = try Bytes32(from: &reader) }
}
