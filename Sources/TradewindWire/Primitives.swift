/// Stand-alone integers and booleans as records: a UInt64 as a varint (balances,
/// counters), a Bool as one byte.
extension UInt64: WireCodable {
    public func encode(to writer: inout WireWriter) { writer.writeVarint(self) }
    public init(from reader: inout WireReader) throws(WireError) { self = try reader.readVarint() }
}

extension Bool: WireCodable {
    public func encode(to writer: inout WireWriter) { writer.writeBool(self) }
    public init(from reader: inout WireReader) throws(WireError) { self = try reader.readBool() }
}
