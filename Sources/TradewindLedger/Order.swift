import TradewindWire

/// An escrowed order as the ledger keeps it.
public struct Order: Hashable, Sendable {
    public enum State: UInt8, Sendable, CaseIterable, CustomStringConvertible {
        case created = 0, accepted, shipped, delivered, completed, refunded, disputed, resolved

        public var isTerminal: Bool { self == .completed || self == .refunded || self == .resolved }
        public var description: String { ["created", "accepted", "shipped", "delivered", "completed", "refunded", "disputed", "resolved"][Int(rawValue)] }
    }

    /// Money held for the order: refunded to `owner`, paid out to `beneficiary`.
    /// Without an FX quote there is one leg (buyer → seller); with one there are two
    /// (provider → seller in the seller's asset, buyer → provider in the buyer's).
    public struct Leg: Hashable, Sendable {
        public var asset: AssetCode
        public var amount: UInt64
        public var owner: Address
        public var beneficiary: Address
    }

    public struct Checkpoint: Hashable, Sendable {
        public var kind: CheckpointKind
        public var time: UInt64
    }

    public static let maxCheckpoints = 32

    public var id: Bytes32
    public var buyer: Address
    public var terms: OrderTerms
    public var state: State
    public var createdHeight: UInt64
    public var createdAt: UInt64
    public var shippedAt: UInt64?
    public var deliveredAt: UInt64?
    public var disputedAt: UInt64?
    public var trackingHash: Bytes32?
    public var disputeReasonHash: Bytes32?
    public var checkpoints: [Checkpoint]
    public var legs: [Leg]
    public var sellerBasisPoints: UInt16?
}

extension Order: WireCodable {
    public func encode(to writer: inout WireWriter) {
        writer.writeUInt8(1)
        writer.write(id)
        writer.write(buyer)
        writer.write(terms)
        writer.writeUInt8(state.rawValue)
        writer.writeVarint(createdHeight)
        writer.writeVarint(createdAt)
        writer.writeOptional(shippedAt) { $0.writeVarint($1) }
        writer.writeOptional(deliveredAt) { $0.writeVarint($1) }
        writer.writeOptional(disputedAt) { $0.writeVarint($1) }
        writer.writeOptional(trackingHash) { $0.write($1) }
        writer.writeOptional(disputeReasonHash) { $0.write($1) }
        writer.writeArray(checkpoints) { writer, checkpoint in
            writer.write(checkpoint.kind)
            writer.writeVarint(checkpoint.time)
        }
        writer.writeArray(legs) { writer, leg in
            writer.write(leg.asset)
            writer.writeVarint(leg.amount)
            writer.write(leg.owner)
            writer.write(leg.beneficiary)
        }
        writer.writeOptional(sellerBasisPoints) { $0.writeUInt16($1) }
    }

    public init(from reader: inout WireReader) throws(WireError) {
        _ = try reader.readVersion(of: "Order", supported: 1...1)
        id = try reader.read()
        buyer = try reader.read()
        terms = try reader.read()
        let rawState = try reader.readUInt8()
        guard let state = State(rawValue: rawState) else { throw .unknownTag(type: "Order.State", tag: UInt64(rawState)) }
        self.state = state
        createdHeight = try reader.readVarint()
        createdAt = try reader.readVarint()
        shippedAt = try reader.readOptional { (r: inout WireReader) throws(WireError) in try r.readVarint() }
        deliveredAt = try reader.readOptional { (r: inout WireReader) throws(WireError) in try r.readVarint() }
        disputedAt = try reader.readOptional { (r: inout WireReader) throws(WireError) in try r.readVarint() }
        trackingHash = try reader.readOptional { (r: inout WireReader) throws(WireError) in try r.read(Bytes32.self) }
        disputeReasonHash = try reader.readOptional { (r: inout WireReader) throws(WireError) in try r.read(Bytes32.self) }
        checkpoints = try reader.readArray(maxCount: Self.maxCheckpoints) { (r: inout WireReader) throws(WireError) in
            Checkpoint(kind: try r.read(), time: try r.readVarint())
        }
        legs = try reader.readArray(maxCount: 2) { (r: inout WireReader) throws(WireError) in
            Leg(asset: try r.read(), amount: try r.readVarint(), owner: try r.read(), beneficiary: try r.read())
        }
        sellerBasisPoints = try reader.readOptional { (r: inout WireReader) throws(WireError) in try r.readUInt16() }
    }
}
