import TradewindWire

/// The canonical encoding of gossip messages for a mesh whose members are named by
/// their account address and reached at a `PeerEndpoint` (docs/PROTOCOL.md §6).
public enum GossipEnvelope: Sendable {
    public typealias Update = MemberUpdate<Address, PeerEndpoint>
    public typealias MembershipMsg = MembershipMessage<Address, PeerEndpoint>
    public typealias DisseminationMsg = DisseminationMessage
    public typealias PartsMsg = PartMessage

    /// Bumped with every change of what peers send each other (docs/PROTOCOL.md §6):
    /// a message of another version is refused whole and its sender told of once.
    public static let version: UInt8 = 2
    /// The releases that spoke each version, for the message that refuses one.
    public static func releases(speaking version: UInt8) -> String {
        switch version {
        case 1: return "Tradewind 0.1.0 to 0.3.0"
        case 2: return "Tradewind 0.3.1 and later"
        default: return version > Self.version ? "a release newer than this one" : "an unknown release"
        }
    }
    public static let maxUpdates = 256
    public static let maxIDs = 64
    public static let maxPayload = 64 << 10

    case membership(MembershipMsg)
    case dissemination(DisseminationMsg)
    case parts(PartsMsg)
    /// A message for one member only (agreement's votes and proposals, block and
    /// transaction requests): the application decodes the payload.
    case direct([UInt8])

    /// What this envelope is, for per-kind counts: "membership", "parts", "direct",
    /// or a dissemination message and its topic ("push-transactions", "ihave-blocks").
    public var kind: String {
        switch self {
        case .membership: "membership"
        case .parts: "parts"
        case .direct: "direct"
        case let .dissemination(.push(topic, _)): "push-\(topic)"
        case let .dissemination(.ihave(topic, _)): "ihave-\(topic)"
        case let .dissemination(.iwant(topic, _)): "iwant-\(topic)"
        }
    }
}

extension MemberUpdate: WireEncodable where ID == TradewindWire.Address, Address == PeerEndpoint {
    public func encode(to writer: inout WireWriter) {
        writer.write(id)
        writer.writeVarint(incarnation)
        writer.writeUInt8(status.rawValue)
        writer.write(address)
        writer.writeUInt8(role.rawValue)
        writer.writeVarint(height)
        writer.writeOptional(reporter) { $0.write($1) }
    }
}

extension MemberUpdate: WireDecodable where ID == TradewindWire.Address, Address == PeerEndpoint {
    public init(from reader: inout WireReader) throws(WireError) {
        let id = try reader.read(TradewindWire.Address.self)
        let incarnation = try reader.readVarint()
        let rawStatus = try reader.readUInt8()
        guard let status = MemberStatus(rawValue: rawStatus) else { throw .unknownTag(type: "MemberStatus", tag: UInt64(rawStatus)) }
        let address = try reader.read(PeerEndpoint.self)
        let rawRole = try reader.readUInt8()
        guard let role = MemberRole(rawValue: rawRole) else { throw .unknownTag(type: "MemberRole", tag: UInt64(rawRole)) }
        let height = try reader.readVarint()
        let reporter = try reader.readOptional { (r: inout WireReader) throws(WireError) in try r.read(TradewindWire.Address.self) }
        self.init(id: id, incarnation: incarnation, status: status, address: address, role: role, height: height, reporter: reporter)
    }
}

extension GossipEnvelope: WireCodable {
    private static func writeUpdates(_ updates: [Update], _ writer: inout WireWriter) {
        writer.writeArray(updates.prefix(maxUpdates)) { $0.write($1) }
    }

    private static func readUpdates(_ reader: inout WireReader) throws(WireError) -> [Update] {
        try reader.readArray(maxCount: maxUpdates) { (r: inout WireReader) throws(WireError) in try r.read(Update.self) }
    }

    private static func readIDs(_ reader: inout WireReader) throws(WireError) -> [Bytes32] {
        try reader.readArray(maxCount: maxIDs) { (r: inout WireReader) throws(WireError) in try r.read(Bytes32.self) }
    }

    private static func readTopic(_ reader: inout WireReader) throws(WireError) -> GossipTopic {
        let raw = try reader.readUInt8()
        guard let topic = GossipTopic(rawValue: raw) else {
            throw .unknownTag(type: "Topic", tag: UInt64(raw))
        }
        return topic
    }

    public func encode(to writer: inout WireWriter) {
        writer.writeUInt8(Self.version)
        switch self {
        case let .membership(message):
            switch message {
            case let .ping(sequence, updates):
                writer.writeVarint(0); writer.writeVarint(sequence); Self.writeUpdates(updates, &writer)
            case let .ack(sequence, updates):
                writer.writeVarint(1); writer.writeVarint(sequence); Self.writeUpdates(updates, &writer)
            case let .pingRequest(sequence, target, updates):
                writer.writeVarint(2); writer.writeVarint(sequence); writer.write(target); Self.writeUpdates(updates, &writer)
            case let .nack(sequence, updates):
                writer.writeVarint(3); writer.writeVarint(sequence); Self.writeUpdates(updates, &writer)
            case let .gossip(updates):
                writer.writeVarint(4); Self.writeUpdates(updates, &writer)
            case let .sync(members, isReply):
                writer.writeVarint(5); Self.writeUpdates(members, &writer); writer.writeBool(isReply)
            }
        case let .dissemination(message):
            switch message {
            case let .push(topic, payload):
                writer.writeVarint(10); writer.writeUInt8(topic.rawValue); writer.writeBytes(payload)
            case let .ihave(topic, ids):
                writer.writeVarint(11); writer.writeUInt8(topic.rawValue); writer.writeArray(ids.prefix(Self.maxIDs)) { $0.write($1) }
            case let .iwant(topic, ids):
                writer.writeVarint(12); writer.writeUInt8(topic.rawValue); writer.writeArray(ids.prefix(Self.maxIDs)) { $0.write($1) }
            }
        case let .parts(message):
            switch message {
            case let .announce(root, count, size, tag):
                writer.writeVarint(20); writer.write(root); writer.writeUInt32(count); writer.writeUInt32(size); writer.writeVarint(tag)
            case let .request(root, indexes):
                writer.writeVarint(21); writer.write(root); writer.writeArray(indexes.prefix(Self.maxIDs)) { $0.writeUInt32($1) }
            case let .part(root, count, index, bytes, proof):
                writer.writeVarint(22); writer.write(root); writer.writeUInt32(count); writer.writeUInt32(index)
                writer.writeBytes(bytes); writer.writeArray(proof) { $0.write($1) }
            }
        case let .direct(payload):
            writer.writeVarint(30); writer.writeBytes(payload)
        }
    }

    public init(from reader: inout WireReader) throws(WireError) {
        _ = try reader.readVersion(of: "GossipEnvelope", supported: Self.version...Self.version)
        switch try reader.readVarint() {
        case 0: self = .membership(.ping(sequence: try reader.readVarint(), updates: try Self.readUpdates(&reader)))
        case 1: self = .membership(.ack(sequence: try reader.readVarint(), updates: try Self.readUpdates(&reader)))
        case 2:
            self = .membership(.pingRequest(sequence: try reader.readVarint(), target: try reader.read(),
                                            updates: try Self.readUpdates(&reader)))
        case 3: self = .membership(.nack(sequence: try reader.readVarint(), updates: try Self.readUpdates(&reader)))
        case 4: self = .membership(.gossip(updates: try Self.readUpdates(&reader)))
        case 5: self = .membership(.sync(members: try Self.readUpdates(&reader), isReply: try reader.readBool()))
        case 10: self = .dissemination(.push(try Self.readTopic(&reader), payload: try reader.readBytes(maxCount: Self.maxPayload)))
        case 11: self = .dissemination(.ihave(try Self.readTopic(&reader), ids: try Self.readIDs(&reader)))
        case 12: self = .dissemination(.iwant(try Self.readTopic(&reader), ids: try Self.readIDs(&reader)))
        case 20:
            self = .parts(.announce(root: try reader.read(), count: try reader.readUInt32(), size: try reader.readUInt32(),
                                    tag: try reader.readVarint()))
        case 21:
            self = .parts(.request(root: try reader.read(), indexes: try reader.readArray(maxCount: Self.maxIDs) {
                (r: inout WireReader) throws(WireError) in try r.readUInt32()
            }))
        case 22:
            self = .parts(.part(root: try reader.read(), count: try reader.readUInt32(), index: try reader.readUInt32(),
                                bytes: try reader.readBytes(maxCount: 4096), proof: try Self.readIDs(&reader)))
        case 30: self = .direct(try reader.readBytes(maxCount: Self.maxPayload))
        case let tag:
            throw .unknownTag(type: "GossipEnvelope", tag: tag)
        }
    }
}
