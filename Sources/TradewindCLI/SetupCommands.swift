import ArgumentParser
import Foundation
import TradewindCrypto
import TradewindLedger
import TradewindPeer
import TradewindChainStore
import TradewindStore
import TradewindWire

/// `tradewind init`: one peer's home from a network's genesis and key.
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init", abstract: "Create a peer's home from a genesis file and a network key.",
        discussion: "Writes HOME/config.json with every default, copies the genesis and network key, and creates the node key (or imports --key).")

    @Option(name: .long, help: "The home folder to create (must be empty or absent).") var home: String
    @Option(name: .long, help: "The network's genesis.json.") var genesis: String
    @Option(name: .long, help: "The network key file (64 hex digits).") var networkKey: String
    @Option(name: .long, help: "This peer's name.") var name: String = "peer"
    @Option(name: .long, help: "UDP address to listen on, HOST:PORT.") var listen: String = "0.0.0.0:26600"
    @Option(name: .long, help: "Local API address, HOST:PORT (port 0 picks one).") var api: String = "127.0.0.1:0"
    @Option(name: .long, help: "A peer to join through: NAME=ADDRESS@HOST:PORT (repeatable).") var peer: [String] = []
    @Option(name: .long, help: "The address others reach this peer at, HOST:PORT (needed when --listen is 0.0.0.0).") var advertise: String?
    @Option(name: .long, help: "Use this key file as the node key instead of creating one.") var key: String?

    func validate() throws {
        _ = try Self.endpoint(listen, "--listen")
        _ = try Self.endpoint(api, "--api")
        _ = try advertise.map { try Self.endpoint($0, "--advertise") }
        _ = try peer.map(Self.parsePeer)
    }

    func run() throws {
        let peerHome = PeerHome(home)
        if let contents = try? FileManager.default.contentsOfDirectory(atPath: home), !contents.isEmpty {
            throw CLIError("\(home) is not empty; choose a new folder")
        }
        let genesisData: Data
        do { genesisData = try Data(contentsOf: URL(fileURLWithPath: genesis)) } catch { throw CLIError("cannot read --genesis \(genesis)") }
        if let version = try? JSONDecoder().decode(Genesis.FileVersion.self, from: genesisData).version,
           let refusal = Genesis.refusal(ofVersion: version) {
            throw CLIError("\(genesis) was \(refusal)")
        }
        let parsed: Genesis
        do { parsed = try JSONDecoder().decode(Genesis.self, from: genesisData); try parsed.validate() } catch {
            throw CLIError("\(genesis) is not a valid genesis: \(error)")
        }
        let keyText = try NetworkKeyFile.read(networkKey, label: "--network-key \(networkKey)")
        let peers = try peer.map(Self.parsePeer)
        try FileManager.default.createDirectory(atPath: peerHome.keysDirectory, withIntermediateDirectories: true)
        try FileIO.writeSynced(Array(genesisData), to: peerHome.genesisFile, mode: 0o644)
        try NetworkKeyFile.write(keyText, to: peerHome.networkKeyFile)
        let address: Address
        if let key {
            do { address = try KeyFile.address(key) } catch { throw CLIError(error.description) }
            try FileIO.writeSynced(try FileIO.read(key, limit: 1 << 20), to: peerHome.nodeKeyFile, mode: 0o600)
        } else {
            let generated = Ed25519.PrivateKey.generate()
            try KeyFile.writePlain(generated, to: peerHome.nodeKeyFile)
            address = generated.publicKey.address
        }
        let configuration = PeerConfiguration(name: name, listen: try Self.endpoint(listen, "--listen"),
                                              advertise: try advertise.map { try Self.endpoint($0, "--advertise") },
                                              api: try Self.endpoint(api, "--api"), peers: peers)
        try TestnetCommand.write(configuration, to: peerHome.configFile)
        print("\(home): peer \(name), address \(address), network \(Ledger.networkIDHex(parsed))")
    }

    static func endpoint(_ text: String, _ option: String) throws -> PeerConfiguration.Endpoint {
        guard let colon = text.lastIndex(of: ":"), colon > text.startIndex,
              let port = try? WholeNumber.int(String(text[text.index(after: colon)...]), 0...65535, unit: "a port") else {
            throw ValidationError("\(option) '\(text)' must be HOST:PORT")
        }
        return .init(host: String(text[..<colon]), port: port)
    }

    static func parsePeer(_ text: String) throws -> PeerConfiguration.KnownPeer {
        guard let equals = text.firstIndex(of: "="), let at = text.lastIndex(of: "@"), equals < at else {
            throw ValidationError("--peer '\(text)' must be NAME=ADDRESS@HOST:PORT")
        }
        let address = try parseAddress(String(text[text.index(after: equals)..<at]), "--peer \(text)")
        let endpoint = try endpoint(String(text[text.index(after: at)...]), "--peer")
        return .init(name: String(text[..<equals]), address: address, host: endpoint.host, port: endpoint.port)
    }
}

extension Ledger {
    static func networkIDHex(_ genesis: Genesis) -> String { Blake2b.hash256(genesis.wireEncoded).hex }
}

/// genesis.json as `testnet` and `genesis` write it: pretty-printed with sorted keys and
/// a final newline, so two files of the same genesis are the same bytes and a diff of
/// two shows the change.
enum GenesisFile {
    static func encode(_ genesis: Genesis) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return Array(try encoder.encode(genesis)) + [0x0a]
    }
}

/// The network key: 32 bytes from the CSPRNG as 64 hex digits and a newline, mode 0600
/// — the Noise pre-shared key every peer of the network holds (docs/OPERATIONS.md).
enum NetworkKeyFile {
    /// A new key, as its 64 hex digits.
    static func generate() -> String {
        var key = [UInt8](repeating: 0, count: 32)
        key.withUnsafeMutableBytes { SecureRandom.fill($0) }
        defer { for index in key.indices { key[index] = 0 } }
        return Hex.encode(key)
    }

    /// The key in `path` as its 64 hex digits (surrounding whitespace dropped); an
    /// unreadable or malformed file is an error that starts with `label`.
    static func read(_ path: String, label: String) throws(CLIError) -> String {
        let text = String(decoding: (try? FileIO.read(path, limit: 1024)) ?? [], as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        guard Hex.decode(text)?.count == 32 else { throw CLIError("\(label) must hold 64 hex digits") }
        return text
    }

    /// Creates `path` (it must not exist) holding `key`, mode 0600.
    static func write(_ key: String, to path: String) throws {
        try FileIO.writeSynced(Array((key + "\n").utf8), to: path, mode: 0o600)
    }
}

/// `tradewind testnet`: a whole local network in one folder.
struct TestnetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "testnet", abstract: "Generate a test network: genesis, network key, one home per peer, wallets.",
        discussion: """
            Writes OUT/genesis.json (USD and EUR with 2 decimals, 1,000,000.00 of each to every \
            participant, issued by authority-1), OUT/network.key, OUT/NAME/ (one home per peer: \
            authority-1…N, then the participants) and OUT/wallets/NAME.key (each peer's key, \
            plain, for the CLI's --from NAME). With --base-port P, peer i listens on UDP P+2i \
            and serves its API on P+2i+1. Blocks every 200 ms when transactions wait, else a \
            heartbeat every 250 ms; disputes are open 60 s after delivery and an arbiter has \
            120 s to rule (change them with --block-interval, --heartbeat, --dispute-window and \
            --arbitration-window: a whole number with ms, s, m, h or d, like 90s, 10m, 2h).
            """)

    @Option(name: .long, parsing: .unconditional, help: "How many authorities (1 to 128).", transform: Self.authorityCount)
    var authorities: Int = 4
    @Option(name: .long, parsing: .unconditional,
            help: "Participants: a number, or comma-separated names like exporter,importer,carrier,fx,arbiter.")
    var participants: String = "0"
    @Option(name: .long, help: "The folder to write (must be empty or absent).") var out: String
    @Option(name: .long, parsing: .unconditional, help: "First port: peer i uses UDP P+2i and API P+2i+1.", transform: Self.port)
    var basePort: Int = 26600
    @Option(name: .long, help: "Host every peer listens on and is reached at.") var host: String = "127.0.0.1"
    @Option(name: .long, help: "Comma-separated host names or addresses, one per peer (containers, namespaces): peers listen on 0.0.0.0 and are reached at these.")
    var hosts: String?
    @Option(name: .long, help: "Chain name in the genesis.") var chainName: String = "tradewind-testnet"
    @Flag(name: .long, help: "Also write OUT/docker-compose.yml: one service per peer, reached by its service name, or at the IPv4 addresses --hosts gives (all in one /24).")
    var docker = false
    @Option(name: .long, parsing: .unconditional, help: "How long after delivery a buyer may dispute (like 90s, 10m, 2h, 7d).") var disputeWindow: String = "60s"
    @Option(name: .long, parsing: .unconditional, help: "How long an arbiter has to rule on a dispute before the buyer may take a refund.")
    var arbitrationWindow: String = "120s"
    @Option(name: .long, parsing: .unconditional, help: "How long after a block the next one comes when transactions wait.") var blockInterval: String = "200ms"
    @Option(name: .long, parsing: .unconditional, help: "How long after a block an empty one comes (at least --block-interval).") var heartbeat: String = "250ms"

    /// The genesis parameters the duration options give, each checked.
    func genesisParameters() throws -> Genesis.Parameters {
        var parameters = Genesis.Parameters()
        parameters.blockIntervalMs = try DurationOption.milliseconds(blockInterval, "--block-interval")
        parameters.heartbeatIntervalMs = try DurationOption.milliseconds(heartbeat, "--heartbeat")
        parameters.disputeWindowMs = try DurationOption.milliseconds(disputeWindow, "--dispute-window")
        parameters.arbitrationWindowMs = try DurationOption.milliseconds(arbitrationWindow, "--arbitration-window")
        guard parameters.heartbeatIntervalMs >= parameters.blockIntervalMs else {
            throw ValidationError("--heartbeat '\(heartbeat)' must be at least --block-interval '\(blockInterval)'")
        }
        return parameters
    }

    func validate() throws {
        guard (1...Genesis.maxAuthorities).contains(authorities) else {
            throw ValidationError("--authorities must be 1 to \(Genesis.maxAuthorities), got \(authorities)")
        }
        let peers = authorities + (try participantNames()).count
        // Peer i uses ports P+2i and P+2i+1: the last must still be a port.
        guard (1...65535).contains(basePort), basePort + 2 * peers - 1 <= 65535 else {
            throw ValidationError("--base-port \(basePort) leaves no room for \(peers) peers (2 ports each, up to 65535)")
        }
        _ = try genesisParameters()
    }

    @Sendable static func authorityCount(_ text: String) throws(ValueError) -> Int {
        try WholeNumber.int(text, 1...Genesis.maxAuthorities, unit: "a number of authorities")
    }

    @Sendable static func port(_ text: String) throws(ValueError) -> Int { try WholeNumber.int(text, 1...65535, unit: "a port") }

    func participantNames() throws -> [String] { try Self.participantNames(participants) }

    /// "3" → participant-1…3; "a,b" → a, b.
    static func participantNames(_ participants: String) throws -> [String] {
        if participants.hasPrefix("-") || participants.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) {
            do { return (0..<(try WholeNumber.int(participants, 0...1000, unit: "a number of participants"))).map { "participant-\($0 + 1)" } } catch {
                throw ValidationError("--participants '\(participants)' \(error)")
            }
        }
        let names = participants.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        for name in names where name.isEmpty || !name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) || name.hasPrefix("authority-") {
            throw ValidationError("--participants '\(participants)': invalid name '\(name)': letters, digits, - and _, not starting with authority-")
        }
        guard Set(names).count == names.count else { throw ValidationError("--participants '\(participants)': names must be unique") }
        return names
    }

    func run() throws {
        if let contents = try? FileManager.default.contentsOfDirectory(atPath: out), !contents.isEmpty {
            throw CLIError("\(out) is not empty; choose a new folder")
        }
        let names = (1...authorities).map { "authority-\($0)" } + (try participantNames())
        var peerHosts = names.map { _ in host }
        if let hosts {
            peerHosts = hosts.split(separator: ",").map(String.init)
            guard peerHosts.count == names.count else {
                throw ValidationError("--hosts has \(peerHosts.count) entries for \(names.count) peers")
            }
        } else if docker {
            peerHosts = names
        }
        // Checked before anything is written: a compose file it cannot write leaves no half-made network.
        if docker { _ = try ComposeFile.addressing(names: names, hosts: peerHosts) }
        guard basePort + 2 * names.count <= 65535 else { throw ValidationError("--base-port \(basePort) leaves too few ports for \(names.count) peers") }
        let keys = names.map { _ in Ed25519.PrivateKey.generate() }
        let authorityKeys = Array(keys.prefix(authorities))
        let usd = AssetCode("USD")!, eur = AssetCode("EUR")!
        let issuer = authorityKeys[0].publicKey.address
        var balances: [Genesis.Balance] = []
        for key in keys.dropFirst(authorities) {
            balances.append(.init(account: key.publicKey.address, asset: usd, amount: 100_000_000))
            balances.append(.init(account: key.publicKey.address, asset: eur, amount: 100_000_000))
        }
        let parameters = try genesisParameters()
        let genesis = Genesis(
            chainName: chainName, genesisTime: UInt64(Date().timeIntervalSince1970 * 1000),
            authorities: authorityKeys.map(\.publicKey.address),
            assets: [.init(code: usd, decimals: 2, issuer: issuer), .init(code: eur, decimals: 2, issuer: issuer)],
            balances: balances, parameters: parameters)
        try genesis.validate()
        let genesisData = try GenesisFile.encode(genesis)
        let networkKey = NetworkKeyFile.generate()

        try FileManager.default.createDirectory(atPath: out + "/wallets", withIntermediateDirectories: true)
        try FileIO.writeSynced(genesisData, to: out + "/genesis.json", mode: 0o644)
        try NetworkKeyFile.write(networkKey, to: out + "/network.key")
        let listenHost = hosts != nil || docker ? "0.0.0.0" : host
        let apiHost = docker ? "0.0.0.0" : "127.0.0.1"
        for (index, name) in names.enumerated() {
            let home = PeerHome(out + "/" + name)
            try FileManager.default.createDirectory(atPath: home.keysDirectory, withIntermediateDirectories: true)
            try FileIO.writeSynced(genesisData, to: home.genesisFile, mode: 0o644)
            try NetworkKeyFile.write(networkKey, to: home.networkKeyFile)
            try KeyFile.writePlain(keys[index], to: home.nodeKeyFile)
            try KeyFile.writePlain(keys[index], to: out + "/wallets/\(name).key")
            let peers = names.indices.filter { $0 != index }.map {
                PeerConfiguration.KnownPeer(name: names[$0], address: keys[$0].publicKey.address, host: peerHosts[$0],
                                            port: basePort + 2 * $0)
            }
            let listen = PeerConfiguration.Endpoint(host: listenHost, port: basePort + 2 * index)
            let configuration = PeerConfiguration(
                name: name, listen: listen,
                advertise: listenHost == "0.0.0.0" ? .init(host: peerHosts[index], port: listen.port) : nil,
                api: .init(host: apiHost, port: basePort + 2 * index + 1), peers: peers)
            try Self.write(configuration, to: home.configFile)
        }
        if docker {
            try ComposeFile.write(names: names, hosts: peerHosts, basePort: basePort, to: out + "/docker-compose.yml")
        }
        print("testnet in \(out): \(authorities) authorities, \(names.count - authorities) participants, network \(Ledger.networkIDHex(genesis))")
        for (index, name) in names.enumerated() {
            print("  \(name)  \(keys[index].publicKey.address)  udp \(peerHosts[index]):\(basePort + 2 * index)  api \(apiHost):\(basePort + 2 * index + 1)")
        }
    }

    static func write(_ configuration: PeerConfiguration, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try FileIO.writeSynced(Array(try encoder.encode(configuration)) + [0x0a], to: path, mode: 0o644)
    }
}

/// A duration option: a whole number with a unit, ms, s, m, h or d ("90s", "10m", "2h").
enum DurationOption {
    static let units: [(suffix: String, milliseconds: UInt64)] = [
        ("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000),
    ]
    /// A year: no window or interval a network runs on is longer.
    static let maximum: UInt64 = 365 * 86_400_000

    /// The duration in milliseconds, from 1 ms to a year; the error names the option and the value.
    static func milliseconds(_ text: String, _ option: String) throws -> UInt64 {
        let problem = "\(option) '\(text)' must be a whole number with ms, s, m, h or d, like 90s, 10m or 2h, from 1ms to 365d"
        // "ms" before "m" and "s": the longest suffix that matches.
        guard let unit = units.sorted(by: { $0.suffix.count > $1.suffix.count }).first(where: { text.hasSuffix($0.suffix) }) else {
            throw ValidationError(problem)
        }
        let digits = text.dropLast(unit.suffix.count)
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber), let count = UInt64(digits) else {
            throw ValidationError(problem)
        }
        let (total, overflow) = count.multipliedReportingOverflow(by: unit.milliseconds)
        guard !overflow, (1...maximum).contains(total) else { throw ValidationError(problem) }
        return total
    }

    /// `milliseconds` in the largest unit that divides it exactly (604800000 → "7d",
    /// 250 → "250ms"): what `milliseconds(_:_:)` reads back.
    static func text(_ milliseconds: UInt64) -> String {
        guard milliseconds > 0 else { return "0ms" }
        let unit = units.reversed().first { milliseconds % $0.milliseconds == 0 } ?? ("ms", 1)
        return "\(milliseconds / unit.milliseconds)\(unit.suffix)"
    }
}

/// The compose file for a generated network (docs/OPERATIONS.md, "Containers"): one
/// service per peer on the network's own compose network `tradewind`, each peer's
/// files mounted read-only (the image holds no key), its store in a named volume.
/// Peers are reached by name (compose's DNS; a `--hosts` name other than the service's
/// becomes an alias), or at fixed IPv4 addresses when `--hosts` gives addresses: the
/// network then takes the /24 that holds them, and a container keeps its address when
/// it is restarted or recreated.
enum ComposeFile {
    /// The uid the image runs the peer as (Docker/Dockerfile's TRADEWIND_UID).
    static let imageUID = 10001

    /// How the services are addressed on the compose network.
    enum Addressing: Equatable {
        case names
        case addresses(subnet: String)
    }

    /// Checks `--hosts` for a compose file: all IPv4 addresses in one /24 (not .0, .1
    /// — the network's gateway — or .255), or all host names; no host twice. Peer names
    /// must be compose service names.
    static func addressing(names: [String], hosts: [String]) throws -> Addressing {
        for name in names where !name.utf8.allSatisfy({ isASCIILetterOrDigit($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") }) {
            throw ValidationError("--docker: peer name '\(name)' must be ASCII letters, digits, - and _ (a compose service name)")
        }
        var seen: Set<String> = []
        for host in hosts where !seen.insert(host.lowercased()).inserted {
            throw ValidationError("--docker --hosts: '\(host)' is given twice; each container needs its own address or name")
        }
        let addresses = hosts.map(ipv4)
        if addresses.allSatisfy({ $0 != nil }) {
            let octets = addresses.map { $0! }
            let network = octets[0].prefix(3)
            for (host, address) in zip(hosts, octets) {
                guard address.prefix(3) == network else {
                    throw ValidationError("--docker --hosts: '\(host)' is not in \(network.map(String.init).joined(separator: ".")).0/24 with '\(hosts[0])'; the containers' addresses must share one /24")
                }
                guard (2...254).contains(address[3]) else {
                    throw ValidationError("--docker --hosts: '\(host)' cannot be a container's address (.0, .1 — the network's gateway — and .255 are taken)")
                }
            }
            return .addresses(subnet: network.map(String.init).joined(separator: ".") + ".0/24")
        }
        for host in hosts {
            if ipv4(host) != nil {
                throw ValidationError("--docker --hosts: '\(host)' is an address among names; give every container an IPv4 address or every one a name")
            }
            let labels = host.split(separator: ".", omittingEmptySubsequences: false)
            // All digits and dots reads as a (malformed) address, not a name.
            guard host.utf8.count <= 253, !labels.isEmpty, !host.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: ".") }),
                  labels.allSatisfy({ label in
                !label.isEmpty && label.utf8.count <= 63 && label.first != "-" && label.last != "-"
                    && label.utf8.allSatisfy { isASCIILetterOrDigit($0) || $0 == UInt8(ascii: "-") }
            }) else {
                throw ValidationError("--docker --hosts: '\(host)' is neither an IPv4 address nor a host name (letters, digits and -, dot-separated)")
            }
        }
        return .names
    }

    static func isASCIILetterOrDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    /// "10.1.2.3" → [10, 1, 2, 3]; nil unless four decimal octets (no signs, no leading zeros).
    static func ipv4(_ text: String) -> [Int]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var octets: [Int] = []
        for part in parts {
            guard (1...3).contains(part.utf8.count), part.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
                  part.count == 1 || part.first != "0", let value = Int(part), value <= 255 else { return nil }
            octets.append(value)
        }
        return octets
    }

    static func write(names: [String], hosts: [String], basePort: Int, to path: String) throws {
        let addressing = try addressing(names: names, hosts: hosts)
        let home = "/home/tradewind/peer"
        var lines = [
            "# Generated by `tradewind testnet --docker`; see docs/OPERATIONS.md, \"Containers\".",
            "# The image (TRADEWIND_IMAGE, default tradewind:latest): docker build -t tradewind:latest -f Docker/Dockerfile .",
            "# The peer runs as uid \(imageUID) and reads its files mounted from here, keys mode 0600:",
            "#   chown -R \(imageUID):\(imageUID) \(names.joined(separator: " ")) wallets",
            "# Then, from this folder: docker compose up -d (or docker-compose up -d); docker compose down -v",
            "# removes the containers, the network and the stores' volumes.",
            "services:",
        ]
        for (index, name) in names.enumerated() {
            let udp = basePort + 2 * index, api = basePort + 2 * index + 1
            lines += [
                "  \(name):",
                "    image: ${TRADEWIND_IMAGE:-tradewind:latest}",
                "    hostname: \(name)",
                "    command: [\"peer\", \"--home\", \"\(home)\"]",
                "    volumes:",
                "      - \(name)-data:\(home)/data",
                "      - ./\(name)/config.json:\(home)/config.json:ro",
                "      - ./\(name)/genesis.json:\(home)/genesis.json:ro",
                "      - ./\(name)/network.key:\(home)/network.key:ro",
                "      - ./\(name)/keys/node.key:\(home)/keys/node.key:ro",
                "      - ./wallets/\(name).key:/home/tradewind/wallets/\(name).key:ro",
                "    networks:",
                "      tradewind:",
            ]
            switch addressing {
            case .addresses: lines.append("        ipv4_address: \(hosts[index])")
            case .names where hosts[index] != name: lines += ["        aliases:", "          - \(hosts[index])"]
            case .names: break
            }
            lines += [
                "    ports:",
                "      - \"\(udp):\(udp)/udp\"",
                "      - \"127.0.0.1:\(api):\(api)\"",
                "    restart: unless-stopped",
            ]
        }
        lines += ["networks:", "  tradewind:"]
        if case let .addresses(subnet) = addressing {
            lines += ["    ipam:", "      config:", "        - subnet: \(subnet)"]
        }
        lines.append("volumes:")
        lines += names.map { "  \($0)-data:" }
        try FileIO.writeSynced(Array((lines.joined(separator: "\n") + "\n").utf8), to: path, mode: 0o644)
    }
}

/// `tradewind backup`: a consistent copy of a (running) peer's store.
struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup", abstract: "Copy a peer's store consistently, also while it runs (LMDB's live copy).")
    @Option(name: .long, help: "The peer's home.") var home: String
    @Option(name: .long, help: "The file to write (must not exist).") var out: String

    func run() throws {
        guard !FileManager.default.fileExists(atPath: out) else { throw CLIError("\(out) already exists") }
        let directory = PeerHome(home).dataDirectory
        guard FileManager.default.fileExists(atPath: directory + "/data.mdb") else { throw CLIError("\(home) has no store (\(directory)/data.mdb)") }
        let store = try ChainStore(directory: directory, options: .readOnly)
        try store.environment.copy(toFile: out)
        let head = try store.head()
        print("backed up \(home) at height \(head.height) (block \(head.blockID.hex)) to \(out)")
    }
}
