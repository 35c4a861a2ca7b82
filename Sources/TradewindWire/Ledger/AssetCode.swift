/// An asset's code: 1 to 12 characters, A–Z and 0–9 (for example "USD", "EURC").
public struct AssetCode: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public static let maxLength = 12
    public let rawValue: String

    public init?(_ text: String) {
        guard (1...Self.maxLength).contains(text.utf8.count),
              text.utf8.allSatisfy({ ($0 >= 65 && $0 <= 90) || ($0 >= 48 && $0 <= 57) }) else { return nil }
        rawValue = text
    }

    public var description: String { rawValue }
    public static func < (lhs: AssetCode, rhs: AssetCode) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let code = AssetCode(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "invalid asset code '\(text)' (1-12 of A-Z, 0-9)"))
        }
        self = code
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

extension AssetCode: WireCodable {
    public func encode(to writer: inout WireWriter) { writer.writeString(rawValue) }

    public init(from reader: inout WireReader) throws(WireError) {
        let text = try reader.readString(maxBytes: Self.maxLength)
        guard let code = AssetCode(text) else { throw .invalidValue(type: "AssetCode", reason: "'\(text)'") }
        self = code
    }
}
