/// A value with one canonical byte encoding.
public protocol WireEncodable {
    func encode(to writer: inout WireWriter)
}

/// A value that can be read back from its canonical encoding.
public protocol WireDecodable {
    init(from reader: inout WireReader) throws(WireError)
}

public typealias WireCodable = WireEncodable & WireDecodable

extension WireEncodable {
    /// The canonical encoding of this value alone.
    public var wireEncoded: [UInt8] {
        var writer = WireWriter()
        encode(to: &writer)
        return writer.bytes
    }
}

extension WireDecodable {
    /// Decodes a complete value; bytes left over are an error.
    public init(wireEncoded bytes: [UInt8]) throws(WireError) {
        var reader = WireReader(bytes)
        self = try Self(from: &reader)
        try reader.expectEnd()
    }
}
