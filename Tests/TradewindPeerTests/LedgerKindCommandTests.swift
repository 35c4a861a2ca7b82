import Foundation
import Testing
@testable import TradewindCLI
import TradewindTestSupport
import TradewindWire

/// Every transaction the ledger accepts can be made from the CLI: the kinds come from
/// the transaction decoder itself (each wire tag it knows), so a kind added later fails
/// this test until a command builds it.
@Suite struct LedgerKindCommandTests {
    /// The wire tags TransactionBody's decoder knows: every tag it does not refuse as unknown.
    static func decodableTags() -> Set<UInt64> {
        var tags: Set<UInt64> = []
        for tag in UInt64(0)..<4096 {
            var writer = WireWriter()
            writer.writeVarint(tag)
            var reader = WireReader(writer.bytes + [UInt8](repeating: 0, count: 4096))
            do {
                _ = try TransactionBody(from: &reader)
                tags.insert(tag)
            } catch let error {
                if case let .unknownTag(type, _) = error, type == "TransactionBody" { continue }
                tags.insert(tag) // Known tag; the zero bytes after it are just not a valid body.
            }
        }
        return tags
    }

    static func tag(of body: TransactionBody) -> UInt64? {
        var reader = WireReader(body.wireEncoded)
        return try? reader.readVarint()
    }

    @Test func everyLedgerTransactionKindHasACommandThatBuildsIt() throws {
        let scratch = try temporaryDirectory("kinds")
        let samples = CommandInventory.samples(scratch: scratch)
        let network = NetworkFacts(assets: ["USD": 2, "EUR": 2], now: 1_800_000_000_000)
        var built: [UInt64: (kind: String, command: String)] = [:]
        for leaf in try CommandInventory.leaves() {
            guard let argumentLists = samples[leaf.name] else {
                Issue.record("no sample arguments for `tradewind \(leaf.name)` in CommandInventory.samples")
                continue
            }
            for arguments in argumentLists {
                let command = try Tradewind.parseAsRoot(leaf.path + arguments)
                guard let submitting = command as? any SubmittingCommand else { continue }
                let body = try submitting.body(network)
                guard let tag = Self.tag(of: body) else { Issue.record("\(leaf.name) built an unencodable body"); continue }
                built[tag] = (body.kind, leaf.name)
            }
        }
        let tags = Self.decodableTags()
        #expect(tags.count >= 22, "the decoder probe found only \(tags.sorted())")
        for tag in tags.sorted() where built[tag] == nil {
            Issue.record("transaction kind with wire tag \(tag) has no CLI command that builds it")
        }
        // Each command's body is one the decoder knows (and so one the ledger can take).
        for (tag, origin) in built where !tags.contains(tag) {
            Issue.record("`tradewind \(origin.command)` builds \(origin.kind) with tag \(tag), which the decoder does not know")
        }
        #expect(Set(built.values.map(\.kind)).isSuperset(of: ["claim", "setDepositAuth", "preauthorize"]))
    }

    /// The new commands build the transaction their name says, with the right settings.
    @Test func accountSettingCommandsBuildTheirTransactions() throws {
        let scratch = try temporaryDirectory("settings")
        let network = NetworkFacts(assets: ["USD": 2, "EUR": 2], now: 1_800_000_000_000)
        let submit = ["--from", "w", "--wallets", scratch]
        let other = try Address(parsing: CommandInventory.other)
        func body(_ arguments: [String]) throws -> TransactionBody? {
            try (Tradewind.parseAsRoot(arguments + submit) as? any SubmittingCommand)?.body(network)
        }
        #expect(try body(["claim", "--asset", "EUR"]) == .claim(asset: AssetCode("EUR")!))
        #expect(try body(["deposit-auth", "on"]) == .setDepositAuth(enabled: true))
        #expect(try body(["deposit-auth", "off"]) == .setDepositAuth(enabled: false))
        #expect(try body(["preauthorize", CommandInventory.other]) == .preauthorize(account: other, authorized: true))
        #expect(try body(["unpreauthorize", CommandInventory.other]) == .preauthorize(account: other, authorized: false))
        #expect(throws: (any Error).self) { try Tradewind.parseAsRoot(["deposit-auth", "maybe"] + submit) }
        #expect(throws: (any Error).self) { try body(["claim", "--asset", "XYZ"]) }
    }
}
