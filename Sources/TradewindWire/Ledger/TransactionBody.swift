/// What a transaction does. The tag numbers are part of the protocol (docs/PROTOCOL.md §5).
public enum TransactionBody: Hashable, Sendable {
    case transfer(to: Address, asset: AssetCode, amount: UInt64, memo: [UInt8])
    case issue(to: Address, asset: AssetCode, amount: UInt64)
    case redeem(asset: AssetCode, amount: UInt64)
    case merchantAttest(merchant: Address, name: String, jurisdiction: String, registrationHash: Bytes32)
    case merchantRevoke(merchant: Address)
    case freeze(account: Address)
    case unfreeze(account: Address)
    case setDepositAuth(enabled: Bool)
    case preauthorize(account: Address, authorized: Bool)
    case authorityVote(AuthorityChange)
    case claim(asset: AssetCode)
    case orderCreate(OrderTerms)
    case orderAccept(order: Bytes32)
    case orderDecline(order: Bytes32)
    case orderCancel(order: Bytes32)
    case orderRefund(order: Bytes32)
    case orderShip(order: Bytes32, trackingHash: Bytes32)
    case orderCheckpoint(order: Bytes32, kind: CheckpointKind)
    case orderConfirm(order: Bytes32)
    case orderRelease(order: Bytes32)
    case orderDispute(order: Bytes32, reasonHash: Bytes32)
    case orderResolve(order: Bytes32, sellerBasisPoints: UInt16)

    public static let maxNameBytes = 64
    public static let maxJurisdictionBytes = 8

    /// A short name for logs, receipts and the CLI.
    public var kind: String {
        switch self {
        case .transfer: return "transfer"
        case .issue: return "issue"
        case .redeem: return "redeem"
        case .merchantAttest: return "merchantAttest"
        case .merchantRevoke: return "merchantRevoke"
        case .freeze: return "freeze"
        case .unfreeze: return "unfreeze"
        case .setDepositAuth: return "setDepositAuth"
        case .preauthorize: return "preauthorize"
        case .authorityVote: return "authorityVote"
        case .claim: return "claim"
        case .orderCreate: return "orderCreate"
        case .orderAccept: return "orderAccept"
        case .orderDecline: return "orderDecline"
        case .orderCancel: return "orderCancel"
        case .orderRefund: return "orderRefund"
        case .orderShip: return "orderShip"
        case .orderCheckpoint: return "orderCheckpoint"
        case .orderConfirm: return "orderConfirm"
        case .orderRelease: return "orderRelease"
        case .orderDispute: return "orderDispute"
        case .orderResolve: return "orderResolve"
        }
    }
}

extension TransactionBody: WireCodable {
    public func encode(to writer: inout WireWriter) {
        switch self {
        case let .transfer(to, asset, amount, memo):
            writer.writeVarint(0); writer.write(to); writer.write(asset); writer.writeVarint(amount); writer.writeBytes(memo)
        case let .issue(to, asset, amount):
            writer.writeVarint(1); writer.write(to); writer.write(asset); writer.writeVarint(amount)
        case let .redeem(asset, amount):
            writer.writeVarint(2); writer.write(asset); writer.writeVarint(amount)
        case let .merchantAttest(merchant, name, jurisdiction, registrationHash):
            writer.writeVarint(3); writer.write(merchant); writer.writeString(name)
            writer.writeString(jurisdiction); writer.write(registrationHash)
        case let .merchantRevoke(merchant):
            writer.writeVarint(4); writer.write(merchant)
        case let .freeze(account):
            writer.writeVarint(5); writer.write(account)
        case let .unfreeze(account):
            writer.writeVarint(6); writer.write(account)
        case let .setDepositAuth(enabled):
            writer.writeVarint(7); writer.writeBool(enabled)
        case let .preauthorize(account, authorized):
            writer.writeVarint(8); writer.write(account); writer.writeBool(authorized)
        case let .authorityVote(change):
            writer.writeVarint(9); writer.write(change)
        case let .claim(asset):
            writer.writeVarint(10); writer.write(asset)
        case let .orderCreate(terms):
            writer.writeVarint(11); writer.write(terms)
        case let .orderAccept(order):
            writer.writeVarint(12); writer.write(order)
        case let .orderDecline(order):
            writer.writeVarint(13); writer.write(order)
        case let .orderCancel(order):
            writer.writeVarint(14); writer.write(order)
        case let .orderRefund(order):
            writer.writeVarint(15); writer.write(order)
        case let .orderShip(order, trackingHash):
            writer.writeVarint(16); writer.write(order); writer.write(trackingHash)
        case let .orderCheckpoint(order, kind):
            writer.writeVarint(17); writer.write(order); writer.write(kind)
        case let .orderConfirm(order):
            writer.writeVarint(18); writer.write(order)
        case let .orderRelease(order):
            writer.writeVarint(19); writer.write(order)
        case let .orderDispute(order, reasonHash):
            writer.writeVarint(20); writer.write(order); writer.write(reasonHash)
        case let .orderResolve(order, basisPoints):
            writer.writeVarint(21); writer.write(order); writer.writeUInt16(basisPoints)
        }
    }

    public init(from reader: inout WireReader) throws(WireError) {
        switch try reader.readVarint() {
        case 0:
            self = .transfer(to: try reader.read(), asset: try reader.read(), amount: try reader.readVarint(),
                             memo: try reader.readBytes(maxCount: Transaction.maxMemoBytes))
        case 1: self = .issue(to: try reader.read(), asset: try reader.read(), amount: try reader.readVarint())
        case 2: self = .redeem(asset: try reader.read(), amount: try reader.readVarint())
        case 3:
            self = .merchantAttest(
                merchant: try reader.read(), name: try reader.readString(maxBytes: Self.maxNameBytes),
                jurisdiction: try reader.readString(maxBytes: Self.maxJurisdictionBytes), registrationHash: try reader.read())
        case 4: self = .merchantRevoke(merchant: try reader.read())
        case 5: self = .freeze(account: try reader.read())
        case 6: self = .unfreeze(account: try reader.read())
        case 7: self = .setDepositAuth(enabled: try reader.readBool())
        case 8: self = .preauthorize(account: try reader.read(), authorized: try reader.readBool())
        case 9: self = .authorityVote(try reader.read())
        case 10: self = .claim(asset: try reader.read())
        case 11: self = .orderCreate(try reader.read())
        case 12: self = .orderAccept(order: try reader.read())
        case 13: self = .orderDecline(order: try reader.read())
        case 14: self = .orderCancel(order: try reader.read())
        case 15: self = .orderRefund(order: try reader.read())
        case 16: self = .orderShip(order: try reader.read(), trackingHash: try reader.read())
        case 17: self = .orderCheckpoint(order: try reader.read(), kind: try reader.read())
        case 18: self = .orderConfirm(order: try reader.read())
        case 19: self = .orderRelease(order: try reader.read())
        case 20: self = .orderDispute(order: try reader.read(), reasonHash: try reader.read())
        case 21: self = .orderResolve(order: try reader.read(), sellerBasisPoints: try reader.readUInt16())
        case let tag: throw .unknownTag(type: "TransactionBody", tag: tag)
        }
    }
}
