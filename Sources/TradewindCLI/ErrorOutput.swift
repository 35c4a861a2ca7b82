import ArgumentParser
import Foundation
import TradewindCrypto
import TradewindPeer
import TradewindStore
import TradewindWire

/// A failed command as JSON, for scripts that pass --json: printed on standard
/// output instead of the text on standard error. `code` is the exit code.
struct ErrorReport: Codable, Equatable {
    var code: Int32
    /// usage (bad input, exit 64), or what failed: failure, peer, store, key, decode.
    var name: String
    var message: String
    /// The offending value when the message names one ('…', or a final "got X"), else null.
    var value: String?

    init(code: Int32, name: String, message: String, value: String?) {
        self.code = code
        self.name = name
        self.message = message
        self.value = value
    }

    /// The report for `error` as ArgumentParser would exit with it (same code, same message).
    init(_ error: Error, root: ParsableCommand.Type = Tradewind.self) {
        code = root.exitCode(for: error).rawValue
        message = root.message(for: error)
        if code == ExitCode.validationFailure.rawValue {
            name = "usage"
        } else {
            switch error {
            case is PeerError: name = "peer"
            case is StoreError: name = "store"
            case is CryptoError: name = "key"
            case is WireError: name = "decode"
            default: name = "failure"
            }
        }
        value = Self.offendingValue(in: message)
    }

    /// The first '…' in `message`, unless it names an argument rather than a value
    /// ('<id>', '--to <to>': a missing argument has no value); else what follows a final
    /// "got " ("--limit must be 1 to 1000, got 0").
    static func offendingValue(in message: String) -> String? {
        if let open = message.firstIndex(of: "'"),
           let close = message[message.index(after: open)...].firstIndex(of: "'") {
            let quoted = String(message[message.index(after: open)..<close])
            let namesAnArgument = quoted.hasSuffix(">") && quoted.contains("<")
            return namesAnArgument ? nil : quoted
        }
        guard let got = message.range(of: "got ", options: .backwards) else { return nil }
        let tail = message[got.upperBound...]
        return tail.isEmpty || tail.contains(" ") ? nil : String(tail)
    }

    /// Every key is always present (value as null), so scripts can rely on the shape.
    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(code, forKey: .code)
        try container.encode(name, forKey: .name)
        try container.encode(message, forKey: .message)
        try container.encode(value, forKey: .value)
    }

    var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    /// Whether the command line asks for JSON (before any "--", which ends the options).
    static func wantsJSON(_ arguments: [String]) -> Bool {
        arguments.prefix { $0 != "--" }.contains("--json")
    }
}

extension Tradewind {
    /// The executable's entry point (Sources/tradewind/main.swift): ArgumentParser's `main`, except that with --json a failure (also a parse or
    /// validation error) is an `ErrorReport` on standard output. Help, version and
    /// exit codes are unchanged.
    public static func runFromCommandLine() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        do {
            var command = try await asyncParseAsRoot(arguments)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let report = ErrorReport(error)
            // Help and version exit 0; a bare exit code (a failed receipt, already printed) has no message.
            guard ErrorReport.wantsJSON(arguments), report.code != 0, !report.message.isEmpty else { exit(withError: error) }
            print(report.json)
            exit(withError: ExitCode(report.code))
        }
    }
}
