import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import TradewindCrypto
import TradewindPeer

/// `tradewind peer`: runs a peer until SIGINT or SIGTERM.
struct PeerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "peer",
        abstract: "Run a peer on a home folder.",
        discussion: """
            Opens HOME (refusing if another process holds its lock), the store, the \
            encrypted UDP transport and the local API, joins the mesh through the peers in \
            config.json, takes part in agreement if this peer is an authority, and catches \
            up when behind. SIGINT or SIGTERM shut it down gracefully. The API's address is \
            written to HOME/run/api.addr once bound. Test hook: TRADEWIND_API_START_DELAY_MS \
            starts the local API (and writes run/api.addr) that many milliseconds late.
            """)

    @Option(name: .long, help: "The peer's home folder (from `tradewind init` or `tradewind testnet`).")
    var home: String

    @Option(name: .long, help: "Read the node key's passphrase from the first line of this file (encrypted keys only).")
    var passwordFile: String?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical (default: config.json's).")
    var logLevel: String?

    func run() async throws {
        let peerHome = PeerHome(home)
        let configuration = try peerHome.configuration()
        let levelText = logLevel ?? configuration.logLevel
        guard let level = Logger.Level(rawValue: levelText) else {
            throw ValidationError("unknown log level '\(levelText)'")
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        var logger = Logger(label: "tradewind.\(configuration.name)")
        logger.logLevel = level
        var passphrase: SecureBytes?
        if let passwordFile { passphrase = try PassphraseSource.file(passwordFile) }
        // Refused before anything starts, like the other test knobs.
        let apiStartDelay = try APIStartDelay(environment: ProcessInfo.processInfo.environment)
        let node = try await PeerNode.start(home: peerHome, passphrase: passphrase, logger: logger)
        let application = LocalAPI(node: node).application(logger: logger)
        let api = DelayedAPI(delay: apiStartDelay, wrapped: application, logger: logger)
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: api), .init(service: PeerService(node: node, logger: logger))],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        try? FileManager.default.removeItem(atPath: peerHome.apiAddressFile)
    }
}

/// Keeps the peer alive as a service until shutdown begins, then closes it.
struct PeerService: Service {
    let node: PeerNode
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        logger.info("shutting down")
        await node.close()
    }
}

/// Test hook: how long the peer waits before starting its local API, so that scripts
/// and tools are tested against a peer that runs but does not answer yet
/// (TRADEWIND_API_START_DELAY_MS, 0 to 60000).
struct APIStartDelay {
    static let variable = "TRADEWIND_API_START_DELAY_MS"
    let milliseconds: Int64

    init(environment: [String: String]) throws(CLIError) {
        guard let text = environment[Self.variable] else { milliseconds = 0; return }
        guard let value = Int64(text), (0...60_000).contains(value) else {
            throw CLIError("\(Self.variable) must be milliseconds from 0 to 60000, got '\(text)'")
        }
        milliseconds = value
    }
}

/// The local API, started after the test hook's delay; a shutdown during the delay skips it.
struct DelayedAPI<Wrapped: Service>: Service {
    let delay: APIStartDelay
    let wrapped: Wrapped
    let logger: Logger

    func run() async throws {
        if delay.milliseconds > 0 {
            logger.warning("starting the local API in \(delay.milliseconds) ms (\(APIStartDelay.variable))")
            let milliseconds = delay.milliseconds
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(milliseconds)) }
            if Task.isShuttingDownGracefully || Task.isCancelled { return }
        }
        try await wrapped.run()
    }
}

enum PassphraseSource {
    static func file(_ path: String) throws -> SecureBytes {
        var line: [UInt8]
        do { line = try FileIO.read(path, limit: 64 << 10) } catch { throw CLIError("cannot read --password-file: \(error)") }
        return try clean(&line)
    }

    static func stdin() throws -> SecureBytes {
        var line = Array((readLine(strippingNewline: true) ?? "").utf8)
        return try clean(&line)
    }

    /// Reads a passphrase from the terminal without echoing it.
    static func prompt(_ text: String) throws -> SecureBytes {
        guard let pointer = getpass(text) else { throw CLIError("cannot read a passphrase from the terminal") }
        var line = Array(UnsafeBufferPointer(start: UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self), count: strlen(pointer)))
        memset(pointer, 0, strlen(pointer))
        return try clean(&line)
    }

    private static func clean(_ line: inout [UInt8]) throws -> SecureBytes {
        if let newline = line.firstIndex(of: 0x0a) { line.removeSubrange(newline...) }
        if line.last == 0x0d { line.removeLast() }
        defer { for index in line.indices { line[index] = 0 } }
        guard !line.isEmpty else { throw CLIError("the passphrase is empty") }
        return SecureBytes(copying: line)
    }
}
