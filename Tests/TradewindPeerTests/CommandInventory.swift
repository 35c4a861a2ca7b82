import Foundation
import TradewindCrypto
import TradewindTestSupport
import TradewindWire

/// Every command of the `tradewind` binary and its arguments, as the binary itself
/// describes them (`--experimental-dump-help`), with a valid argument list for each:
/// the tests that walk the CLI start from here, so a new command or argument shows up
/// in them without being listed by hand (and fails until it has a sample and a kind).
enum CommandInventory {
    struct Name: Decodable { var kind: String; var name: String }
    struct Argument: Decodable {
        var kind: String
        var names: [Name]?
        var valueName: String?
        var longName: String? { names?.first { $0.kind == "long" }?.name }
        /// The name the tables use: the long option name, or a positional's value name.
        var key: String { longName ?? valueName ?? "?" }
        var isPositional: Bool { kind == "positional" }
    }
    struct Command: Decodable {
        var commandName: String
        var arguments: [Argument]?
        var subcommands: [Command]?
    }
    struct Dump: Decodable { var command: Command }

    struct Leaf {
        var path: [String]
        var arguments: [Argument]
        var name: String { path.joined(separator: " ") }
    }

    struct InventoryError: Error, CustomStringConvertible {
        let description: String
    }

    /// The leaf commands (those that run), without ArgumentParser's own `help`.
    static func leaves() throws -> [Leaf] {
        let result = try ChildProcess.run("tradewind", ["--experimental-dump-help"])
        guard result.status == 0 else { throw InventoryError(description: "--experimental-dump-help failed: \(result.error)") }
        let dump = try JSONDecoder().decode(Dump.self, from: Data(result.output.utf8))
        var found: [Leaf] = []
        func walk(_ command: Command, _ path: [String]) {
            let subcommands = command.subcommands ?? []
            if subcommands.isEmpty, !path.isEmpty, path != ["help"] {
                found.append(Leaf(path: path, arguments: (command.arguments ?? []).filter { $0.kind != "flag" }))
            }
            for subcommand in subcommands { walk(subcommand, path + [subcommand.commandName]) }
        }
        walk(dump.command, [])
        return found
    }

    static let someone = (try? Ed25519.PrivateKey(seed: [UInt8](repeating: 1, count: 32)))?.publicKey.address.description ?? ""
    static let other = (try? Ed25519.PrivateKey(seed: [UInt8](repeating: 2, count: 32)))?.publicKey.address.description ?? ""
    static let third = (try? Ed25519.PrivateKey(seed: [UInt8](repeating: 3, count: 32)))?.publicKey.address.description ?? ""
    static let orderID = String(repeating: "ab", count: 32)

    /// Valid arguments for each leaf command (after its path), several where one command
    /// builds different transactions. No --home: the value tests add --api.
    static func samples(scratch: String) -> [String: [[String]]] {
        let submit = ["--from", "w", "--wallets", scratch + "/wallets"]
        let order = { (name: String, extra: [String]) in (name, [[orderID] + extra + submit]) }
        var table: [String: [[String]]] = [
            "peer": [["--home", scratch + "/home"]],
            "init": [["--home", scratch + "/home", "--genesis", scratch + "/genesis.json", "--network-key", scratch + "/network.key"]],
            "testnet": [["--out", scratch + "/net"]],
            "genesis": [["--out", scratch + "/founding/genesis.json", "--chain-name", "sample", "--authority", someone,
                         "--asset", "USD:2:" + someone, "--balance", other + "=USD:12.50"]],
            "status": [[]], "members": [[]], "blocks": [[]], "block": [["7"], [String(repeating: "cd", count: 32)]],
            "tx": [[orderID]], "account": [[someone]], "orders": [[]],
            "wallet new": [["w", "--wallets", scratch + "/wallets", "--insecure-plain"]],
            "wallet list": [["--wallets", scratch + "/wallets"]], "wallet show": [["w", "--wallets", scratch + "/wallets"]],
            "wallet import": [["w", scratch + "/w.key", "--wallets", scratch + "/wallets"]],
            "wallet export": [["w", "--out", scratch + "/export.key", "--wallets", scratch + "/wallets"]],
            "send": [["--to", other, "--amount", "12", "--asset", "USD"] + submit],
            "order show": [[orderID]],
            "order create": [["--seller", other, "--amount", "250", "--asset", "USD", "--carrier", third, "--ship-by", "2d",
                              "--deliver-by", "9d"] + submit],
            "fx quote": [["--buyer", other, "--pay", "USD", "--receive", "EUR", "--rate", "1.0873", "--max", "5000",
                          "--out", scratch + "/quote.json", "--from", "w", "--wallets", scratch + "/wallets"]],
            "merchant attest": [[other, "--name", "Hamburg Export GmbH", "--jurisdiction", "DE"] + submit],
            "merchant revoke": [[other] + submit],
            "freeze": [[other] + submit], "unfreeze": [[other] + submit],
            "authority vote": [["add", other] + submit, ["remove", other] + submit],
            "issue": [["--to", other, "--amount", "1000", "--asset", "USD"] + submit],
            "redeem": [["--amount", "1", "--asset", "USD"] + submit],
            "claim": [["--asset", "USD"] + submit],
            "deposit-auth": [["on"] + submit, ["off"] + submit],
            "preauthorize": [[other] + submit], "unpreauthorize": [[other] + submit],
            "backup": [["--home", scratch + "/home", "--out", scratch + "/backup.mdb"]],
            "key new": [["--out", scratch + "/new.key", "--password-file", scratch + "/pass"]], "key show": [[scratch + "/w.key"]],
        ]
        for (name, arguments) in [order("accept", []), order("decline", []), order("cancel", []), order("ship", ["--tracking", "T1"]),
                                  order("checkpoint", ["--kind", "customs"]), order("confirm", []), order("release", []),
                                  order("refund", []), order("dispute", ["--reason", "damaged"]),
                                  order("resolve", ["--seller-share", "37.5"])] {
            table["order " + name] = arguments
        }
        return table
    }

    /// The kinds of numeric and time values, each with its own generator and process case.
    enum ValueKind: String, CaseIterable {
        case amount, rate, time, seconds, wholeNumber, percentage, endpoint, blockReference
    }

    /// Which arguments take numbers or times. Every argument must be in one table or the
    /// other, so a new one is classified (and fuzzed) before the tests pass.
    static let numeric: [String: ValueKind] = [
        "amount": .amount, "max": .amount, "rate": .rate, "ship-by": .time, "deliver-by": .time, "timeout": .seconds,
        "sequence": .wholeNumber, "valid-for-blocks": .wholeNumber, "limit": .wholeNumber, "authorities": .wholeNumber,
        "base-port": .wholeNumber, "participants": .wholeNumber, "seller-share": .percentage,
        "api": .endpoint, "listen": .endpoint, "advertise": .endpoint,
        "blocks --from": .wholeNumber, "fx quote --id": .wholeNumber, "block <reference>": .blockReference,
        "last-valid-height": .wholeNumber,
        "testnet --dispute-window": .time, "testnet --arbitration-window": .time, "testnet --block-interval": .time,
        "testnet --heartbeat": .time,
        "genesis --genesis-time": .time, "genesis --block-interval": .time, "genesis --heartbeat": .time,
        "genesis --dispute-window": .time, "genesis --arbitration-window": .time, "genesis --max-clock-drift": .time,
    ]
    static let textual: Set<String> = [
        "home", "wallets", "password-file", "from", "to", "asset", "memo", "seller", "carrier", "arbiter", "goods", "quote",
        "tracking", "kind", "reason", "name", "jurisdiction", "registration", "buyer", "pay", "receive", "out", "account",
        "log-level", "genesis", "network-key", "peer", "key", "host", "hosts", "chain-name", "id", "address", "file",
        "merchant", "change", "setting", "subcommands", "authority", "balance", "from-json",
    ]

    /// The kind of `argument` of `leaf`, nil for text; throws for an argument in neither table.
    static func kind(of argument: Argument, in leaf: Leaf) throws -> ValueKind? {
        let specific = argument.isPositional ? "\(leaf.name) <\(argument.key)>" : "\(leaf.name) --\(argument.key)"
        if let kind = numeric[specific] { return kind }
        if !argument.isPositional, let kind = numeric[argument.key] { return kind }
        if textual.contains(argument.key) { return nil }
        throw InventoryError(description: "\(specific) is neither numeric nor textual in CommandInventory: classify it")
    }
}
