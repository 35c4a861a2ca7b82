import TradewindWire

/// A key in the ledger's state: one byte naming the table, then the table's key.
/// The state is one ordered key-value map, so a block's write set is just a sorted
/// list of (key, value) pairs, and the store keeps it in one LMDB table.
public struct StateKey: Hashable, Comparable, Sendable, CustomStringConvertible {
    public enum Table: UInt8, Sendable, CaseIterable {
        case account = 1
        case balance = 2
        case held = 3
        case order = 4
        case preauthorization = 5
        case merchant = 6
        case credit = 7
        case supply = 8
        case usedQuote = 9
        case authorityVotes = 10
        case chain = 11
        case asset = 12
        case escrow = 13
        case offense = 14
    }

    public let bytes: [UInt8]

    public init(bytes: [UInt8]) { self.bytes = bytes }

    init(_ table: Table, _ parts: [UInt8]...) {
        bytes = [table.rawValue] + parts.joined()
    }

    public var table: Table? { bytes.first.flatMap(Table.init(rawValue:)) }

    public static func < (lhs: StateKey, rhs: StateKey) -> Bool { lhs.bytes.lexicographicallyPrecedes(rhs.bytes) }
    public var description: String { Hex.encode(bytes) }

    private static func code(_ asset: AssetCode) -> [UInt8] {
        // Length-prefixed so that codes of different lengths never collide.
        [UInt8(asset.rawValue.utf8.count)] + Array(asset.rawValue.utf8)
    }

    public static func account(_ address: Address) -> StateKey { StateKey(.account, address.publicKey.bytes) }
    public static func balance(_ address: Address, _ asset: AssetCode) -> StateKey {
        StateKey(.balance, address.publicKey.bytes, code(asset))
    }
    public static func held(_ address: Address, _ asset: AssetCode) -> StateKey {
        StateKey(.held, address.publicKey.bytes, code(asset))
    }
    public static func order(_ id: Bytes32) -> StateKey { StateKey(.order, id.bytes) }
    public static func preauthorization(owner: Address, sender: Address) -> StateKey {
        StateKey(.preauthorization, owner.publicKey.bytes, sender.publicKey.bytes)
    }
    public static func merchant(_ address: Address) -> StateKey { StateKey(.merchant, address.publicKey.bytes) }
    public static func credit(_ address: Address) -> StateKey { StateKey(.credit, address.publicKey.bytes) }
    public static func supply(_ asset: AssetCode) -> StateKey { StateKey(.supply, code(asset)) }
    public static func escrow(_ asset: AssetCode) -> StateKey { StateKey(.escrow, code(asset)) }
    public static func asset(_ asset: AssetCode) -> StateKey { StateKey(.asset, code(asset)) }
    public static func usedQuote(provider: Address, id: UInt64) -> StateKey {
        StateKey(.usedQuote, provider.publicKey.bytes, withUnsafeBytes(of: id.bigEndian) { Array($0) })
    }
    public static func authorityVotes(_ change: AuthorityChange) -> StateKey { StateKey(.authorityVotes, change.wireEncoded) }
    public static let chain = StateKey(.chain)
    /// Evidence of an authority's equivocation at (height, round, step), recorded once.
    public static func offense(_ offense: Offense) -> StateKey {
        StateKey(.offense, offense.authority.publicKey.bytes, withUnsafeBytes(of: offense.height.bigEndian) { Array($0) },
                 withUnsafeBytes(of: offense.round.bigEndian) { Array($0) }, [offense.step])
    }
}
