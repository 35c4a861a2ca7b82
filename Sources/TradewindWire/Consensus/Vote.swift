/// A prevote or precommit for one block (or for none) at a height and round,
/// signed by an authority (docs/PROTOCOL.md §7).
public struct Vote: Hashable, Sendable {
    public static let version: UInt8 = 1
    /// Rounds above this are refused on decode: no honest run gets near it, and it
    /// keeps round arithmetic far from overflow.
    public static let maxRound: UInt64 = 1 << 20

    public enum Kind: UInt8, Hashable, Sendable {
        case prevote = 1
        case precommit = 2
    }

    public var kind: Kind
    public var height: UInt64
    public var round: UInt32
    /// nil is a vote for no block.
    public var blockID: Bytes32?
    public var validator: Address
    public var signature: Bytes64

    public init(kind: Kind, height: UInt64, round: UInt32, blockID: Bytes32?, validator: Address, signature: Bytes64 = .zero) {
        self.kind = kind
        self.height = height
        self.round = round
        self.blockID = blockID
        self.validator = validator
        self.signature = signature
    }

    /// What the validator signs (under the vote domain): everything but the signature.
    public var signingBody: [UInt8] {
        var writer = WireWriter(reservingCapacity: 80)
        encodeUnsigned(to: &writer)
        return writer.bytes
    }

    func encodeUnsigned(to writer: inout WireWriter) {
        writer.writeUInt8(Self.version)
        writer.writeUInt8(kind.rawValue)
        writer.writeVarint(height)
        writer.writeVarint(UInt64(round))
        writer.writeOptional(blockID) { $0.write($1) }
        writer.write(validator)
    }
}

extension Vote: WireCodable {
    public func encode(to writer: inout WireWriter) {
        encodeUnsigned(to: &writer)
        writer.write(signature)
    }

    public init(from reader: inout WireReader) throws(WireError) {
        _ = try reader.readVersion(of: "Vote", supported: Self.version...Self.version)
        let tag = try reader.readUInt8()
        guard let kind = Kind(rawValue: tag) else { throw .unknownTag(type: "Vote.Kind", tag: UInt64(tag)) }
        self.kind = kind
        height = try reader.readVarint()
        round = try reader.readRound()
        blockID = try reader.readOptional { (r: inout WireReader) throws(WireError) in try r.read(Bytes32.self) }
        validator = try reader.read()
        signature = try reader.read()
    }
}

extension WireReader {
    /// A consensus round: a varint no larger than `Vote.maxRound`.
    mutating func readRound() throws(WireError) -> UInt32 {
        let start = offset
        let value = try readVarint()
        guard value <= Vote.maxRound else { throw .lengthOverCap(offset: start, length: value, cap: Int(Vote.maxRound)) }
        return UInt32(value)
    }
}
