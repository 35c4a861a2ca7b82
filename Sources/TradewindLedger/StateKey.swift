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
        var bytes: [UInt8] = []
        bytes.reserveCapacity(1 + parts.reduce(0) { $0 + $1.count })
        bytes.append(table.rawValue)
        for part in parts { bytes.append(contentsOf: part) }
        self.bytes = bytes
    }

    /// The table byte, a public key and an asset code: the shape of the keys every
    /// transfer reads and writes, built without intermediate arrays.
    private init(_ table: Table, _ key: Bytes32, _ asset: AssetCode) {
        let code = asset.rawValue.utf8
        var bytes: [UInt8] = []
        bytes.reserveCapacity(2 + Bytes32.byteCount + code.count)
        bytes.append(table.rawValue)
        key.withUnsafeBytes { bytes.append(contentsOf: $0) }
        // Length-prefixed so that codes of different lengths never collide.
        bytes.append(UInt8(code.count))
        bytes.append(contentsOf: code)
        self.bytes = bytes
    }

    private init(_ table: Table, _ key: Bytes32) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(1 + Bytes32.byteCount)
        bytes.append(table.rawValue)
        key.withUnsafeBytes { bytes.append(contentsOf: $0) }
        self.bytes = bytes
    }

    public static func == (lhs: StateKey, rhs: StateKey) -> Bool { lhs.bytes == rhs.bytes }

    // Hashed as one block of bytes: the synthesised conformance feeds the hasher a byte
    // at a time, which dominated the cost of the state overlay's dictionary.
    public func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    public var table: Table? { bytes.first.flatMap(Table.init(rawValue:)) }

    public static func < (lhs: StateKey, rhs: StateKey) -> Bool { lhs.bytes.lexicographicallyPrecedes(rhs.bytes) }
    public var description: String { Hex.encode(bytes) }

    private static func code(_ asset: AssetCode) -> [UInt8] {
        // Length-prefixed so that codes of different lengths never collide.
        [UInt8(asset.rawValue.utf8.count)] + Array(asset.rawValue.utf8)
    }

    public static func account(_ address: Address) -> StateKey { StateKey(.account, address.publicKey) }
    public static func balance(_ address: Address, _ asset: AssetCode) -> StateKey {
        StateKey(.balance, address.publicKey, asset)
    }
    public static func held(_ address: Address, _ asset: AssetCode) -> StateKey {
        StateKey(.held, address.publicKey, asset)
    }
    public static func order(_ id: Bytes32) -> StateKey { StateKey(.order, id) }
    public static func preauthorization(owner: Address, sender: Address) -> StateKey {
        StateKey(.preauthorization, owner.publicKey.bytes, sender.publicKey.bytes)
    }
    public static func merchant(_ address: Address) -> StateKey { StateKey(.merchant, address.publicKey) }
    public static func credit(_ address: Address) -> StateKey { StateKey(.credit, address.publicKey) }
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
