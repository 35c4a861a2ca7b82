/// A signed ledger transaction (docs/PROTOCOL.md §5). Its id is the BLAKE2b-256 of
/// its full encoding, signature included.
public struct Transaction: Hashable, Sendable {
    public static let version: UInt8 = 1
    public static let maxMemoBytes = 256

    public var sender: Address
    public var sequence: UInt64
    public var lastValidHeight: UInt64
    public var body: TransactionBody
    public var signature: Bytes64

    public init(sender: Address, sequence: UInt64, lastValidHeight: UInt64, body: TransactionBody, signature: Bytes64 = .zero) {
        self.sender = sender
        self.sequence = sequence
        self.lastValidHeight = lastValidHeight
        self.body = body
        self.signature = signature
    }

    /// The bytes the sender signs (under the transaction domain): everything but the signature.
    public var signingBody: [UInt8] {
        var writer = WireWriter(reservingCapacity: 160)
        encodeUnsigned(to: &writer)
        return writer.bytes
    }

    func encodeUnsigned(to writer: inout WireWriter) {
        writer.writeUInt8(Self.version)
        writer.write(sender)
        writer.writeVarint(sequence)
        writer.writeVarint(lastValidHeight)
        writer.write(body)
    }
}

extension Transaction: WireCodable {
    public func encode(to writer: inout WireWriter) {
        encodeUnsigned(to: &writer)
        writer.write(signature)
    }

    public init(from reader: inout WireReader) throws(WireError) {
        _ = try reader.readVersion(of: "Transaction", supported: Self.version...Self.version)
        sender = try reader.read()
        sequence = try reader.readVarint()
        lastValidHeight = try reader.readVarint()
        body = try reader.read()
        signature = try reader.read()
    }
}

/// A change to the authority set, voted on by the authorities.
public enum AuthorityChange: Hashable, Sendable, WireCodable {
    case add(Address)
    case remove(Address)

    public var key: Address {
        switch self {
        case let .add(key), let .remove(key): return key
        }
    }

    public func encode(to writer: inout WireWriter) {
        switch self {
        case let .add(key): writer.writeVarint(0); writer.write(key)
        case let .remove(key): writer.writeVarint(1); writer.write(key)
        }
    }

    public init(from reader: inout WireReader) throws(WireError) {
        switch try reader.readVarint() {
        case 0: self = .add(try reader.read())
        case 1: self = .remove(try reader.read())
        case let tag: throw .unknownTag(type: "AuthorityChange", tag: tag)
        }
    }
}

/// A carrier's checkpoint on a shipment.
public enum CheckpointKind: UInt8, Hashable, Sendable, CaseIterable, Codable, WireCodable {
    case pickedUp = 0
    case inTransit = 1
    case customs = 2
    case outForDelivery = 3
    case delivered = 4

    public func encode(to writer: inout WireWriter) { writer.writeUInt8(rawValue) }

    public init(from reader: inout WireReader) throws(WireError) {
        let raw = try reader.readUInt8()
        guard let kind = CheckpointKind(rawValue: raw) else { throw .unknownTag(type: "CheckpointKind", tag: UInt64(raw)) }
        self = kind
    }
}

/// An FX provider's signed offer, carried inside `orderCreate`: the provider pays
/// the seller `price` in the seller's asset and receives from the buyer the price
/// converted at `rateNumerator / rateDenominator`, rounded up.
public struct FXQuote: Hashable, Sendable {
    public var provider: Address
    public var buyer: Address
    /// The asset the buyer pays in.
    public var buyerAsset: AssetCode
    /// The seller's asset (the order's price asset).
    public var sellerAsset: AssetCode
    /// Buyer-asset minor units per seller-asset minor unit, as an exact fraction.
    public var rateNumerator: UInt64
    public var rateDenominator: UInt64
    /// The largest price (in the seller's asset) the quote covers.
    public var maxAmount: UInt64
    /// The last height at which the quote may be used.
    public var expiryHeight: UInt64
    /// Unique per provider while the quote is alive; used ids are remembered until expiry.
    public var quoteID: UInt64
    public var signature: Bytes64

    public init(provider: Address, buyer: Address, buyerAsset: AssetCode, sellerAsset: AssetCode,
                rateNumerator: UInt64, rateDenominator: UInt64, maxAmount: UInt64, expiryHeight: UInt64,
                quoteID: UInt64, signature: Bytes64 = .zero) {
        self.provider = provider
        self.buyer = buyer
        self.buyerAsset = buyerAsset
        self.sellerAsset = sellerAsset
        self.rateNumerator = rateNumerator
        self.rateDenominator = rateDenominator
        self.maxAmount = maxAmount
        self.expiryHeight = expiryHeight
        self.quoteID = quoteID
        self.signature = signature
    }

    public var signingBody: [UInt8] {
        var writer = WireWriter()
        encodeUnsigned(to: &writer)
        return writer.bytes
    }

    func encodeUnsigned(to writer: inout WireWriter) {
        writer.write(provider)
        writer.write(buyer)
        writer.write(buyerAsset)
        writer.write(sellerAsset)
        writer.writeVarint(rateNumerator)
        writer.writeVarint(rateDenominator)
        writer.writeVarint(maxAmount)
        writer.writeVarint(expiryHeight)
        writer.writeVarint(quoteID)
    }
}

extension FXQuote: WireCodable {
    public func encode(to writer: inout WireWriter) {
        encodeUnsigned(to: &writer)
        writer.write(signature)
    }

    public init(from reader: inout WireReader) throws(WireError) {
        provider = try reader.read()
        buyer = try reader.read()
        buyerAsset = try reader.read()
        sellerAsset = try reader.read()
        rateNumerator = try reader.readVarint()
        rateDenominator = try reader.readVarint()
        maxAmount = try reader.readVarint()
        expiryHeight = try reader.readVarint()
        quoteID = try reader.readVarint()
        signature = try reader.read()
    }
}

/// What a buyer commits to when creating an order.
public struct OrderTerms: Hashable, Sendable {
    public var seller: Address
    public var asset: AssetCode
    public var price: UInt64
    public var carrier: Address?
    public var arbiter: Address?
    public var goodsHash: Bytes32
    public var shipBy: UInt64
    public var deliverBy: UInt64
    public var requireVerifiedMerchant: Bool
    public var fxQuote: FXQuote?

    public init(seller: Address, asset: AssetCode, price: UInt64, carrier: Address? = nil, arbiter: Address? = nil,
                goodsHash: Bytes32, shipBy: UInt64, deliverBy: UInt64, requireVerifiedMerchant: Bool = false,
                fxQuote: FXQuote? = nil) {
        self.seller = seller
        self.asset = asset
        self.price = price
        self.carrier = carrier
        self.arbiter = arbiter
        self.goodsHash = goodsHash
        self.shipBy = shipBy
        self.deliverBy = deliverBy
        self.requireVerifiedMerchant = requireVerifiedMerchant
        self.fxQuote = fxQuote
    }
}

extension OrderTerms: WireCodable {
    public func encode(to writer: inout WireWriter) {
        writer.write(seller)
        writer.write(asset)
        writer.writeVarint(price)
        writer.writeOptional(carrier) { $0.write($1) }
        writer.writeOptional(arbiter) { $0.write($1) }
        writer.write(goodsHash)
        writer.writeVarint(shipBy)
        writer.writeVarint(deliverBy)
        writer.writeBool(requireVerifiedMerchant)
        writer.writeOptional(fxQuote) { $0.write($1) }
    }

    public init(from reader: inout WireReader) throws(WireError) {
        seller = try reader.read()
        asset = try reader.read()
        price = try reader.readVarint()
        carrier = try reader.readOptional { (r: inout WireReader) throws(WireError) in try r.read(Address.self) }
        arbiter = try reader.readOptional { (r: inout WireReader) throws(WireError) in try r.read(Address.self) }
        goodsHash = try reader.read()
        shipBy = try reader.readVarint()
        deliverBy = try reader.readVarint()
        requireVerifiedMerchant = try reader.readBool()
        fxQuote = try reader.readOptional { (r: inout WireReader) throws(WireError) in try r.read(FXQuote.self) }
    }
}
