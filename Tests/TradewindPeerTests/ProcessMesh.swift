import Foundation
import Testing
import TradewindPeer
import TradewindTestSupport

/// A test network of real `tradewind peer` processes on loopback, driven through
/// the CLI only. Every peer is stopped when the mesh is released.
final class ProcessMesh {
    let directory: String
    let basePort: Int
    var peers: [String: ChildProcess] = [:]
    let names: [String]

    /// Generates a testnet (`tradewind testnet`) with a base port unique enough for parallel tests;
    /// `options` go to `tradewind testnet` as they are (like `--block-interval`).
    init(label: String, participants: String, options: [String] = []) throws {
        directory = try temporaryDirectory(label)
        basePort = testBasePort(span: 32)
        let result = try Self.cli(["testnet", "--authorities", "4", "--participants", participants, "--out", directory + "/net",
                                   "--base-port", String(basePort)] + options)
        guard result.status == 0 else { throw MeshError("testnet failed: \(result.error)") }
        names = ["authority-1", "authority-2", "authority-3", "authority-4"] + participants.split(separator: ",").map(String.init)
    }

    struct MeshError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    deinit { stopAll() }

    var net: String { directory + "/net" }
    func home(_ name: String) -> String { net + "/" + name }

    static func cli(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: String, error: String) {
        try ChildProcess.run("tradewind", arguments, environment: environment)
    }

    /// Runs a CLI command against `name`'s peer with `name`'s wallets folder.
    func cli(_ name: String, _ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
        try Self.cli(arguments + ["--home", home(name)])
    }

    /// A submitting command signed by wallet `name` through its own peer, with --wait.
    @discardableResult
    func submit(_ name: String, _ arguments: [String]) throws -> String {
        let result = try Self.cli(arguments + ["--home", home(name), "--wallets", net + "/wallets", "--from", name, "--wait"])
        guard result.status == 0 else { throw MeshError("\(arguments.prefix(3).joined(separator: " ")) by \(name) failed (\(result.status)): \(result.error)\(result.output)") }
        return result.output
    }

    func start(_ name: String, environment: [String: String] = [:]) throws {
        try? FileManager.default.removeItem(atPath: home(name) + "/run/api.addr")
        peers[name] = try ChildProcess(executable: "tradewind", arguments: ["peer", "--home", home(name)],
                                       environment: environment, errorLog: directory + "/\(name).log")
    }

    func kill(_ name: String, signal: Int32 = SIGKILL) {
        peers[name]?.kill(signal)
        peers[name]?.wait(timeout: 10)
        peers[name] = nil
    }

    func stopAll() {
        for (_, peer) in peers { peer.kill(SIGTERM) }
        for (_, peer) in peers { peer.wait(timeout: 10) }
        peers = [:]
    }

    func address(_ name: String) throws -> String {
        try Self.cli(["wallet", "show", name, "--wallets", net + "/wallets"]).output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func status(_ name: String) -> StatusView? {
        guard let result = try? cli(name, ["status", "--json"]), result.status == 0 else { return nil }
        return try? JSONDecoder().decode(StatusView.self, from: Data(result.output.utf8))
    }

    func account(_ name: String, of address: String) throws -> AccountView {
        let result = try cli(name, ["account", address, "--json"])
        guard result.status == 0 else { throw MeshError("account failed: \(result.error)") }
        return try JSONDecoder().decode(AccountView.self, from: Data(result.output.utf8))
    }

    func block(_ name: String, _ height: UInt64) -> BlockView? {
        guard let result = try? cli(name, ["block", String(height), "--json"]), result.status == 0 else { return nil }
        return try? JSONDecoder().decode(BlockView.self, from: Data(result.output.utf8))
    }

    /// Waits until every named peer reports at least `height`; returns false on timeout.
    func waitForHeight(_ height: UInt64, peers names: [String], timeout: TimeInterval = 60) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        for name in names {
            while (status(name)?.height ?? 0) < height {
                guard Date() < deadline else { return false }
                usleep(200_000)
            }
        }
        return true
    }

    func log(_ name: String) -> String {
        (try? String(contentsOfFile: directory + "/\(name).log", encoding: .utf8)) ?? ""
    }
}
