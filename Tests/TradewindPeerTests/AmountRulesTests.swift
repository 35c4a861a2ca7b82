import Testing
import TradewindTestSupport
import TradewindWire
@testable import TradewindCLI

/// The CLI parses amounts in two steps (the text when the option is read, its scale once
/// the network's decimals are known); the library a shop links parses them in one
/// (`Amount.parse` in TradewindWire). Both must give the same answer for every text.
@Suite struct AmountRulesTests {
    static let alphabet: [Character] = ["0", "1", "2", "5", "9", "0", "0", ".", ".", "-", "e", " ", "１", "+"]

    static func text(_ random: inout SeededGenerator) -> String {
        switch random.next() % 5 {
        case 0: return String(random.next())
        case 1: return "\(random.next() % 100_000).\(random.next() % 1_000_000)"
        case 2: return "18446744073709551615" + (random.next() % 2 == 0 ? "" : ".\(random.next() % 10)")
        default:
            return String((0..<Int(random.next() % 24)).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] })
        }
    }

    @Test func theCLIAndTheLibraryParseEveryAmountAlike() {
        var random = SeededGenerator(seed: 2030)
        var agreedValues = 0
        for _ in 0..<20_000 {
            let text = Self.text(&random)
            let decimals = UInt8(random.next() % 19)
            let cli = try? DecimalText.amount(text).scaled(by: decimals)
            let library = try? Amount.parse(text, decimals: decimals)
            #expect(cli == library, "'\(text)' at \(decimals) decimals: CLI \(cli.map(String.init) ?? "refused"), library \(library.map(String.init) ?? "refused")")
            if cli != nil && cli == library { agreedValues += 1 }
        }
        #expect(agreedValues > 2000, "only \(agreedValues) texts were amounts at all")
    }
}

@Suite struct QuoteArgumentTests {
    static let buyer = "tw1qxtt7cxpxxjyk5tqemvymmynfqnsq28aetwfg3xunc35vnghdeeqs54yf6"

    func arguments(pay: String, receive: String) -> [String] {
        ["fx", "quote", "--from", "fx", "--buyer", Self.buyer, "--pay", pay, "--receive", receive, "--rate", "1.0873",
         "--max", "10", "--out", "/nonexistent-\(pay)-\(receive)/quote.json"]
    }

    @Test func aQuoteBetweenAnAssetAndItselfIsRefusedBeforeAnythingIsSigned() throws {
        do {
            _ = try Tradewind.parseAsRoot(arguments(pay: "USD", receive: "USD"))
            Issue.record("a USD→USD quote was accepted")
        } catch {
            let message = Tradewind.message(for: error)
            #expect(message.contains("same asset") && message.contains("'USD'"), "\(message)")
            #expect(Tradewind.exitCode(for: error) == .validationFailure)
        }
        _ = try Tradewind.parseAsRoot(arguments(pay: "USD", receive: "EUR"))
    }
}
