import ArgumentParser
import Foundation
import TradewindCrypto
import TradewindLedger
import TradewindPeer
import TradewindWire

/// `tradewind genesis`: a real network's genesis.json, assembled from its parties' public
/// addresses so that each party keeps its own key (`testnet` makes every key in one
/// place, which suits a test network only).
struct GenesisCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "genesis",
        abstract: "Write a network's genesis.json from its parties' addresses; each party keeps its own key.",
        discussion: """
            Each party makes its key where its peer will run (`tradewind key new --out FILE \
            --password-file PW` prints the address) and sends only the address. One party \
            writes the genesis with this command and gives genesis.json and the network key \
            to every party (the key privately). Each then runs `tradewind init --home DIR \
            --genesis FILE --network-key FILE --key KEYFILE` and checks that init prints the \
            network id printed here.

            Values come from flags, from a JSON file (--from-json), or both: the flags add \
            authorities, assets and balances to the file's and replace its other values. The \
            file's keys: chainName, genesisTime, authorities (addresses), assets ({"code", \
            "decimals", "issuer"}), balances ({"account", "asset", "amount"}), blockInterval, \
            heartbeat, disputeWindow, arbitrationWindow, maxClockDrift. Amounts, durations and \
            the time are strings written as for the flags; an unknown key is refused.

            Durations are a whole number with ms, s, m, h or d (200ms, 10s, 7d). Blocks come \
            every --block-interval while transactions wait, else every --heartbeat; a buyer \
            may dispute for --dispute-window after delivery and an arbiter has \
            --arbitration-window to rule. --genesis-time is Unix milliseconds or UTC ISO 8601 \
            (2027-01-04T09:00:00Z).

            Nothing is written unless every value passes. A flag that cannot be read is a \
            usage error (exit 64); a genesis that breaks a rule (a duplicate authority, a \
            balance in an undefined asset or with more decimals than its asset, a heartbeat \
            shorter than the block interval, …) and an unreadable --from-json file fail with \
            exit 1; the message names the value. --out is replaced only with --force. The \
            network key (64 hex digits, mode 0600) is --network-key, by default network.key \
            beside --out: kept if it exists, else made new.

            Example, four authorities and one issued asset with a starting balance:
              tradewind genesis --out net/genesis.json --chain-name acme-trade \\
                --authority tw1… --authority tw1… --authority tw1… --authority tw1… \\
                --asset USD:2:tw1… --balance tw1…=USD:250000.00
            """)

    /// An idle real network seals an empty block every 10 s: enough to show that it is
    /// alive, and 8,640 blocks a day where testnet's 250 ms (made for tests that wait on
    /// heights) would add 345,600 to a chain that is kept for years.
    static let defaultHeartbeatMs: UInt64 = 10_000

    @Option(name: .long, help: "The genesis file to write (refused if it exists, unless --force).") var out: String
    @Flag(name: .long, help: "Replace --out if it exists.") var force = false
    @Option(name: .long, help: "The network key file: kept (and checked) if it exists, else made (default: network.key beside --out).")
    var networkKey: String?
    @Option(name: .customLong("from-json"), help: "A JSON file of the genesis's values; flags add to its lists and replace its other values.")
    var fromJSON: String?
    @Option(name: .long, help: "The chain's name, 1 to 64 bytes.") var chainName: String?
    @Option(name: .long, parsing: .unconditional, help: "Unix milliseconds or UTC ISO 8601 like 2027-01-04T09:00:00Z (default: now).")
    var genesisTime: String?
    @Option(name: .long, help: "An authority's address, tw1… (repeatable; at least one in all).") var authority: [String] = []
    @Option(name: .long, help: "An asset, CODE:DECIMALS:ISSUER, like USD:2:tw1… (repeatable; 0 to 18 decimals).")
    var asset: [String] = []
    @Option(name: .long, help: "An initial balance in the asset's units, ACCOUNT=ASSET:AMOUNT, like tw1…=USD:1000.00 (repeatable).")
    var balance: [String] = []
    @Option(name: .long, parsing: .unconditional,
            help: "How long after a block the next one comes when transactions wait (default: \(TimingField.blockInterval.defaultText)).")
    var blockInterval: String?
    @Option(name: .long, parsing: .unconditional,
            help: "How long after a block an empty one comes, at least --block-interval (default: \(TimingField.heartbeat.defaultText)).")
    var heartbeat: String?
    @Option(name: .long, parsing: .unconditional,
            help: "How long after delivery a buyer may dispute (default: \(TimingField.disputeWindow.defaultText)).")
    var disputeWindow: String?
    @Option(name: .long, parsing: .unconditional,
            help: "How long an arbiter has to rule on a dispute (default: \(TimingField.arbitrationWindow.defaultText)).")
    var arbitrationWindow: String?
    @Option(name: .long, parsing: .unconditional,
            help: "How far a block's time may be ahead of an authority's clock (default: \(TimingField.maxClockDrift.defaultText)).")
    var maxClockDrift: String?

    func validate() throws {
        _ = try flagInput()
    }

    func flag(_ field: TimingField) -> String? {
        switch field {
        case .blockInterval: blockInterval
        case .heartbeat: heartbeat
        case .disputeWindow: disputeWindow
        case .arbitrationWindow: arbitrationWindow
        case .maxClockDrift: maxClockDrift
        }
    }

    /// What the flags give, each value read: one that cannot be is a usage error naming it.
    func flagInput() throws -> GenesisInput {
        func read<Value>(_ option: String, _ text: String, _ reader: (String) throws(ValueError) -> Value) throws -> Sourced<Value> {
            do { return Sourced(value: try reader(text), text: text, origin: option) } catch {
                throw ValidationError("\(option) '\(text)': \(error)")
            }
        }
        var input = GenesisInput()
        input.chainName = chainName.map { Sourced(value: $0, text: $0, origin: "--chain-name") }
        input.genesisTime = try genesisTime.map { try read("--genesis-time", $0, GenesisTime.milliseconds) }
        input.authorities = try authority.map { try read("--authority", $0, GenesisValues.address) }
        input.assets = try asset.map { try read("--asset", $0, GenesisValues.asset(flag:)) }
        input.balances = try balance.map { try read("--balance", $0, GenesisValues.balance(flag:)) }
        for field in TimingField.allCases {
            guard let text = flag(field) else { continue }
            input.timing[field] = Sourced(value: try DurationOption.milliseconds(text, field.option), text: text, origin: field.option)
        }
        return input
    }

    func run() throws {
        let fileInput = try fromJSON.map(GenesisInputFile.read) ?? GenesisInput()
        let genesis = try fileInput.adding(try flagInput()).genesis(now: unixMillisecondsNow())
        let keyFile = networkKey ?? Self.sibling(of: out, named: "network.key")

        // Every check comes before the first write, so a refusal leaves nothing behind.
        if FileManager.default.fileExists(atPath: out) {
            var isFolder: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: out, isDirectory: &isFolder)
            if isFolder.boolValue { throw CLIError("--out '\(out)' is a folder; name the file to write, like \(out)/genesis.json") }
            guard force else { throw CLIError("--out '\(out)' already exists; pass --force to replace it") }
        }
        guard URL(fileURLWithPath: keyFile).standardizedFileURL != URL(fileURLWithPath: out).standardizedFileURL else {
            throw CLIError("--network-key '\(keyFile)' is --out; the network key needs a file of its own")
        }
        let keyExists = FileManager.default.fileExists(atPath: keyFile)
        if keyExists { _ = try NetworkKeyFile.read(keyFile, label: "network key file '\(keyFile)' (it exists, so it is kept)") }
        let genesisBytes = try GenesisFile.encode(genesis)

        for path in [out, keyFile] {
            try FileManager.default.createDirectory(atPath: Self.folder(of: path), withIntermediateDirectories: true)
        }
        // The key first: a genesis.json on disk always has its network key beside it.
        if !keyExists { try NetworkKeyFile.write(NetworkKeyFile.generate(), to: keyFile) }
        try Self.writeWhole(genesisBytes, to: out, replacing: force)

        let network = Ledger.networkIDHex(genesis)
        let parameters = genesis.parameters
        print("""
            wrote \(out): chain \(genesis.chainName), \(Self.count(genesis.authorities.count, "authority", "authorities")), \
            \(Self.count(genesis.assets.count, "asset", "assets")), \(Self.count(genesis.balances.count, "balance", "balances")), \
            genesis time \(TimeText.iso8601(genesis.genesisTime))
            network \(network)
            \(keyExists ? "kept the network key in \(keyFile)" : "wrote a new network key to \(keyFile)")
            blocks every \(DurationOption.text(parameters.blockIntervalMs)) while transactions wait, else every \
            \(DurationOption.text(parameters.heartbeatIntervalMs)); dispute window \(DurationOption.text(parameters.disputeWindowMs)), \
            arbitration window \(DurationOption.text(parameters.arbitrationWindowMs)), max clock drift \
            \(DurationOption.text(parameters.maxClockDriftMs))
            next: give \(out) and \(keyFile) (privately) to every party; each runs, with its own key file,
              tradewind init --home DIR --genesis \(out) --network-key \(keyFile) --key KEYFILE
            and checks that init prints network \(network)
            """)
    }

    static func count(_ number: Int, _ one: String, _ many: String) -> String { "\(number) \(number == 1 ? one : many)" }

    /// "net/network.key" beside "net/genesis.json"; "network.key" beside "genesis.json".
    static func sibling(of path: String, named name: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return name }
        return String(path[...slash]) + name
    }

    static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// Writes `bytes` to `path` whole or not at all: into a new file beside it, synced,
    /// then moved into place — over an existing file only when `replacing`, so a file
    /// that appeared since the check above is not clobbered either.
    static func writeWhole(_ bytes: [UInt8], to path: String, replacing: Bool) throws {
        let temporary = path + ".partial-" + UUID().uuidString
        defer { unlink(temporary) } // Gone already after a move; there only after a failure.
        try FileIO.writeSynced(bytes, to: temporary, mode: 0o644)
        if replacing {
            guard rename(temporary, path) == 0 else {
                throw CLIError("cannot write \(path): \(String(cString: strerror(errno)))")
            }
        } else {
            do { try FileIO.renameNoReplace(temporary, to: path) } catch {
                throw CLIError(error.code == EEXIST ? "--out '\(path)' already exists; pass --force to replace it" : "cannot write \(path): \(error)")
            }
        }
        FileIO.syncDirectory(folder(of: path))
    }
}

/// The genesis parameters that are durations, each with its flag, its key in the input
/// file and its default.
enum TimingField: CaseIterable, Hashable {
    case blockInterval, heartbeat, disputeWindow, arbitrationWindow, maxClockDrift

    /// How messages name it: "block interval".
    var name: String {
        switch self {
        case .blockInterval: "block interval"
        case .heartbeat: "heartbeat"
        case .disputeWindow: "dispute window"
        case .arbitrationWindow: "arbitration window"
        case .maxClockDrift: "max clock drift"
        }
    }

    /// "--block-interval".
    var option: String { "--" + name.replacingOccurrences(of: " ", with: "-") }

    /// "blockInterval", its key in the --from-json file.
    var key: String {
        let words = name.split(separator: " ")
        return String(words[0]) + words.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    var parameter: WritableKeyPath<Genesis.Parameters, UInt64> {
        switch self {
        case .blockInterval: \.blockIntervalMs
        case .heartbeat: \.heartbeatIntervalMs
        case .disputeWindow: \.disputeWindowMs
        case .arbitrationWindow: \.arbitrationWindowMs
        case .maxClockDrift: \.maxClockDriftMs
        }
    }

    /// Genesis.Parameters' own defaults (made for real networks), but for the heartbeat.
    var defaultMilliseconds: UInt64 {
        self == .heartbeat ? GenesisCommand.defaultHeartbeatMs : Genesis.Parameters()[keyPath: parameter]
    }

    var defaultText: String { DurationOption.text(defaultMilliseconds) }
}

/// A value as read, with its text and where it came from ("--authority",
/// "consortium.json authorities[2]"), so that a rule relating two values names both.
struct Sourced<Value> {
    var value: Value
    var text: String
    var origin: String

    /// "--asset USD:2:tw1…", "consortium.json assets[0] USD:2:tw1…".
    var described: String { "\(origin) \(text)" }
}

/// A balance as read, before its asset's decimals are known.
struct BalanceInput {
    var account: Address
    var asset: AssetCode
    var amount: DecimalText

    /// As the flag writes it: "tw1…=USD:1000.00".
    var text: String { "\(account)=\(asset):\(amount)" }
}

/// Readers of one genesis value from its text, shared by the flags and the input file so
/// that both accept exactly the same values. Each error names the value.
enum GenesisValues {
    static func address(_ text: String) throws(ValueError) -> Address {
        do { return try Address(parsing: text) } catch { throw ValueError(error.description) }
    }

    static func assetCode(_ text: String) throws(ValueError) -> AssetCode {
        guard let code = AssetCode(text) else { throw ValueError("asset code '\(text)' must be 1 to \(AssetCode.maxLength) of A-Z and 0-9") }
        return code
    }

    static func decimals(_ text: String) throws(ValueError) -> UInt8 {
        do { return UInt8(try WholeNumber.int(text, 0...Int(Amount.maxDecimals), unit: "a number of decimals")) } catch {
            throw ValueError("decimals '\(text)' \(error)")
        }
    }

    /// "USD:2:tw1…".
    static func asset(flag text: String) throws(ValueError) -> Genesis.Asset {
        let parts = text.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3 else { throw ValueError("expected CODE:DECIMALS:ISSUER, like USD:2:tw1…") }
        return try asset(code: parts[0], decimals: parts[1], issuer: parts[2])
    }

    static func asset(code: String, decimals: String, issuer: String) throws(ValueError) -> Genesis.Asset {
        Genesis.Asset(code: try assetCode(code), decimals: try Self.decimals(decimals), issuer: try address(issuer))
    }

    /// "tw1…=USD:1000.00".
    static func balance(flag text: String) throws(ValueError) -> BalanceInput {
        guard let equals = text.firstIndex(of: "="), let colon = text[equals...].firstIndex(of: ":") else {
            throw ValueError("expected ACCOUNT=ASSET:AMOUNT, like tw1…=USD:1000.00")
        }
        return try balance(account: String(text[..<equals]), asset: String(text[text.index(after: equals)..<colon]),
                           amount: String(text[text.index(after: colon)...]))
    }

    /// Whether the amount fits its asset's decimals is checked once the assets are known.
    static func balance(account: String, asset: String, amount: String) throws(ValueError) -> BalanceInput {
        let decimal: DecimalText
        do { decimal = try DecimalText.amount(amount) } catch { throw ValueError("amount '\(amount)' \(error)") }
        return BalanceInput(account: try address(account), asset: try assetCode(asset), amount: decimal)
    }
}

/// `--genesis-time`: Unix milliseconds or UTC ISO 8601, from 2001-09-09 (10^12 ms, which
/// tells milliseconds from mistyped seconds) to the year 10000, as deadlines are.
enum GenesisTime {
    static func milliseconds(_ text: String) throws(ValueError) -> UInt64 {
        let expected = "expected Unix milliseconds or UTC ISO 8601 like 2027-01-04T09:00:00Z, from 2001-09-09 to the year 10000"
        if text.hasPrefix("-") { throw ValueError("cannot be negative; \(expected)") }
        let milliseconds: UInt64
        if !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            guard let value = UInt64(text) else { throw ValueError("is out of range; \(expected)") }
            // Unix seconds are the likeliest mistake: now is about 1.8 × 10^9 s, 1.8 × 10^12 ms.
            guard value >= DeadlineText.earliest else {
                throw ValueError("is before 2001-09-09 in Unix milliseconds (Unix seconds? add three zeros); \(expected)")
            }
            milliseconds = value
        } else {
            guard let value = TimeText.parseISO8601(text) else { throw ValueError("is not a time; \(expected)") }
            milliseconds = value
        }
        guard (DeadlineText.earliest..<DeadlineText.latest).contains(milliseconds) else {
            throw ValueError("is out of range; \(expected)")
        }
        return milliseconds
    }
}

/// The genesis's values as read from the flags and the input file, before the rules that
/// relate them are checked (`genesis(now:)`).
struct GenesisInput {
    var chainName: Sourced<String>?
    var genesisTime: Sourced<UInt64>?
    var authorities: [Sourced<Address>] = []
    var assets: [Sourced<Genesis.Asset>] = []
    var balances: [Sourced<BalanceInput>] = []
    var timing: [TimingField: Sourced<UInt64>] = [:]

    /// These values (the input file's) with `flags` over them: lists add, the rest replace.
    func adding(_ flags: GenesisInput) -> GenesisInput {
        var merged = self
        merged.chainName = flags.chainName ?? chainName
        merged.genesisTime = flags.genesisTime ?? genesisTime
        merged.authorities += flags.authorities
        merged.assets += flags.assets
        merged.balances += flags.balances
        merged.timing.merge(flags.timing) { _, flag in flag }
        return merged
    }

    /// The first of two values with the same key, and the second.
    static func firstDuplicate<Value, Key: Hashable>(_ values: [Sourced<Value>], by key: (Value) -> Key)
        -> (first: Sourced<Value>, second: Sourced<Value>)? {
        var seen: [Key: Sourced<Value>] = [:]
        for value in values {
            if let earlier = seen[key(value.value)] { return (earlier, value) }
            seen[key(value.value)] = value
        }
        return nil
    }

    /// The duration `field` has, and how a message names it: "heartbeat '1s' (--heartbeat)".
    func timing(_ field: TimingField) -> (milliseconds: UInt64, described: String) {
        guard let given = timing[field] else { return (field.defaultMilliseconds, "\(field.name) '\(field.defaultText)' (the default)") }
        return (given.value, "\(field.name) '\(given.text)' (\(given.origin))")
    }

    /// The genesis these values make, at `now` unless a time was given. The first rule
    /// broken is an error naming the value and where it came from; Genesis.validate(),
    /// which the peer applies too, has the last word.
    func genesis(now: UInt64) throws(CLIError) -> Genesis {
        guard let chainName else {
            throw CLIError("no chain name: give --chain-name NAME (or \"chainName\" in the --from-json file)")
        }
        let nameBytes = chainName.value.utf8.count
        guard (1...64).contains(nameBytes) else {
            throw CLIError("chain name '\(chainName.value)' (\(chainName.origin)) is \(nameBytes) bytes; it must be 1 to 64")
        }

        guard !authorities.isEmpty else {
            throw CLIError("no authorities: give --authority ADDRESS at least once (or \"authorities\" in the --from-json file)")
        }
        guard authorities.count <= Genesis.maxAuthorities else {
            throw CLIError("too many authorities: \(authorities.count); at most \(Genesis.maxAuthorities)")
        }
        if let twice = Self.firstDuplicate(authorities, by: \.self) {
            throw CLIError("authority '\(twice.second.value)' is listed twice (\(twice.first.origin); \(twice.second.origin))")
        }

        guard assets.count <= Genesis.maxAssets else { throw CLIError("too many assets: \(assets.count); at most \(Genesis.maxAssets)") }
        if let twice = Self.firstDuplicate(assets, by: \.code) {
            throw CLIError("asset '\(twice.second.value.code)' is defined twice (\(twice.first.described); \(twice.second.described))")
        }
        let decimals = Dictionary(uniqueKeysWithValues: assets.map { ($0.value.code, $0.value.decimals) })

        guard balances.count <= Genesis.maxBalances else {
            throw CLIError("too many balances: \(balances.count); at most \(Genesis.maxBalances)")
        }
        var genesisBalances: [Genesis.Balance] = []
        for balance in balances {
            let entry = balance.value
            guard let places = decimals[entry.asset] else {
                throw CLIError("""
                    asset '\(entry.asset)' of balance \(entry.text) (\(balance.origin)) is not defined: \
                    add --asset \(entry.asset):DECIMALS:ISSUER (or an entry in "assets")
                    """)
            }
            let amount: UInt64
            do { amount = try entry.amount.scaled(by: places) } catch {
                throw CLIError("amount '\(entry.amount)' of balance \(entry.text) (\(balance.origin)) \(error) (\(entry.asset) has \(places) decimals)")
            }
            genesisBalances.append(Genesis.Balance(account: entry.account, asset: entry.asset, amount: amount))
        }
        if let twice = Self.firstDuplicate(balances, by: { AccountAsset(account: $0.account, asset: $0.asset) }) {
            throw CLIError("""
                balance of '\(twice.second.value.account)' in \(twice.second.value.asset) is given twice \
                (\(twice.first.described); \(twice.second.described)): give one balance per account and asset
                """)
        }

        var parameters = Genesis.Parameters()
        for field in TimingField.allCases { parameters[keyPath: field.parameter] = timing(field).milliseconds }
        let heartbeat = timing(.heartbeat), blockInterval = timing(.blockInterval)
        guard heartbeat.milliseconds >= blockInterval.milliseconds else {
            throw CLIError("\(heartbeat.described) must be at least the \(blockInterval.described)")
        }

        let genesis = Genesis(chainName: chainName.value, genesisTime: genesisTime?.value ?? now,
                              authorities: authorities.map(\.value), assets: assets.map(\.value),
                              balances: genesisBalances, parameters: parameters)
        do { try genesis.validate() } catch { throw CLIError("the genesis is not valid: \(error)") }
        return genesis
    }

    private struct AccountAsset: Hashable {
        var account: Address
        var asset: AssetCode
    }
}

/// `--from-json FILE`: the genesis's values as the flags give them, in JSON. Every key
/// is optional (the flags may give the rest). Amounts, durations and the time are
/// strings read by the flags' own readers, so nothing is rounded on the way and both
/// forms accept the same values; a key it does not know is refused, so a misspelt
/// "heartBeat" is not silently left at its default.
enum GenesisInputFile {
    static let topKeys = ["chainName", "genesisTime", "authorities", "assets", "balances"] + TimingField.allCases.map(\.key)

    struct Asset: StrictObject {
        var code: String
        var decimals: Int
        var issuer: String

        private enum CodingKeys: String, CodingKey, CaseIterable { case code, decimals, issuer }
        static var keys: [String] { CodingKeys.allCases.map(\.rawValue) }
    }

    struct Balance: StrictObject {
        var account: String
        var asset: String
        var amount: String

        private enum CodingKeys: String, CodingKey, CaseIterable { case account, asset, amount }
        static var keys: [String] { CodingKeys.allCases.map(\.rawValue) }
    }

    /// genesisTime: text as for --genesis-time, or Unix milliseconds as a JSON number.
    struct TimeValue: Decodable {
        var text: String

        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let milliseconds = try? container.decode(UInt64.self) {
                text = String(milliseconds)
            } else if let string = try? container.decode(String.self) {
                text = string
            } else {
                throw DecodingError.dataCorruptedError(
                    in: container, debugDescription: "expected Unix milliseconds or a string like \"2027-01-04T09:00:00Z\"")
            }
        }
    }

    /// The file as written, every value still text.
    struct Contents: Decodable {
        var chainName: String?
        var genesisTime: TimeValue?
        var authorities: [String]
        var assets: [Asset]
        var balances: [Balance]
        var timing: [TimingField: String] = [:]

        init(from decoder: Decoder) throws {
            try decoder.refuseUnknownKeys(GenesisInputFile.topKeys)
            let container = try decoder.container(keyedBy: AnyCodingKey.self)
            func key(_ name: String) -> AnyCodingKey { AnyCodingKey(stringValue: name) }
            chainName = try container.decodeIfPresent(String.self, forKey: key("chainName"))
            genesisTime = try container.decodeIfPresent(TimeValue.self, forKey: key("genesisTime"))
            authorities = try container.decodeIfPresent([String].self, forKey: key("authorities")) ?? []
            assets = try container.decodeIfPresent([Strict<Asset>].self, forKey: key("assets"))?.map(\.value) ?? []
            balances = try container.decodeIfPresent([Strict<Balance>].self, forKey: key("balances"))?.map(\.value) ?? []
            for field in TimingField.allCases {
                timing[field] = try container.decodeIfPresent(String.self, forKey: key(field.key))
            }
        }
    }

    /// The values in the file at `path`, each read as its flag's would be; an error names
    /// the file, the place in it and the value.
    static func read(_ path: String) throws(CLIError) -> GenesisInput {
        let bytes: [UInt8]
        do { bytes = try FileIO.read(path, limit: 64 << 20) } catch { throw CLIError("cannot read --from-json '\(path)': \(error)") }
        let contents: Contents
        do { contents = try JSONDecoder().decode(Contents.self, from: Data(bytes)) } catch let error as DecodingError {
            throw CLIError("\(path): \(describe(error, in: bytes))")
        } catch {
            throw CLIError("\(path): \(error)")
        }

        func entry<Value>(_ place: String, _ text: String, _ reader: () throws(ValueError) -> Value) throws(CLIError) -> Sourced<Value> {
            do { return Sourced(value: try reader(), text: text, origin: "\(path) \(place)") } catch {
                throw CLIError("\(path): \(place) '\(text)': \(error)")
            }
        }
        var input = GenesisInput()
        input.chainName = contents.chainName.map { Sourced(value: $0, text: $0, origin: "\(path) chainName") }
        if let time = contents.genesisTime?.text {
            input.genesisTime = try entry("genesisTime", time) { () throws(ValueError) in try GenesisTime.milliseconds(time) }
        }
        for (index, text) in contents.authorities.enumerated() {
            input.authorities.append(try entry("authorities[\(index)]", text) { () throws(ValueError) in try GenesisValues.address(text) })
        }
        for (index, asset) in contents.assets.enumerated() {
            let text = "\(asset.code):\(asset.decimals):\(asset.issuer)"
            input.assets.append(try entry("assets[\(index)]", text) { () throws(ValueError) in
                try GenesisValues.asset(code: asset.code, decimals: String(asset.decimals), issuer: asset.issuer)
            })
        }
        for (index, balance) in contents.balances.enumerated() {
            let text = "\(balance.account)=\(balance.asset):\(balance.amount)"
            input.balances.append(try entry("balances[\(index)]", text) { () throws(ValueError) in
                try GenesisValues.balance(account: balance.account, asset: balance.asset, amount: balance.amount)
            })
        }
        for field in TimingField.allCases {
            guard let text = contents.timing[field] else { continue }
            do {
                let milliseconds = try DurationOption.milliseconds(text, "\(path): \(field.key)")
                input.timing[field] = Sourced(value: milliseconds, text: text, origin: "\(path) \(field.key)")
            } catch let error as ValidationError {
                throw CLIError(error.message)
            } catch {
                throw CLIError("\(path): \(field.key): \(error)")
            }
        }
        return input
    }

    /// A decoding error as a person reads it: where in the file, then what is wrong.
    static func describe(_ error: DecodingError, in bytes: [UInt8]) -> String {
        func path(_ codingPath: [CodingKey]) -> String {
            codingPath.reduce("") { path, key in
                if let index = key.intValue { return path + "[\(index)]" }
                return path.isEmpty ? key.stringValue : path + "." + key.stringValue
            }
        }
        func place(_ codingPath: [CodingKey]) -> String {
            let location = path(codingPath)
            return location.isEmpty ? "" : location + ": "
        }
        switch error {
        case let .typeMismatch(type, context):
            // JSONDecoder names the type it wanted ("String", "Array<Any>", "Dictionary<String, Any>").
            let wanted = String(describing: type)
            let expected = wanted == "String" ? "a string" : ["Int", "UInt64"].contains(wanted) ? "a whole number"
                : wanted.hasPrefix("Array") ? "a list" : "an object"
            let key = context.codingPath.last?.stringValue ?? ""
            // Amounts are strings on purpose: a JSON number may lose digits on the way.
            let example = key == "amount" ? ", like \"1000.50\"" : TimingField.allCases.map(\.key).contains(key) ? ", like \"10s\"" : ""
            return place(context.codingPath) + "expected \(expected)\(example)"
        case let .valueNotFound(_, context):
            return place(context.codingPath) + "is null"
        case let .keyNotFound(key, context):
            return place(context.codingPath) + "'\(key.stringValue)' is missing"
        case let .dataCorrupted(context):
            // JSONDecoder does not say where JSON is malformed; JSONSerialization does.
            guard context.codingPath.isEmpty, let reason = syntaxError(bytes) else {
                return place(context.codingPath) + context.debugDescription
            }
            return "not valid JSON: \(reason)"
        @unknown default:
            return "\(error)"
        }
    }
}

extension GenesisInputFile {
    /// Where JSONSerialization finds `bytes` malformed ("Invalid value around character 8."), or nil.
    static func syntaxError(_ bytes: [UInt8]) -> String? {
        do { _ = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]) } catch {
            return (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
        }
        return nil
    }
}

/// Any key of a JSON object, to find the keys a type does not know.
struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int?

    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) {
        stringValue = String(intValue)
        self.intValue = intValue
    }
}

/// An object whose synthesized decoder runs only once no key outside `keys` is present
/// (decode it as `Strict<Self>`).
protocol StrictObject: Decodable {
    static var keys: [String] { get }
}

struct Strict<Value: StrictObject>: Decodable {
    var value: Value

    init(from decoder: Decoder) throws {
        try decoder.refuseUnknownKeys(Value.keys)
        value = try Value(from: decoder)
    }
}

extension Decoder {
    /// Refuses an object with a key outside `known` (the first such key in sorted order,
    /// so the message does not depend on the file's order).
    func refuseUnknownKeys(_ known: [String]) throws {
        let object = try container(keyedBy: AnyCodingKey.self)
        guard let unknown = object.allKeys.map(\.stringValue).filter({ !known.contains($0) }).sorted().first else { return }
        throw DecodingError.dataCorrupted(.init(
            codingPath: object.codingPath,
            debugDescription: "unknown key '\(unknown)'; the keys are \(known.joined(separator: ", "))"))
    }
}
