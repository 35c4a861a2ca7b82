/// The network's founding document: a JSON file for people, and a canonical
/// encoding whose BLAKE2b-256 is the network id. All times are Unix milliseconds and
/// all durations milliseconds.
public struct Genesis: Hashable, Sendable, Codable {
    /// The consensus rules' version. A change of the rules bumps it: the network id,
    /// which hashes this byte, changes with it, and a home whose genesis names
    /// another version is refused (`refusal(ofVersion:)`), never forked.
    public static let version: UInt8 = 3
    /// The release that introduced each version, for "created by Tradewind X".
    /// 1: the first rules. 2: a quote names its reason for a refusal, a quote
    /// between an asset and itself is malformed, freeze and unfreeze fail when
    /// they change nothing, and a frozen account cannot lift its own freeze.
    /// 3: a deadline transition before its deadline is not applied (terTOO_EARLY,
    /// the sequence kept; a block holding one is invalid) instead of failing as
    /// tecTOO_EARLY.
    public static let releases: [UInt8: String] = [1: "0.1.0", 2: "0.2.0", 3: "0.3.0"]
    public static let maxAuthorities = 128
    public static let maxAssets = 64
    public static let maxBalances = 100_000
    public static let maxTransactionBytesLimit = 1024

    public struct Asset: Hashable, Sendable, Codable {
        public var code: AssetCode
        public var decimals: UInt8
        public var issuer: AddressText

        public init(code: AssetCode, decimals: UInt8, issuer: Address) {
            self.code = code
            self.decimals = decimals
            self.issuer = AddressText(issuer)
        }
    }

    public struct Balance: Hashable, Sendable, Codable {
        public var account: AddressText
        public var asset: AssetCode
        public var amount: UInt64

        public init(account: Address, asset: AssetCode, amount: UInt64) {
            self.account = AddressText(account)
            self.asset = asset
            self.amount = amount
        }
    }

    public struct Parameters: Hashable, Sendable, Codable {
        public var blockIntervalMs: UInt64 = 200
        public var heartbeatIntervalMs: UInt64 = 1000
        public var disputeWindowMs: UInt64 = 7 * 24 * 3600 * 1000
        public var arbitrationWindowMs: UInt64 = 14 * 24 * 3600 * 1000
        public var maxTransactionsPerBlock: UInt64 = 2000
        public var maxBlockBytes: UInt64 = 2 << 20
        public var maxTransactionBytes: UInt64 = 1024
        /// How far a block's time may be ahead of a validator's clock.
        public var maxClockDriftMs: UInt64 = 2000

        public init() {}
    }

    public var chainName: String
    public var genesisTime: UInt64
    public var authorities: [AddressText]
    public var assets: [Asset]
    public var balances: [Balance]
    public var parameters: Parameters

    public init(chainName: String, genesisTime: UInt64, authorities: [Address], assets: [Asset],
                balances: [Balance], parameters: Parameters = .init()) {
        self.chainName = chainName
        self.genesisTime = genesisTime
        self.authorities = authorities.sorted().map(AddressText.init)
        self.assets = assets.sorted { $0.code < $1.code }
        self.balances = balances.sorted { ($0.account.address, $0.asset) < ($1.account.address, $1.asset) }
        self.parameters = parameters
    }

    /// Why a genesis of `version` cannot run on this release, or nil when it can.
    public static func refusal(ofVersion version: UInt8) -> String? {
        guard version != Self.version else { return nil }
        let maker = releases[version].map { "Tradewind \($0)" } ?? "another Tradewind release"
        return "created by \(maker) (genesis version \(version)); this is Tradewind \(Release.version) "
            + "(genesis version \(Self.version)), whose consensus rules differ: regenerate the network"
    }

    /// Checks the rules a genesis must meet; the problem names the offending value.
    public func validate() throws(WireError) {
        func fail(_ reason: String) -> WireError { .invalidValue(type: "Genesis", reason: reason) }
        guard !chainName.isEmpty, chainName.utf8.count <= 64 else { throw fail("chain name must be 1 to 64 bytes") }
        guard !authorities.isEmpty, authorities.count <= Self.maxAuthorities else {
            throw fail("needs 1 to \(Self.maxAuthorities) authorities, has \(authorities.count)")
        }
        guard zip(authorities, authorities.dropFirst()).allSatisfy({ $0.address < $1.address }) else {
            throw fail("authorities must be unique (and are kept sorted)")
        }
        guard assets.count <= Self.maxAssets, zip(assets, assets.dropFirst()).allSatisfy({ $0.code < $1.code }) else {
            throw fail("asset codes must be unique, at most \(Self.maxAssets)")
        }
        for asset in assets where asset.decimals > Amount.maxDecimals {
            throw fail("asset \(asset.code) has \(asset.decimals) decimals; at most \(Amount.maxDecimals)")
        }
        let codes = Set(assets.map(\.code))
        for balance in balances where !codes.contains(balance.asset) {
            throw fail("balance of \(balance.account) names unknown asset \(balance.asset)")
        }
        guard zip(balances, balances.dropFirst()).allSatisfy({ ($0.account.address, $0.asset) < ($1.account.address, $1.asset) }) else {
            throw fail("one balance per account and asset")
        }
        var totals: [AssetCode: UInt64] = [:]
        for balance in balances {
            let (sum, overflow) = totals[balance.asset, default: 0].addingReportingOverflow(balance.amount)
            guard !overflow else { throw fail("initial balances of \(balance.asset) overflow 64 bits") }
            totals[balance.asset] = sum
        }
        let p = parameters
        guard p.maxTransactionBytes >= 256, p.maxTransactionBytes <= UInt64(Self.maxTransactionBytesLimit) else {
            throw fail("maxTransactionBytes \(p.maxTransactionBytes) must be 256 to \(Self.maxTransactionBytesLimit)")
        }
        guard p.blockIntervalMs > 0, p.heartbeatIntervalMs >= p.blockIntervalMs else {
            throw fail("heartbeat interval \(p.heartbeatIntervalMs) ms must be at least the block interval \(p.blockIntervalMs) ms")
        }
        guard p.maxTransactionsPerBlock > 0, p.maxBlockBytes >= p.maxTransactionBytes else {
            throw fail("a block must hold at least one transaction")
        }
    }
}

/// The JSON file carries the version; a file without one was written by release
/// 0.1.0 (version 1), before files carried it.
extension Genesis {
    private enum CodingKeys: String, CodingKey {
        case version, chainName, genesisTime, authorities, assets, balances, parameters
    }

    /// Just the version of a genesis file, to refuse another release's before reading the rest.
    public struct FileVersion: Decodable, Sendable {
        public let version: UInt8

        private enum CodingKeys: String, CodingKey { case version }

        public init(from decoder: Decoder) throws {
            version = try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent(UInt8.self, forKey: .version) ?? 1
        }
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let version = try container.decodeIfPresent(UInt8.self, forKey: .version) ?? 1
        if let refusal = Self.refusal(ofVersion: version) {
            throw DecodingError.dataCorruptedError(forKey: .version, in: container, debugDescription: refusal)
        }
        chainName = try container.decode(String.self, forKey: .chainName)
        genesisTime = try container.decode(UInt64.self, forKey: .genesisTime)
        authorities = try container.decode([AddressText].self, forKey: .authorities)
        assets = try container.decode([Asset].self, forKey: .assets)
        balances = try container.decode([Balance].self, forKey: .balances)
        parameters = try container.decode(Parameters.self, forKey: .parameters)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Self.version, forKey: .version)
        try container.encode(chainName, forKey: .chainName)
        try container.encode(genesisTime, forKey: .genesisTime)
        try container.encode(authorities, forKey: .authorities)
        try container.encode(assets, forKey: .assets)
        try container.encode(balances, forKey: .balances)
        try container.encode(parameters, forKey: .parameters)
    }
}

extension Genesis: WireCodable {
    public func encode(to writer: inout WireWriter) {
        writer.writeUInt8(Self.version)
        writer.writeString(chainName)
        writer.writeUInt64(genesisTime)
        writer.writeArray(authorities) { $0.write($1.address) }
        writer.writeArray(assets) { writer, asset in
            writer.write(asset.code)
            writer.writeUInt8(asset.decimals)
            writer.write(asset.issuer.address)
        }
        writer.writeArray(balances) { writer, balance in
            writer.write(balance.account.address)
            writer.write(balance.asset)
            writer.writeVarint(balance.amount)
        }
        let p = parameters
        for value in [p.blockIntervalMs, p.heartbeatIntervalMs, p.disputeWindowMs, p.arbitrationWindowMs,
                      p.maxTransactionsPerBlock, p.maxBlockBytes, p.maxTransactionBytes, p.maxClockDriftMs] {
            writer.writeVarint(value)
        }
    }

    public init(from reader: inout WireReader) throws(WireError) {
        _ = try reader.readVersion(of: "Genesis", supported: Self.version...Self.version)
        chainName = try reader.readString(maxBytes: 64)
        genesisTime = try reader.readUInt64()
        authorities = try reader.readArray(maxCount: Self.maxAuthorities) { (r: inout WireReader) throws(WireError) in
            AddressText(try r.read(Address.self))
        }
        assets = try reader.readArray(maxCount: Self.maxAssets) { (r: inout WireReader) throws(WireError) in
            let code = try r.read(AssetCode.self)
            let decimals = try r.readUInt8()
            return Asset(code: code, decimals: decimals, issuer: try r.read(Address.self))
        }
        balances = try reader.readArray(maxCount: Self.maxBalances) { (r: inout WireReader) throws(WireError) in
            Balance(account: try r.read(Address.self), asset: try r.read(AssetCode.self), amount: try r.readVarint())
        }
        var p = Parameters()
        p.blockIntervalMs = try reader.readVarint()
        p.heartbeatIntervalMs = try reader.readVarint()
        p.disputeWindowMs = try reader.readVarint()
        p.arbitrationWindowMs = try reader.readVarint()
        p.maxTransactionsPerBlock = try reader.readVarint()
        p.maxBlockBytes = try reader.readVarint()
        p.maxTransactionBytes = try reader.readVarint()
        p.maxClockDriftMs = try reader.readVarint()
        parameters = p
        try validate()
    }
}

/// An address in JSON: its Bech32m text, checked when read.
public struct AddressText: Hashable, Sendable, Codable, CustomStringConvertible {
    public let address: Address

    public init(_ address: Address) { self.address = address }

    public init(from decoder: Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do {
            address = try Address(parsing: text)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(address.description)
    }

    public var description: String { address.description }
}
