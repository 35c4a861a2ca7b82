import ArgumentParser
import Foundation
import Testing
@testable import TradewindCLI
import TradewindTestSupport
import TradewindWire

/// No value of a numeric or time argument traps the CLI: every such argument of every
/// command gets thousands of generated values through ArgumentParser, the command's
/// `validate()` and (for submitting commands and FX quotes) the conversion with the
/// network's facts; each is accepted or refused with exit 1 or 64 and a message that
/// names it. Seeded: a failure prints the seed and the arguments that replay it.
@Suite struct ArgumentValueFuzzTests {
    static let seed: UInt64 = 0x7457_2026_1201

    /// Values that probe parsers: huge, negative, fractional, exponents, other digits,
    /// empty and whitespace, the edges of 64 bits and of each option's range, garbage.
    static func value(_ random: inout SeededGenerator) -> String {
        let edges = ["0", "1", "-1", "-0", "00", "0.0", "1000", "1001", "3600", "3600.0", "3600.5", "3601", "65535", "65536",
                     "200000000", "200000001", "100", "100.00", "100.01", "37.5", "37.555",
                     "18446744073709551615", "18446744073709551616", "9223372036854775807", "9223372036854775808",
                     "-9223372036854775808", "99999999999999999999999999", "184467440737095516.15", "184467440737095516.16",
                     "0.000000000000000001", "0.0000000000000000001", "0.00000000000000000001", "1.0000000000000000000",
                     "36500d", "36501d", "99999999999d", "999999999999d", "0s", "1s", "-1m", "1.5h", "2h", "10y", "d", "s",
                     "1e3", "1E400", "1e-5", "0x10", "0x1p3", "inf", "-inf", "nan", "NaN", "+5", "5-", "--5", "1..2", ".5", "5.",
                     "1,000", "1_000", "١٢٣", "１２", "²", "߁", "٣d", "", " ", "\t", " 5", "5 ", "\n", "5\n", "1000000000000",
                     "999999999999", "253402300799999", "253402300800000", "127.0.0.1:", ":80", "-", ".", "--", "=", "🙂", "null"]
        switch random.next() % 8 {
        case 0, 1:
            return edges[Int(random.next() % UInt64(edges.count))]
        case 2: // Long digit strings.
            return String((0..<(1 + random.next() % 45)).map { _ in Character(String(random.next() % 10)) })
        case 3: // Fractions of any precision.
            let whole = String(random.next() % 1_000_000)
            let fraction = String((0..<(1 + random.next() % 30)).map { _ in Character(String(random.next() % 10)) })
            return whole + "." + fraction
        case 4: // Signs and exponents around a number.
            let base = String(random.next() % 100_000)
            let forms = ["-\(base)", "+\(base)", "\(base)e\(random.next() % 500)", "\(base)E-\(random.next() % 30)", "-\(base).5",
                         "\(base)\(["s", "m", "h", "d", "ms", "w"][Int(random.next() % 6)])", "-\(base)d"]
            return forms[Int(random.next() % UInt64(forms.count))]
        case 5: // Boundaries ± a little.
            let bounds: [UInt64] = [UInt64.max, UInt64(Int64.max), 1 << 53, 1 << 32, 65535, 3600, 1000, 10_000, 36500,
                                    253_402_300_800_000, 1_000_000_000_000, 213_503_982_334]
            let bound = bounds[Int(random.next() % UInt64(bounds.count))]
            let delta = random.next() % 3
            return random.next() % 2 == 0 ? String(bound &- delta) : String(bound) + String(delta)
        case 6: // Unicode and whitespace mixed into digits.
            let pieces = ["1", "2", " ", "\u{00A0}", "٣", "۴", "५", "৬", "๗", "８", ".", "-", "e", "\u{200B}", "d", "h", "ⅷ", "⑨"]
            return String((0..<(1 + random.next() % 8)).map { _ in pieces[Int(random.next() % UInt64(pieces.count))] }.joined())
        default: // Garbage bytes as text.
            let scalars = (0..<(random.next() % 12)).compactMap { _ in Unicode.Scalar(UInt32(32 + random.next() % 0x2FF)) }
            return String(String.UnicodeScalarView(scalars))
        }
    }

    /// `arguments` with the argument's value replaced by `text` (for the one numeric
    /// positional, `block <reference>`, the value in its place).
    static func substitute(_ arguments: [String], argument: CommandInventory.Argument, text: String, equalsForm: Bool) -> [String] {
        guard let long = argument.longName else { return [text] + arguments.dropFirst() }
        var result: [String] = []
        var index = 0
        while index < arguments.count {
            if arguments[index] == "--" + long { index += 2; continue }
            result.append(arguments[index])
            index += 1
        }
        return result + (equalsForm ? ["--\(long)=\(text)"] : ["--\(long)", text])
    }

    /// The parser each numeric argument's option or `validate()` uses, followed by the
    /// conversion its command does with the network's facts (random here). Keyed like
    /// CommandInventory.numeric: "command --option" first, then the option alone.
    struct PureParser: Sendable {
        /// What parsing (the option's transform or `validate()`) does with the text.
        let parse: @Sendable (String) throws -> Void
        /// Parsing and then the command's conversion with random network facts.
        let convert: @Sendable (String, inout SeededGenerator) throws -> Void

        init(_ parse: @escaping @Sendable (String) throws -> Void) {
            self.parse = parse
            convert = { text, _ in try parse(text) }
        }

        init(_ parse: @escaping @Sendable (String) throws -> Void, then convert: @escaping @Sendable (String, inout SeededGenerator) throws -> Void) {
            self.parse = parse
            self.convert = convert
        }
    }

    static let amount = PureParser({ _ = try DecimalText.amount($0) }) { text, random in
        _ = try DecimalText.amount(text).scaled(by: UInt8(random.next() % 19))
    }
    static let deadline = PureParser({ _ = try DeadlineText.option($0) }) { text, random in
        _ = try DeadlineText.option(text).resolve(now: random.next() % 2 == 0 ? random.next() : 1_800_000_000_000)
    }

    /// The parser each numeric argument's option or `validate()` uses, and the conversion
    /// its command does with the network's facts. Keyed like CommandInventory.numeric:
    /// "command --option" first, then the option alone.
    static let pureParsers: [String: PureParser] = [
        "amount": amount, "max": amount, "ship-by": deadline, "deliver-by": deadline,
        "rate": PureParser({ _ = try DecimalText.rate($0) }) { text, random in
            _ = try fxRateFraction(DecimalText.rate(text), payDecimals: UInt8(random.next() % 19), receiveDecimals: UInt8(random.next() % 19))
        },
        "timeout": PureParser { _ = try WaitTimeout.parse($0) },
        "sequence": PureParser { _ = try WholeNumber.sequence($0) },
        "valid-for-blocks": PureParser({ _ = try WholeNumber.validForBlocks($0) }) { text, random in
            _ = random.next().addingReportingOverflow(try WholeNumber.validForBlocks(text))
        },
        "limit": PureParser { _ = try WholeNumber.blockLimit($0) },
        "authorities": PureParser { _ = try TestnetCommand.authorityCount($0) },
        "base-port": PureParser { _ = try TestnetCommand.port($0) },
        "participants": PureParser { _ = try TestnetCommand.participantNames($0) },
        "seller-share": PureParser { _ = try parsePercentage($0) },
        "api": PureParser { try PeerAccess.checkAPI("127.0.0.1:" + $0) },
        "listen": PureParser { _ = try InitCommand.endpoint("127.0.0.1:" + $0, "--listen") },
        "advertise": PureParser { _ = try InitCommand.endpoint("127.0.0.1:" + $0, "--advertise") },
        "blocks --from": PureParser { _ = try WholeNumber.height($0) },
        "fx quote --id": PureParser { _ = try WholeNumber.quoteID($0) },
        "block <reference>": PureParser { try BlockCommand.checkReference($0) },
        "last-valid-height": PureParser { _ = try WholeNumber.height($0) },
        "testnet --dispute-window": PureParser { _ = try DurationOption.milliseconds($0, "--dispute-window") },
        "testnet --arbitration-window": PureParser { _ = try DurationOption.milliseconds($0, "--arbitration-window") },
        "testnet --block-interval": PureParser { _ = try DurationOption.milliseconds($0, "--block-interval") },
        "testnet --heartbeat": PureParser { _ = try DurationOption.milliseconds($0, "--heartbeat") },
        "genesis --genesis-time": PureParser { _ = try GenesisTime.milliseconds($0) },
        "genesis --block-interval": PureParser { _ = try DurationOption.milliseconds($0, "--block-interval") },
        "genesis --heartbeat": PureParser { _ = try DurationOption.milliseconds($0, "--heartbeat") },
        "genesis --dispute-window": PureParser { _ = try DurationOption.milliseconds($0, "--dispute-window") },
        "genesis --arbitration-window": PureParser { _ = try DurationOption.milliseconds($0, "--arbitration-window") },
        "genesis --max-clock-drift": PureParser { _ = try DurationOption.milliseconds($0, "--max-clock-drift") },
    ]

    static func pureParser(_ argument: CommandInventory.Argument, in leaf: CommandInventory.Leaf) -> PureParser? {
        let specific = argument.isPositional ? "\(leaf.name) <\(argument.key)>" : "\(leaf.name) --\(argument.key)"
        return pureParsers[specific] ?? (argument.isPositional ? nil : pureParsers[argument.key])
    }

    /// Thousands of values per numeric argument through its parser and conversion, then
    /// a sample of them through the whole command (ArgumentParser, validate(), the body
    /// with network facts), which must agree: a value the parser refuses, the command
    /// refuses with exit 1 or 64 and a message naming it. ArgumentParser costs tens of
    /// milliseconds a parse in debug builds, hence the smaller sample.
    /// Values per argument sent through the whole command (ArgumentParser costs tens of
    /// milliseconds a parse in debug builds, and this test is the longest of `swift
    /// test`); TRADEWIND_CLI_FUZZ_SAMPLES raises it for a longer run.
    static let commandSamples = ProcessInfo.processInfo.environment["TRADEWIND_CLI_FUZZ_SAMPLES"].flatMap(Int.init) ?? 10
    static let sharedCommandSamples = max(1, commandSamples / 10)

    @Test func numericAndTimeArgumentsNeverTrapAndRefusalsNameTheValue() throws {
        let scratch = try temporaryDirectory("fuzz")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let samples = CommandInventory.samples(scratch: scratch)
        var random = SeededGenerator(seed: Self.seed)
        var pureCases = 0, commandCases = 0, accepted = 0, failures = 0
        var covered: Set<CommandInventory.ValueKind> = []
        func fail(_ reason: String) {
            failures += 1
            if failures <= 20 { Issue.record("\(reason) (seed \(Self.seed))") }
        }
        for leaf in try CommandInventory.leaves() {
            guard let baseline = samples[leaf.name]?.first else {
                Issue.record("no sample arguments for `tradewind \(leaf.name)` in CommandInventory.samples")
                continue
            }
            let command = type(of: try Tradewind.parseAsRoot(leaf.path + baseline))
            for argument in leaf.arguments {
                guard let kind = try CommandInventory.kind(of: argument, in: leaf) else { continue }
                guard let parser = Self.pureParser(argument, in: leaf) else {
                    Issue.record("no parser for `tradewind \(leaf.name)` \(argument.key) in ArgumentValueFuzzTests.pureParsers")
                    continue
                }
                covered.insert(kind)
                for _ in 0..<2000 {
                    pureCases += 1
                    let value = Self.value(&random)
                    do {
                        try parser.convert(value, &random)
                        if value.hasPrefix("-") && !argument.isPositional { fail("\(argument.key) accepted '\(value)'") }
                    } catch {}
                }
                let shared = ["timeout", "sequence", "api"].contains(argument.key) // The same option group in every command.
                for _ in 0..<(shared ? Self.sharedCommandSamples : Self.commandSamples) {
                    let value = Self.value(&random)
                    let text = kind == .endpoint ? "127.0.0.1:" + value : value
                    // `--option=VALUE` only where "=" stays its own character: a value opening with a
                    // combining mark fuses with it, and ArgumentParser then sees no value at all.
                    let equalsForm = random.next() % 4 == 0 && ("=" + text).count == text.count + 1
                    let arguments = Self.substitute(baseline, argument: argument, text: text, equalsForm: equalsForm)
                    commandCases += 1
                    let replay = "`tradewind \(leaf.name)` \(arguments.map { "'\($0)'" }.joined(separator: " "))"
                    let parserRefuses = (try? parser.parse(value)) == nil
                    switch Self.check(command, arguments, text: text, kind: kind, positional: argument.isPositional, random: &random) {
                    case .accepted:
                        accepted += 1
                        if parserRefuses { fail("\(replay): accepted a value its parser refuses") }
                    case .refused: break
                    case let .failed(reason): fail("\(replay): \(reason)")
                    }
                }
            }
        }
        #expect(covered == Set(CommandInventory.ValueKind.allCases), "kinds fuzzed: \(covered)")
        #expect(failures == 0, "\(failures) cases failed (the first 20 are recorded above)")
        #expect(pureCases > 100_000 && commandCases > 10 * Self.commandSamples && accepted > Self.commandSamples,
                "\(pureCases) parser cases, \(commandCases) command cases, \(accepted) accepted (seed \(Self.seed))")
    }

    enum Outcome {
        case accepted, refused
        case failed(String)
    }

    /// Parses and validates `arguments` as `command`, then converts them with network
    /// facts; fails unless they are accepted, or refused with exit 1 or 64 and a message
    /// naming `text`. The facts vary only where they meet the value under test (decimals
    /// for amounts and rates, a clock near 2^64 ms for times), so a refusal is about it —
    /// except that such a clock also meets a relative deadline elsewhere in the arguments
    /// (`--deliver-by 9d` beside the `--ship-by` under test), whose refusal names that one.
    static func check(_ command: any ParsableCommand.Type, _ arguments: [String], text: String, kind: CommandInventory.ValueKind,
                      positional: Bool, random: inout SeededGenerator) -> Outcome {
        var clockNearTheEnd = false
        func refused(_ error: any Error) -> Outcome {
            let code = command.exitCode(for: error).rawValue
            let message = command.message(for: error)
            guard code == 64 || code == 1 else { return .failed("exit \(code): \(message)") }
            // A positional starting with "-" is taken for an option; ArgumentParser names what it saw.
            // `--option=` with nothing after it is, rightly, a missing value.
            let named = text.isEmpty ? message.contains("''") || message.contains("Missing value") : message.contains(text)
            let anotherDeadline = clockNearTheEnd && ErrorReport.offendingValue(in: message).map { value in
                guard value != text, arguments.contains(value), case .after = (try? DeadlineText(parsing: value))?.kind else { return false }
                return true
            } == true
            guard named || positional || anotherDeadline || message.contains("the peer") else {
                return .failed("the message does not name '\(text)': \(message)")
            }
            return .refused
        }
        let parsed: any ParsableCommand
        do { parsed = try command.parseAsRoot(arguments) } catch { return refused(error) }
        // A positional like "-x1h" is a cluster of short flags with -h: help, nothing done.
        if type(of: parsed) != command { return .refused }
        if text.hasPrefix("-") && !positional { return .failed("accepted a negative value") }
        // Up to 14 decimals: the samples' whole amounts (at most 5000) still fit 64 bits.
        let varies = [.amount, .rate].contains(kind)
        let usd = varies ? UInt8(random.next() % 15) : 2, eur = varies ? UInt8(random.next() % 15) : 2
        let now = kind == .time && random.next() % 8 == 0 ? UInt64.max - random.next() % 1_000_000_000
            : 1_800_000_000_000 + random.next() % 1_000_000
        clockNearTheEnd = now > UInt64.max / 2
        let network = NetworkFacts(assets: ["USD": usd, "EUR": eur], now: now)
        do {
            if let submitting = parsed as? any SubmittingCommand {
                _ = try submitting.body(network)
            } else if let quote = parsed as? FXCommand.Quote {
                let height = random.next() % 4 == 0 ? UInt64.max - random.next() % 1_000_000 : random.next() % 10_000_000
                _ = try quote.terms(network, height: height)
            }
        } catch {
            return refused(error)
        }
        return .accepted
    }

    /// The pure conversions agree with arithmetic on known values.
    @Test func valuesConvertExactly() throws {
        #expect(try DecimalText(parsing: "12.50").scaled(by: 2) == 1250)
        #expect(try DecimalText(parsing: "12.500").scaled(by: 2) == 1250)
        #expect(throws: ValueError.self) { try DecimalText(parsing: "1.005").scaled(by: 2) }
        #expect(try DecimalText(parsing: "18446744073709551615").scaled(by: 0) == UInt64.max)
        #expect(throws: ValueError.self) { try DecimalText(parsing: "184467440737095516.16").scaled(by: 2) }
        let rate = try fxRateFraction(DecimalText(parsing: "1.0873"), payDecimals: 2, receiveDecimals: 2)
        #expect(rate.numerator == 10873 && rate.denominator == 10000)
        let yen = try fxRateFraction(DecimalText(parsing: "161.5"), payDecimals: 0, receiveDecimals: 2)
        #expect(yen.numerator == 323 && yen.denominator == 200) // 161.5 yen per 100 cents.
        #expect(throws: ValueError.self) { try fxRateFraction(DecimalText(parsing: "0.0000000000000000001"), payDecimals: 0, receiveDecimals: 18) }
        #expect(try parsePercentage("37.5") == 3750)
        #expect(throws: ValueError.self) { try parsePercentage("100.01") }
        #expect(try DeadlineText(parsing: "2h").resolve(now: 1000) == 1000 + 7_200_000)
        #expect(throws: ValueError.self) { try DeadlineText(parsing: "36500d").resolve(now: UInt64.max - 5) }
        #expect(throws: ValueError.self) { try DeadlineText(parsing: "36501d") }
        #expect(try WaitTimeout.parse("2.5") == 2.5)
        #expect(throws: ValueError.self) { try WaitTimeout.parse("3600.5") }
    }
}
