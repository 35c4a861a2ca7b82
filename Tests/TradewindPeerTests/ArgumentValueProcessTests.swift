import Foundation
import Testing
import TradewindTestSupport

/// The real binary, one refused value per kind of numeric or time argument: it exits
/// with 64 (a usage error), names the value, and does not crash (the values below used
/// to trap with "arithmetic overflow", exit 132, or say "Missing value").
@Suite struct ArgumentValueProcessTests {
    static let submit = ["--from", "w", "--api", "127.0.0.1:9"]

    static func expectRefused(_ arguments: [String], naming value: String,
                              sourceLocation: SourceLocation = #_sourceLocation) throws {
        let outcome = try CLIProcess.run(arguments)
        #expect(!outcome.timedOut, "\(arguments) hung and was killed: \(outcome.error)", sourceLocation: sourceLocation)
        #expect(outcome.timedOut || !outcome.crashed, "\(arguments) crashed: \(outcome.error)", sourceLocation: sourceLocation)
        #expect(outcome.status == 64, "\(arguments): exit \(outcome.status): \(outcome.error)", sourceLocation: sourceLocation)
        #expect(outcome.error.contains("'\(value)'"), "\(arguments): the message does not name '\(value)': \(outcome.error)",
                sourceLocation: sourceLocation)
        #expect(!outcome.error.contains("Missing value"), "\(arguments): \(outcome.error)", sourceLocation: sourceLocation)
    }

    static let order = ["order", "create", "--seller", CommandInventory.other, "--asset", "USD"] + submit

    @Test func negativeAmountIsRefusedNamingIt() throws {
        try Self.expectRefused(["send", "--to", CommandInventory.other, "--amount", "-1", "--asset", "USD"] + Self.submit, naming: "-1")
        try Self.expectRefused(["redeem", "--amount", "1e5", "--asset", "USD"] + Self.submit, naming: "1e5")
    }

    @Test func absurdlyPreciseRateIsRefusedNamingIt() throws {
        let out = try temporaryDirectory("rate") + "/quote.json"
        try Self.expectRefused(["fx", "quote", "--buyer", CommandInventory.other, "--pay", "USD", "--receive", "EUR", "--max", "10",
                                "--rate", "0.00000000000000000001", "--out", out, "--from", "w", "--api", "127.0.0.1:9"],
                               naming: "0.00000000000000000001")
    }

    @Test func overflowingDeadlineIsRefusedNamingIt() throws {
        try Self.expectRefused(Self.order + ["--amount", "1", "--ship-by", "99999999999d", "--deliver-by", "2d"], naming: "99999999999d")
        try Self.expectRefused(Self.order + ["--amount", "1", "--ship-by", "1d", "--deliver-by", "-2d"], naming: "-2d")
    }

    @Test func negativeOrHugeTimeoutIsRefusedNamingIt() throws {
        try Self.expectRefused(["send", "--to", CommandInventory.other, "--amount", "1", "--asset", "USD", "--timeout=-5",
                                "--from", "w", "--api", "127.0.0.1:9"], naming: "-5")
        try Self.expectRefused(["claim", "--asset", "USD", "--timeout", "1e308"] + Self.submit, naming: "1e308")
    }

    @Test func wholeNumbersOutOfRangeAreRefusedNamingThem() throws {
        try Self.expectRefused(["claim", "--asset", "USD", "--sequence", "18446744073709551616"] + Self.submit, naming: "18446744073709551616")
        try Self.expectRefused(["blocks", "--limit", "-1", "--api", "127.0.0.1:9"], naming: "-1")
        try Self.expectRefused(["blocks", "--from", "٣", "--api", "127.0.0.1:9"], naming: "٣")
        try Self.expectRefused(["testnet", "--out", "/nonexistent/never", "--authorities", "129"], naming: "129")
    }

    @Test func percentageOverAHundredIsRefusedNamingIt() throws {
        try Self.expectRefused(["order", "resolve", CommandInventory.orderID, "--seller-share", "100.5"] + Self.submit, naming: "100.5")
    }

    @Test func malformedEndpointIsRefusedNamingIt() throws {
        try Self.expectRefused(["status", "--api", "127.0.0.1:70000"], naming: "127.0.0.1:70000")
    }

    @Test func blockHeightPast64BitsIsRefusedNamingIt() throws {
        try Self.expectRefused(["block", "18446744073709551616", "--api", "127.0.0.1:9"], naming: "18446744073709551616")
    }

    @Test func homeTogetherWithApiIsAUsageError() throws {
        let home = try temporaryDirectory("home-api")
        let outcome = try CLIProcess.run(["status", "--home", home, "--api", "127.0.0.1:9"])
        #expect(outcome.status == 64 && outcome.error.contains("--home") && outcome.error.contains("--api"), "\(outcome.error)")
    }

    /// Not one case per kind only: every numeric or time argument of every command, in the
    /// real binary, refuses a negative value (garbage for a positional one) with exit 64
    /// and a message naming it (the
    /// arguments come from the binary's own help dump, so a new one is covered at once).
    @Test func everyNumericArgumentRefusesANegativeValueInTheRealBinary() throws {
        let scratch = try temporaryDirectory("every-argument")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let samples = CommandInventory.samples(scratch: scratch)
        var checked = 0
        for leaf in try CommandInventory.leaves() {
            guard let baseline = samples[leaf.name]?.first else {
                Issue.record("no sample arguments for `tradewind \(leaf.name)` in CommandInventory.samples")
                continue
            }
            for argument in leaf.arguments {
                guard let kind = try CommandInventory.kind(of: argument, in: leaf) else { continue }
                // A positional "-7" would be read as an option: give it garbage instead.
                let text = argument.isPositional ? "7x" : kind == .endpoint ? "127.0.0.1:-7" : "-7"
                let arguments = leaf.path + ArgumentValueFuzzTests.substitute(baseline, argument: argument, text: text, equalsForm: true)
                try Self.expectRefused(arguments, naming: text)
                checked += 1
            }
        }
        #expect(checked >= 25, "only \(checked) numeric arguments were found")
    }

    /// Every kind of value has a case above (this list follows CommandInventory.ValueKind).
    @Test func everyValueKindHasAProcessCase() {
        let covered: Set<CommandInventory.ValueKind> = [.amount, .rate, .time, .seconds, .wholeNumber, .percentage, .endpoint, .blockReference]
        #expect(covered == Set(CommandInventory.ValueKind.allCases))
    }
}
