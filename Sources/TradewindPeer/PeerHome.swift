import Foundation
import TradewindCrypto
import TradewindLedger
import TradewindWire

/// A peer's home folder: what `tradewind init` or `tradewind testnet` writes and
/// `tradewind peer` reads.
///
///     HOME/config.json     listen and API addresses, known peers (every default written out)
///     HOME/genesis.json    the network's founding document
///     HOME/network.key     the 32-byte network key (hex), mode 0600
///     HOME/keys/node.key   this peer's identity key, mode 0600 (plain or encrypted)
///     HOME/data/           LMDB
///     HOME/run/lock        held while a peer runs
///     HOME/run/api.addr    the local API's bound address, written after binding
public struct PeerHome: Sendable {
    public let path: String

    public init(_ path: String) { self.path = path }

    public var configFile: String { path + "/config.json" }
    public var genesisFile: String { path + "/genesis.json" }
    public var networkKeyFile: String { path + "/network.key" }
    public var keysDirectory: String { path + "/keys" }
    public var nodeKeyFile: String { keysDirectory + "/node.key" }
    public var dataDirectory: String { path + "/data" }
    public var runDirectory: String { path + "/run" }
    public var lockFile: String { runDirectory + "/lock" }
    public var apiAddressFile: String { runDirectory + "/api.addr" }

    public func configuration() throws(PeerError) -> PeerConfiguration {
        try PeerError.reading(configFile) { try JSONDecoder().decode(PeerConfiguration.self, from: Data(contentsOf: URL(fileURLWithPath: configFile))) }
    }

    public func genesis() throws(PeerError) -> Genesis { try Self.readGenesis(genesisFile) }

    /// Refuses a home made by a release with other consensus rules (its genesis names
    /// another version), before anything opens its store. Read-only inspection uses
    /// this too: a store written under other rules is not read as if it were ours.
    public func checkVersion() throws(PeerError) {
        let data = try PeerError.reading(genesisFile) { try Data(contentsOf: URL(fileURLWithPath: genesisFile)) }
        try Self.checkVersion(of: data, path: genesisFile)
    }

    /// A genesis file, refused with "created by Tradewind X; … regenerate the network"
    /// when another release wrote it.
    public static func readGenesis(_ path: String) throws(PeerError) -> Genesis {
        let data = try PeerError.reading(path) { try Data(contentsOf: URL(fileURLWithPath: path)) }
        try checkVersion(of: data, path: path)
        let genesis = try PeerError.reading(path) { try JSONDecoder().decode(Genesis.self, from: data) }
        do { try genesis.validate() } catch { throw .invalid(path, error.description) }
        return genesis
    }

    static func checkVersion(of data: Data, path: String) throws(PeerError) {
        let version = try PeerError.reading(path) { try JSONDecoder().decode(Genesis.FileVersion.self, from: data) }.version
        if let refusal = Genesis.refusal(ofVersion: version) { throw .otherRelease(path, refusal) }
    }

    public func networkKey() throws(PeerError) -> SecureBytes {
        let text = try PeerError.reading(networkKeyFile) {
            String(decoding: try FileIO.read(networkKeyFile, limit: 1024), as: UTF8.self)
        }.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let bytes = Hex.decode(text), bytes.count == 32 else {
            throw .invalid(networkKeyFile, "expected 64 hex digits (32 bytes)")
        }
        return SecureBytes(copying: bytes)
    }

    /// The API address a running peer wrote, as "host:port".
    public func apiAddress() -> String? {
        guard let bytes = try? FileIO.read(apiAddressFile, limit: 256) else { return nil }
        let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }
}

/// Everything a peer's config.json holds. Every field has its default written out
/// by `tradewind init`, and environment variables override the addresses
/// (TRADEWIND_LISTEN_HOST/PORT, TRADEWIND_API_HOST/PORT) for containers.
public struct PeerConfiguration: Codable, Sendable, Equatable {
    public struct Endpoint: Codable, Sendable, Equatable {
        public var host: String
        public var port: Int

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }
    }

    public struct KnownPeer: Codable, Sendable, Equatable {
        public var name: String
        public var address: AddressText
        public var host: String
        public var port: Int

        public init(name: String, address: Address, host: String, port: Int) {
            self.name = name
            self.address = AddressText(address)
            self.host = host
            self.port = port
        }
    }

    public var name: String
    /// UDP address for the mesh (Noise over UDP).
    public var listen: Endpoint
    /// The address other peers reach this one at, when `listen` is 0.0.0.0 (or behind NAT).
    public var advertise: Endpoint?
    /// The local HTTP API; keep it on 127.0.0.1 unless a firewall guards it.
    public var api: Endpoint
    /// Peers to join through; the mesh's membership finds the rest.
    public var peers: [KnownPeer]
    /// trace, debug, info, notice, warning, error or critical.
    public var logLevel: String
    /// How often the peer's cores (agreement, gossip) are ticked while work is under
    /// way, in milliseconds.
    public var tickMilliseconds: Int
    /// How often they are ticked while the peer is quiet (no transaction waiting, no
    /// message but membership's for 1 s), in milliseconds; absent means 250. Any
    /// message or submission brings the fast tick back at once.
    public var quietTickMilliseconds: Int?

    public static let defaultQuietTickMilliseconds = 250

    public init(name: String, listen: Endpoint, advertise: Endpoint? = nil, api: Endpoint, peers: [KnownPeer],
                logLevel: String = "info", tickMilliseconds: Int = 10,
                quietTickMilliseconds: Int = PeerConfiguration.defaultQuietTickMilliseconds) {
        self.name = name
        self.listen = listen
        self.advertise = advertise
        self.api = api
        self.peers = peers
        self.logLevel = logLevel
        self.tickMilliseconds = tickMilliseconds
        self.quietTickMilliseconds = quietTickMilliseconds
    }

    /// This configuration with the container overrides from the environment applied.
    public func applyingEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> PeerConfiguration {
        var copy = self
        if let host = environment["TRADEWIND_LISTEN_HOST"] { copy.listen.host = host }
        if let port = environment["TRADEWIND_LISTEN_PORT"].flatMap(Int.init) { copy.listen.port = port }
        if let host = environment["TRADEWIND_API_HOST"] { copy.api.host = host }
        if let port = environment["TRADEWIND_API_PORT"].flatMap(Int.init) { copy.api.port = port }
        if let host = environment["TRADEWIND_ADVERTISE_HOST"] {
            copy.advertise = Endpoint(host: host, port: copy.advertise?.port ?? copy.listen.port)
        }
        return copy
    }
}

/// Why a peer could not start or a home could not be read; each names the file or value.
public enum PeerError: Error, CustomStringConvertible, Sendable {
    case unreadable(String, String)
    case invalid(String, String)
    case locked(String, String)
    case startup(String)
    /// A file written by a release with other consensus rules; the reason says which.
    case otherRelease(String, String)

    public var description: String {
        switch self {
        case let .otherRelease(path, reason): return "\(path) was \(reason)"
        case let .unreadable(path, reason): return "cannot read \(path): \(reason)"
        case let .invalid(path, reason): return "\(path) is invalid: \(reason)"
        case let .locked(path, holder): return "another process holds \(path)\(holder.isEmpty ? "" : " (pid \(holder))"): is a peer already running on this home?"
        case let .startup(reason): return reason
        }
    }

    static func reading<T>(_ path: String, _ body: () throws -> T) throws(PeerError) -> T {
        do { return try body() } catch let error as DecodingError {
            throw .invalid(path, "\(error)")
        } catch {
            throw .unreadable(path, "\(error)")
        }
    }
}

/// The exclusive lock on a home: held (flock) for the life of the process, so a
/// second peer on the same home refuses to start instead of corrupting it.
public final class HomeLock: Sendable {
    let descriptor: Int32

    public init(home: PeerHome) throws(PeerError) {
        try? FileManager.default.createDirectory(atPath: home.runDirectory, withIntermediateDirectories: true)
        let fd = open(home.lockFile, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .unreadable(home.lockFile, String(cString: strerror(errno))) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? FileIO.read(home.lockFile, limit: 64)).map { String(decoding: $0, as: UTF8.self) } ?? ""
            close(fd)
            throw .locked(home.lockFile, holder.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        descriptor = fd
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }

    /// Whether a peer process holds `home`'s lock now (it is running, whether or not its
    /// API is up yet). Creates nothing: a home without a lock file has no peer.
    public static func isHeld(home: PeerHome) -> Bool {
        let fd = open(home.lockFile, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        guard flock(fd, LOCK_SH | LOCK_NB) == 0 else { return errno == EWOULDBLOCK }
        flock(fd, LOCK_UN)
        return false
    }
}

/// A key file: either plain (for test networks and peers without a passphrase) or
/// an encrypted keystore (docs/OPERATIONS.md). Plain files are written mode 0600.
public enum KeyFile {
    struct Plain: Codable {
        var version = 1
        var address: String
        var seed: String
    }

    public static func writePlain(_ key: Ed25519.PrivateKey, to path: String) throws {
        let plain = Plain(address: key.publicKey.address.description, seed: Hex.encode(key.seed.withUnsafeBytes { Array($0) }))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try FileIO.writeSynced(Array(try encoder.encode(plain)) + [0x0a], to: path, mode: 0o600)
    }

    /// Whether the file at `path` is an encrypted keystore (and so needs a passphrase).
    public static func isEncrypted(_ path: String) -> Bool {
        guard let bytes = try? FileIO.read(path, limit: 1 << 20) else { return false }
        return (try? JSONDecoder().decode(Plain.self, from: Data(bytes))) == nil
    }

    public static func read(_ path: String, passphrase: SecureBytes?) throws(PeerError) -> Ed25519.PrivateKey {
        let bytes: [UInt8]
        do { bytes = try FileIO.read(path, limit: 1 << 20) } catch { throw .unreadable(path, error.description) }
        if let plain = try? JSONDecoder().decode(Plain.self, from: Data(bytes)) {
            guard let seed = Hex.decode(plain.seed), seed.count == 32, let key = try? Ed25519.PrivateKey(seed: seed) else {
                throw .invalid(path, "the seed must be 64 hex digits")
            }
            guard key.publicKey.address.description == plain.address else {
                throw .invalid(path, "the seed does not belong to \(plain.address)")
            }
            return key
        }
        guard let passphrase else { throw .invalid(path, "the key is encrypted: give its passphrase with --password-file") }
        do { return try Keystore.decode(bytes, passphrase: passphrase) } catch { throw .invalid(path, error.description) }
    }

    /// The address in a key file, without decrypting it.
    public static func address(_ path: String) throws(PeerError) -> Address {
        let bytes: [UInt8]
        do { bytes = try FileIO.read(path, limit: 1 << 20) } catch { throw .unreadable(path, error.description) }
        if let plain = try? JSONDecoder().decode(Plain.self, from: Data(bytes)) {
            do { return try Address(parsing: plain.address) } catch { throw .invalid(path, error.description) }
        }
        do { return try Keystore.address(in: bytes) } catch { throw .invalid(path, error.description) }
    }
}
