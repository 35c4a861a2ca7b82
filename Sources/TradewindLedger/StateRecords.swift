import TradewindWire

/// An account's own settings and its replay protection.
public struct AccountState: Hashable, Sendable, WireCodable {
    /// The sequence number the account's next transaction must carry.
    public var nextSequence: UInt64 = 0
    public var frozen = false
    public var depositAuth = false

    public init(nextSequence: UInt64 = 0, frozen: Bool = false, depositAuth: Bool = false) {
        self.nextSequence = nextSequence
        self.frozen = frozen
        self.depositAuth = depositAuth
    }

    public func encode(to writer: inout WireWriter) {
        writer.writeUInt8(1)
        writer.writeVarint(nextSequence)
        writer.writeBool(frozen)
        writer.writeBool(depositAuth)
    }

    public init(from reader: inout WireReader) throws(WireError) {
        _ = try reader.readVersion(of: "AccountState", supported: 1...1)
        nextSequence = try reader.readVarint()
        frozen = try reader.readBool()
        depositAuth = try reader.readBool()
    }
}

/// An authority's statement that an account is a verified merchant.
public struct MerchantAttestation: Hashable, Sendable, WireCodable {
    public var name: String
    public var jurisdiction: String
    public var registrationHash: Bytes32
    public var attestedBy: Address
    public var height: UInt64

    public init(name: String, jurisdiction: String, registrationHash: Bytes32, attestedBy: Address, height: UInt64) {
        self.name = name
        self.jurisdiction = jurisdiction
        self.registrationHash = registrationHash
        self.attestedBy = attestedBy
        self.height = height
    }

    public func encode(to writer: inout WireWriter) {
        writer.writeUInt8(1)
        writer.writeString(name)
        writer.writeString(jurisdiction)
        writer.write(registrationHash)
        writer.write(attestedBy)
        writer.writeVarint(height)
    }

    public init(from reader: inout WireReader) throws(WireError) {
        _ = try reader.readVersion(of: "MerchantAttestation", supported: 1...1)
        name = try reader.readString(maxBytes: TransactionBody.maxNameBytes)
        jurisdiction = try reader.readString(maxBytes: TransactionBody.maxJurisdictionBytes)
        registrationHash = try reader.read()
        attestedBy = try reader.read()
        height = try reader.readVarint()
    }
}

/// Every account's trading record, kept by the ledger.
public struct CreditRecord: Hashable, Sendable, WireCodable {
    public var ordersAsBuyer: UInt64 = 0
    public var ordersAsSeller: UInt64 = 0
    public var completed: UInt64 = 0
    public var refunded: UInt64 = 0
    public var disputed: UInt64 = 0
    public var disputesWon: UInt64 = 0
    public var disputesLost: UInt64 = 0
    /// Disputes this account, as arbiter, let run past the arbitration window.
    public var arbitrationTimeouts: UInt64 = 0
    /// Amounts settled (paid or received through completed or resolved orders), per asset.
    public var volumeSettled: [AssetCode: UInt64] = [:]
    public var firstActivityHeight: UInt64 = 0
    public var lastActivityHeight: UInt64 = 0

    public init() {}

    public func encode(to writer: inout WireWriter) {
        writer.writeUInt8(1)
        for value in [ordersAsBuyer, ordersAsSeller, completed, refunded, disputed, disputesWon, disputesLost,
                      arbitrationTimeouts] {
            writer.writeVarint(value)
        }
        writer.writeArray(volumeSettled.sorted { $0.key < $1.key }) { writer, entry in
            writer.write(entry.key)
            writer.writeVarint(entry.value)
        }
        writer.writeVarint(firstActivityHeight)
        writer.writeVarint(lastActivityHeight)
    }

    public init(from reader: inout WireReader) throws(WireError) {
        _ = try reader.readVersion(of: "CreditRecord", supported: 1...1)
        ordersAsBuyer = try reader.readVarint()
        ordersAsSeller = try reader.readVarint()
        completed = try reader.readVarint()
        refunded = try reader.readVarint()
        disputed = try reader.readVarint()
        disputesWon = try reader.readVarint()
        disputesLost = try reader.readVarint()
        arbitrationTimeouts = try reader.readVarint()
        let entries = try reader.readArray(maxCount: Genesis.maxAssets) { (r: inout WireReader) throws(WireError) in
            (try r.read(AssetCode.self), try r.readVarint())
        }
        guard zip(entries, entries.dropFirst()).allSatisfy({ $0.0 < $1.0 }) else {
            throw .invalidValue(type: "CreditRecord", reason: "volume entries out of order")
        }
        volumeSettled = Dictionary(uniqueKeysWithValues: entries)
        firstActivityHeight = try reader.readVarint()
        lastActivityHeight = try reader.readVarint()
    }
}

/// Issued and redeemed totals of an asset.
public struct Supply: Hashable, Sendable, WireCodable {
    public var issued: UInt64 = 0
    public var redeemed: UInt64 = 0

    public init(issued: UInt64 = 0, redeemed: UInt64 = 0) {
        self.issued = issued
        self.redeemed = redeemed
    }

    public func encode(to writer: inout WireWriter) {
        writer.writeVarint(issued)
        writer.writeVarint(redeemed)
    }

    public init(from reader: inout WireReader) throws(WireError) {
        issued = try reader.readVarint()
        redeemed = try reader.readVarint()
    }
}

/// An asset's definition (from the genesis).
public struct AssetInfo: Hashable, Sendable, WireCodable {
    public var decimals: UInt8
    public var issuer: Address

    public init(decimals: UInt8, issuer: Address) {
        self.decimals = decimals
        self.issuer = issuer
    }

    public func encode(to writer: inout WireWriter) {
        writer.writeUInt8(decimals)
        writer.write(issuer)
    }

    public init(from reader: inout WireReader) throws(WireError) {
        decimals = try reader.readUInt8()
        issuer = try reader.read()
    }
}

/// The chain's own state: where it is and who seals it.
public struct ChainState: Hashable, Sendable, WireCodable {
    public var height: UInt64
    public var lastBlockTime: UInt64
    /// The authorities signing blocks now, sorted.
    public var authorities: [Address]
    /// Scheduled set changes: from `height` on, `authorities`.
    public var scheduled: [ScheduledSet]

    public struct ScheduledSet: Hashable, Sendable {
        public var height: UInt64
        public var authorities: [Address]
    }

    public init(height: UInt64, lastBlockTime: UInt64, authorities: [Address], scheduled: [ScheduledSet] = []) {
        self.height = height
        self.lastBlockTime = lastBlockTime
        self.authorities = authorities
        self.scheduled = scheduled
    }

    /// The set in force at `height`.
    public func authorities(at height: UInt64) -> [Address] {
        scheduled.last { $0.height <= height }?.authorities ?? authorities
    }

    public func encode(to writer: inout WireWriter) {
        writer.writeUInt8(1)
        writer.writeVarint(height)
        writer.writeUInt64(lastBlockTime)
        writer.writeArray(authorities) { $0.write($1) }
        writer.writeArray(scheduled) { writer, set in
            writer.writeVarint(set.height)
            writer.writeArray(set.authorities) { $0.write($1) }
        }
    }

    public init(from reader: inout WireReader) throws(WireError) {
        _ = try reader.readVersion(of: "ChainState", supported: 1...1)
        height = try reader.readVarint()
        lastBlockTime = try reader.readUInt64()
        authorities = try reader.readArray(maxCount: Genesis.maxAuthorities) { (r: inout WireReader) throws(WireError) in
            try r.read(Address.self)
        }
        scheduled = try reader.readArray(maxCount: 16) { (r: inout WireReader) throws(WireError) in
            let height = try r.readVarint()
            let set = try r.readArray(maxCount: Genesis.maxAuthorities) { (r: inout WireReader) throws(WireError) in
                try r.read(Address.self)
            }
            return ScheduledSet(height: height, authorities: set)
        }
    }
}

/// Votes cast for one authority-set change.
public struct AuthorityVotes: Hashable, Sendable, WireCodable {
    public var voters: [Address]

    public init(voters: [Address]) { self.voters = voters }

    public func encode(to writer: inout WireWriter) { writer.writeArray(voters.sorted()) { $0.write($1) } }

    public init(from reader: inout WireReader) throws(WireError) {
        voters = try reader.readArray(maxCount: Genesis.maxAuthorities) { (r: inout WireReader) throws(WireError) in
            try r.read(Address.self)
        }
    }
}
