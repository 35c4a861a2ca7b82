import Foundation
import Testing
@testable import TradewindCLI
import TradewindLedger
import TradewindPeer
import TradewindTestSupport
import TradewindWire

/// `tradewind genesis` founds a real network from its parties' addresses alone: each
/// party keeps its key, the genesis names the addresses, and every party's `init`
/// accepts the file. A broken rule is refused naming the value, and nothing is written.
@Suite struct GenesisCommandTests {
    /// A folder with a passphrase file, and `count` encrypted keys made by `key new`.
    static func keys(_ label: String, count: Int) throws -> (directory: String, passphrase: String, addresses: [String]) {
        let directory = try temporaryDirectory(label)
        let passphrase = directory + "/passphrase"
        try "tide pool 42\n".write(toFile: passphrase, atomically: true, encoding: .utf8)
        let addresses = try (1...count).map { index in
            let made = try CLIProcess.run(["key", "new", "--out", directory + "/party-\(index).key", "--password-file", passphrase])
            #expect(made.status == 0, "\(made.error)")
            return made.output.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return (directory, passphrase, addresses)
    }

    /// The network id `genesis` (or `init`) printed: the hex after "network ".
    static func networkID(_ output: String) -> String? {
        guard let range = output.range(of: #"network [0-9a-f]{64}"#, options: .regularExpression) else { return nil }
        return String(output[range].dropFirst("network ".count))
    }

    static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    /// Two parties each make a key and send its address; one writes the genesis with both
    /// as authorities, an asset and a shop's starting balance; each inits its own home
    /// from it with its own key. Both peers then run the network: a payment from the
    /// shop commits and both see the balance it leaves.
    @Test func aConsortiumFoundsANetworkFromAddressesAlone() throws {
        let (directory, passphrase, addresses) = try Self.keys("genesis-consortium", count: 2)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let wallets = directory + "/wallets"
        let shop = try CLIProcess.run(["wallet", "new", "shop", "--wallets", wallets, "--password-file", passphrase])
        #expect(shop.status == 0, "\(shop.error)")
        let shopAddress = try #require(shop.output.split(separator: " ").last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) })

        let founding = directory + "/founding"
        let written = try CLIProcess.run([
            "genesis", "--out", founding + "/genesis.json", "--chain-name", "consortium-test",
            "--authority", addresses[0], "--authority", addresses[1],
            "--asset", "USD:2:\(addresses[0])", "--balance", "\(shopAddress)=USD:1000.00",
        ])
        #expect(written.status == 0, "\(written.error)")
        let network = try #require(Self.networkID(written.output), "\(written.output)")
        #expect(written.output.contains("wrote a new network key to \(founding)/network.key"), "\(written.output)")
        #expect(written.output.contains("tradewind init --home DIR --genesis \(founding)/genesis.json --network-key \(founding)/network.key --key KEYFILE"),
                "\(written.output)")

        let genesis = try PeerHome.readGenesis(founding + "/genesis.json")
        #expect(genesis.chainName == "consortium-test")
        #expect(Set(genesis.authorities.map(\.description)) == Set(addresses))
        #expect(genesis.assets.map { "\($0.code):\($0.decimals):\($0.issuer)" } == ["USD:2:\(addresses[0])"])
        #expect(genesis.balances.map { "\($0.account)=\($0.asset):\($0.amount)" } == ["\(shopAddress)=USD:100000"])
        let parameters = genesis.parameters
        #expect(parameters.heartbeatIntervalMs == 10_000 && parameters.blockIntervalMs == 200)
        #expect(parameters.disputeWindowMs == 7 * 86_400_000 && parameters.arbitrationWindowMs == 14 * 86_400_000)
        #expect(Ledger.networkIDHex(genesis) == network)
        let key = try String(contentsOfFile: founding + "/network.key", encoding: .utf8)
        #expect(key.count == 65 && Hex.decode(String(key.dropLast()))?.count == 32, "\(key)")
        let mode = try FileManager.default.attributesOfItem(atPath: founding + "/network.key")[.posixPermissions] as? Int
        #expect(mode == 0o600)

        // Each party inits its home from the shared files with the key it kept.
        let basePort = testBasePort(span: 32)
        let names = ["alpha", "beta"]
        for index in 0..<2 {
            let other = 1 - index
            let home = directory + "/" + names[index]
            let initialized = try CLIProcess.run([
                "init", "--home", home, "--genesis", founding + "/genesis.json", "--network-key", founding + "/network.key",
                "--key", directory + "/party-\(index + 1).key", "--name", names[index],
                "--listen", "127.0.0.1:\(basePort + 2 * index)", "--api", "127.0.0.1:\(basePort + 2 * index + 1)",
                "--peer", "\(names[other])=\(addresses[other])@127.0.0.1:\(basePort + 2 * other)",
            ])
            #expect(initialized.status == 0, "\(initialized.error)")
            #expect(initialized.output.contains("address \(addresses[index]), network \(network)"), "\(initialized.output)")
        }

        var peers: [ChildProcess] = []
        defer {
            for peer in peers { peer.kill(SIGTERM) }
            for peer in peers { peer.wait(timeout: 10) }
        }
        for name in names {
            peers.append(try ChildProcess(executable: "tradewind", arguments: ["peer", "--home", directory + "/" + name, "--password-file", passphrase],
                                          errorLog: directory + "/\(name).log"))
        }
        // Once both APIs are up, one payment: it waits in the mempool until the two
        // authorities (both needed for a quorum of two) have found each other.
        let deadline = Date().addingTimeInterval(60)
        for name in names {
            while try CLIProcess.run(["status", "--home", directory + "/" + name]).status != 0, Date() < deadline { usleep(200_000) }
        }
        let sent = try CLIProcess.run(["send", "--home", directory + "/alpha", "--wallets", wallets, "--password-file", passphrase,
                                       "--from", "shop", "--to", addresses[1], "--amount", "12.50", "--asset", "USD",
                                       "--wait", "--timeout", "60"])
        let log = (try? String(contentsOfFile: directory + "/alpha.log", encoding: .utf8)) ?? ""
        #expect(sent.status == 0, "\(sent.error)\(sent.output)\n\(log.suffix(2000))")
        #expect(sent.output.contains("tesSUCCESS"), "\(sent.output)")

        var display: [String] = []
        repeat {
            let account = try CLIProcess.run(["account", shopAddress, "--home", directory + "/beta", "--json"])
            display = (try? JSONDecoder().decode(AccountView.self, from: Data(account.output.utf8)))?.balances.map(\.display) ?? []
            if display == ["987.50"] { break }
            usleep(200_000)
        } while Date() < deadline
        #expect(display == ["987.50"])
    }

    /// One case per rule: the exit status, a part of the message that names the value,
    /// and no genesis.json or network.key left behind. A flag that cannot be read is a
    /// usage error (64, as in every command); a genesis that breaks a rule fails (1).
    @Test func eachBrokenRuleIsRefusedNamingTheValueAndNothingIsWritten() throws {
        let (directory, _, addresses) = try Self.keys("genesis-refusals", count: 2)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (a, b) = (addresses[0], addresses[1])
        let base = ["--chain-name", "refusals", "--authority", a]
        let usd = ["--asset", "USD:2:\(a)"]
        let longName = String(repeating: "n", count: 65)
        let cases: [(arguments: [String], status: Int32, message: String)] = [
            (["--chain-name", "x", "--authority", "tw1notanaddress"], 64, "--authority 'tw1notanaddress': invalid address 'tw1notanaddress'"),
            (base + ["--authority", a], 1, "authority '\(a)' is listed twice (--authority; --authority)"),
            (base + ["--balance", "\(b)=EUR:5"], 1, "asset 'EUR' of balance \(b)=EUR:5 (--balance) is not defined"),
            (base + usd + ["--balance", "\(b)=USD:1.005"], 1, "amount '1.005' of balance \(b)=USD:1.005 (--balance) has 3 decimals; at most 2"),
            (base + ["--asset", "USD:19:\(a)"], 64, "decimals '19' is out of range"),
            (base + ["--block-interval", "2s", "--heartbeat", "1s"], 1,
             "heartbeat '1s' (--heartbeat) must be at least the block interval '2s' (--block-interval)"),
            (base + ["--block-interval", "20s"], 1, "heartbeat '10s' (the default) must be at least the block interval '20s'"),
            (["--chain-name", "x"], 1, "no authorities"),
            (["--authority", a], 1, "no chain name"),
            (["--chain-name", longName, "--authority", a], 1, "chain name '\(longName)' (--chain-name) is 65 bytes; it must be 1 to 64"),
            (base + ["--asset", "usd:2:\(a)"], 64, "asset code 'usd'"),
            (base + ["--asset", "USD:2"], 64, "--asset 'USD:2': expected CODE:DECIMALS:ISSUER"),
            (base + usd + ["--balance", "\(b)USD1000"], 64, "--balance '\(b)USD1000': expected ACCOUNT=ASSET:AMOUNT"),
            (base + usd + ["--balance", "\(b)=USD:-5"], 64, "amount '-5' cannot be negative"),
            (base + usd + ["--balance", "\(b)=USD:0"], 64, "amount '0' must be more than zero"),
            (base + usd + ["--asset", "USD:3:\(b)"], 1, "asset 'USD' is defined twice (--asset USD:2:\(a); --asset USD:3:\(b))"),
            (base + usd + ["--balance", "\(b)=USD:5", "--balance", "\(b)=USD:6"], 1, "balance of '\(b)' in USD is given twice"),
            (base + ["--genesis-time", "1764547200"], 64, "--genesis-time '1764547200': is before 2001-09-09 in Unix milliseconds (Unix seconds?"),
            (base + ["--genesis-time", "2027-02-30T00:00:00Z"], 64, "--genesis-time '2027-02-30T00:00:00Z': is not a time"),
            (base + ["--dispute-window", "7w"], 64, "--dispute-window '7w' must be a whole number"),
            (base + ["--from-json", directory + "/absent.json"], 1, "cannot read --from-json '\(directory)/absent.json'"),
        ]
        for (index, (arguments, status, message)) in cases.enumerated() {
            let out = directory + "/case-\(index)"
            let result = try CLIProcess.run(["genesis", "--out", out + "/genesis.json"] + arguments)
            #expect(result.status == status, "\(arguments): exit \(result.status): \(result.error)")
            #expect(result.error.contains(message), "\(arguments): \(result.error)")
            #expect(!Self.exists(out), "\(arguments) wrote into \(out)")
        }
    }

    /// Problems in the --from-json file fail with exit 1 and name the place in the file.
    @Test func aBrokenInputFileIsRefusedNamingThePlaceInIt() throws {
        let (directory, _, addresses) = try Self.keys("genesis-file-refusals", count: 1)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let a = addresses[0]
        let cases: [(json: String, message: String)] = [
            (#"{"chainName": "x", "heartBeat": "5s"}"#, "unknown key 'heartBeat'; the keys are chainName, genesisTime, authorities"),
            (#"{"authorities": ["tw1x"]}"#, "authorities[0] 'tw1x': invalid address 'tw1x'"),
            (#"{"assets": [{"code": "USD", "decimals": 2}]}"#, "assets[0]: 'issuer' is missing"),
            (#"{"assets": [{"code": "USD", "decimals": 2, "issuer": "\#(a)", "colour": "red"}]}"#, "assets[0]: unknown key 'colour'"),
            (#"{"assets": [{"code": "USD", "decimals": 19, "issuer": "\#(a)"}]}"#, "assets[0] 'USD:19:\(a)': decimals '19' is out of range"),
            (#"{"balances": [{"account": "\#(a)", "asset": "USD", "amount": 5}]}"#, "balances[0].amount: expected a string, like \"1000.50\""),
            (#"{"heartbeat": "5x"}"#, "heartbeat '5x' must be a whole number"),
            (#"{"genesisTime": "yesterday"}"#, "genesisTime 'yesterday': is not a time"),
            (#"{"chainName": "#, "not valid JSON"),
            (#"[1]"#, "expected an object"),
            // The rules that relate values hold across the file and the flags.
            (#"{"authorities": ["\#(a)"]}"#, "authority '\(a)' is listed twice"),
        ]
        for (index, (json, message)) in cases.enumerated() {
            let input = directory + "/input-\(index).json", out = directory + "/case-\(index)"
            try json.write(toFile: input, atomically: true, encoding: .utf8)
            let result = try CLIProcess.run(["genesis", "--out", out + "/genesis.json", "--from-json", input,
                                             "--chain-name", "file-refusals", "--authority", a])
            #expect(result.status == 1, "\(json): exit \(result.status): \(result.error)")
            #expect(result.error.contains(message), "\(json): \(result.error)")
            #expect(result.error.contains(input), "\(json): the message does not name the file: \(result.error)")
            #expect(!Self.exists(out), "\(json) wrote into \(out)")
        }
    }

    /// The same genesis from a JSON file, from flags, and from a file completed by flags:
    /// the same bytes and the same network id (at a fixed genesis time). A flag replaces
    /// the file's value.
    @Test func theJSONInputMakesTheSameGenesisAsTheFlags() throws {
        let (directory, _, addresses) = try Self.keys("genesis-json", count: 3)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (a, b, c) = (addresses[0], addresses[1], addresses[2])
        let json = """
            {
              "chainName": "same-either-way",
              "genesisTime": "2027-01-04T09:00:00Z",
              "authorities": ["\(a)", "\(b)"],
              "assets": [{"code": "USD", "decimals": 2, "issuer": "\(a)"}, {"code": "JPY", "decimals": 0, "issuer": "\(b)"}],
              "balances": [{"account": "\(c)", "asset": "USD", "amount": "1000.5"}, {"account": "\(c)", "asset": "JPY", "amount": "150000"}],
              "blockInterval": "250ms", "heartbeat": "30s", "disputeWindow": "3d", "arbitrationWindow": "10d", "maxClockDrift": "1500ms"
            }
            """
        try json.write(toFile: directory + "/input.json", atomically: true, encoding: .utf8)
        let flags = [
            "--chain-name", "same-either-way", "--genesis-time", "1799053200000", "--authority", b, "--authority", a,
            "--asset", "JPY:0:\(b)", "--asset", "USD:2:\(a)", "--balance", "\(c)=JPY:150000", "--balance", "\(c)=USD:1000.50",
            "--block-interval", "250ms", "--heartbeat", "30000ms", "--dispute-window", "72h", "--arbitration-window", "10d",
            "--max-clock-drift", "1500ms",
        ]
        let fromFile = try CLIProcess.run(["genesis", "--out", directory + "/file/genesis.json", "--from-json", directory + "/input.json"])
        let fromFlags = try CLIProcess.run(["genesis", "--out", directory + "/flags/genesis.json"] + flags)
        // Half in the file, the rest (and a replaced heartbeat) from flags.
        try """
            {"chainName": "same-either-way", "authorities": ["\(a)"], "assets": [{"code": "USD", "decimals": 2, "issuer": "\(a)"}],
             "heartbeat": "5s", "disputeWindow": "3d"}
            """.write(toFile: directory + "/part.json", atomically: true, encoding: .utf8)
        let mixed = try CLIProcess.run([
            "genesis", "--out", directory + "/mixed/genesis.json", "--from-json", directory + "/part.json",
            "--genesis-time", "2027-01-04T09:00:00.000Z", "--authority", b, "--asset", "JPY:0:\(b)",
            "--balance", "\(c)=USD:1000.50", "--balance", "\(c)=JPY:150000", "--block-interval", "250ms", "--heartbeat", "30s",
            "--arbitration-window", "10d", "--max-clock-drift", "1500ms",
        ])
        for result in [fromFile, fromFlags, mixed] { #expect(result.status == 0, "\(result.error)") }
        let ids = [fromFile, fromFlags, mixed].map { Self.networkID($0.output) }
        #expect(ids[0] != nil && Set(ids).count == 1, "\(ids)")
        let bytes = try ["file", "flags", "mixed"].map { try Data(contentsOf: URL(fileURLWithPath: directory + "/\($0)/genesis.json")) }
        #expect(bytes[0] == bytes[1] && bytes[1] == bytes[2])

        let genesis = try PeerHome.readGenesis(directory + "/file/genesis.json")
        #expect(genesis.genesisTime == 1_799_053_200_000)
        #expect(genesis.parameters.heartbeatIntervalMs == 30_000 && genesis.parameters.disputeWindowMs == 3 * 86_400_000)
        #expect(genesis.parameters.maxClockDriftMs == 1500 && genesis.parameters.blockIntervalMs == 250)
        #expect(genesis.balances.map(\.amount).sorted() == [100_050, 150_000])
    }

    /// `--out` is never replaced without --force; the network key is kept when it exists
    /// (also with --force), and a malformed one is refused before anything is written.
    @Test func outIsReplacedOnlyWithForceAndAnExistingNetworkKeyIsKept() throws {
        let (directory, _, addresses) = try Self.keys("genesis-force", count: 1)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let out = directory + "/net/genesis.json", key = directory + "/net/network.key"
        let arguments = ["genesis", "--out", out, "--authority", addresses[0]]
        #expect(try CLIProcess.run(arguments + ["--chain-name", "first"]).status == 0)
        let firstKey = try String(contentsOfFile: key, encoding: .utf8)

        let again = try CLIProcess.run(arguments + ["--chain-name", "second"])
        #expect(again.status == 1 && again.error.contains("--out '\(out)' already exists; pass --force to replace it"), "\(again.error)")
        #expect(try PeerHome.readGenesis(out).chainName == "first")

        let forced = try CLIProcess.run(arguments + ["--chain-name", "second", "--force"])
        #expect(forced.status == 0, "\(forced.error)")
        #expect(forced.output.contains("kept the network key in \(key)"), "\(forced.output)")
        #expect(try PeerHome.readGenesis(out).chainName == "second")
        #expect(try String(contentsOfFile: key, encoding: .utf8) == firstKey)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory + "/net").sorted()
        #expect(leftovers == ["genesis.json", "network.key"], "\(leftovers)")

        let elsewhere = directory + "/keys/custom.key"
        let custom = try CLIProcess.run(["genesis", "--out", directory + "/other/genesis.json", "--network-key", elsewhere,
                                         "--chain-name", "third", "--authority", addresses[0]])
        #expect(custom.status == 0 && Self.exists(elsewhere) && !Self.exists(directory + "/other/network.key"), "\(custom.error)")

        try "not a key\n".write(toFile: directory + "/bad.key", atomically: true, encoding: .utf8)
        let badKey = try CLIProcess.run(["genesis", "--out", directory + "/bad/genesis.json", "--network-key", directory + "/bad.key",
                                         "--chain-name", "fourth", "--authority", addresses[0]])
        #expect(badKey.status == 1 && badKey.error.contains("network key file '\(directory)/bad.key'"), "\(badKey.error)")
        #expect(!Self.exists(directory + "/bad"))

        try FileManager.default.createDirectory(atPath: directory + "/folder.json", withIntermediateDirectories: true)
        let folder = try CLIProcess.run(["genesis", "--out", directory + "/folder.json", "--chain-name", "fifth", "--authority", addresses[0], "--force"])
        #expect(folder.status == 1 && folder.error.contains("--out '\(directory)/folder.json' is a folder"), "\(folder.error)")
    }

    /// A real network's genesis idles at a 10 s heartbeat; a test network keeps 250 ms.
    @Test func genesisDefaultsTheHeartbeatTo10sAndTestnetTo250ms() throws {
        let (directory, _, addresses) = try Self.keys("genesis-heartbeat", count: 1)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let founded = try CLIProcess.run(["genesis", "--out", directory + "/real/genesis.json", "--chain-name", "real", "--authority", addresses[0]])
        #expect(founded.status == 0, "\(founded.error)")
        #expect(try PeerHome.readGenesis(directory + "/real/genesis.json").parameters.heartbeatIntervalMs == 10_000)
        let testnet = try CLIProcess.run(["testnet", "--authorities", "1", "--out", directory + "/test"])
        #expect(testnet.status == 0, "\(testnet.error)")
        #expect(try PeerHome.readGenesis(directory + "/test/genesis.json").parameters.heartbeatIntervalMs == 250)
        #expect(GenesisCommand.defaultHeartbeatMs == 10_000 && TimingField.heartbeat.defaultText == "10s")
    }

    /// The genesis time's ISO 8601 reader is the exact inverse of the CLI's writer.
    @Test func isoTimesReadBackExactly() throws {
        #expect(TimeText.parseISO8601("2027-01-04T09:00:00Z") == 1_799_053_200_000)
        #expect(TimeText.parseISO8601("2024-02-29T23:59:59.5Z") == 1_709_251_199_500)
        var random = SeededGenerator(seed: 0x6E_6573_6973)
        for _ in 0..<2000 {
            let milliseconds = DeadlineText.earliest + random.next() % (DeadlineText.latest - DeadlineText.earliest)
            #expect(TimeText.parseISO8601(TimeText.iso8601(milliseconds)) == milliseconds)
        }
        for text in ["2023-02-29T00:00:00Z", "2027-13-01T00:00:00Z", "2027-01-04T24:00:00Z", "2027-01-04T09:00:00",
                     "2027-01-04T09:00:00+01:00", "2027-01-04 09:00:00Z", "2027-01-04T09:00:00.1234Z", "2027-1-04T09:00:00Z",
                     "2027-01-04T09:00:00.Z", "１９７０-01-01T00:00:00Z", ""] {
            #expect(TimeText.parseISO8601(text) == nil, "\(text)")
        }
        #expect(["1ms", "250ms", "10s", "90s", "2m", "2h", "7d", "14d"].allSatisfy {
            (try? DurationOption.text(DurationOption.milliseconds($0, "--test"))) == $0
        })
    }
}
