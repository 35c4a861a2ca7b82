import ArgumentParser
import Foundation
import Testing
@testable import TradewindCLI
import TradewindCrypto
import TradewindLedger
@testable import TradewindPeer
import TradewindChainStore
import TradewindTestSupport
import TradewindWire

/// What a person reads and a script parses from the CLI, in process.
@Suite struct CLIOutputTests {
    // MARK: Times

    @Test func timesReadAsISO8601InUTC() {
        #expect(TimeText.iso8601(0) == "1970-01-01T00:00:00.000Z")
        #expect(TimeText.iso8601(1_800_000_000_123) == "2027-01-15T08:00:00.123Z")
        #expect(TimeText.iso8601(951_782_400_000) == "2000-02-29T00:00:00.000Z")
        #expect(TimeText.iso8601(1_709_164_800_999) == "2024-02-29T00:00:00.999Z")
        #expect(TimeText.iso8601(4_102_444_799_000) == "2099-12-31T23:59:59.000Z")
    }

    @Test func timesReadRelativeToNow() {
        let now: UInt64 = 1_800_000_000_000
        #expect(TimeText.relative(now + 9 * 60_000 + 59_000, now: now) == "in 9 min")
        #expect(TimeText.relative(now - 3_400, now: now) == "3 s ago")
        #expect(TimeText.relative(now + 999, now: now) == "now")
        #expect(TimeText.relative(now - 999, now: now) == "now")
        #expect(TimeText.relative(now + 59_999, now: now) == "in 59 s")
        #expect(TimeText.relative(now - 5 * 3_600_000, now: now) == "5 h ago")
        #expect(TimeText.relative(now + 3 * 86_400_000, now: now) == "in 3 d")
        #expect(TimeText.describe(now + 60_000, now: now) == "2027-01-15T08:01:00.000Z (in 1 min)")
    }

    // MARK: Errors as JSON

    /// Parses and runs a command line in process; the error it ends with.
    func failure(_ arguments: [String]) async -> Error? {
        do {
            var command = try await Tradewind.asyncParseAsRoot(arguments)
            try command.run()
            return nil
        } catch {
            return error
        }
    }

    @Test func aMissingArgumentHasNoOffendingValue() {
        #expect(ErrorReport.offendingValue(in: "Missing expected argument '--to <to>'") == nil)
        #expect(ErrorReport.offendingValue(in: "Missing expected argument '<id>'") == nil)
        #expect(ErrorReport.offendingValue(in: "The value 'abc' is invalid for '--limit <limit>'") == "abc")
        #expect(ErrorReport.offendingValue(in: "--limit must be 1 to 1000, got 0") == "0")
    }

    @Test func jsonErrorsCarryExitCodeKindMessageAndOffendingValue() async throws {
        // ArgumentParser's own parse error.
        let parse = ErrorReport(try #require(await failure(["blocks", "--limit", "abc", "--json"])))
        #expect(parse.code == 64 && parse.name == "usage" && parse.value == "abc", "\(parse)")
        #expect(parse.message.hasPrefix("The value 'abc' is invalid for '--limit <limit>'"), "\(parse.message)")
        // A validation error from validate().
        let limit = ErrorReport(try #require(await failure(["blocks", "--limit", "0", "--json"])))
        #expect(limit.code == 64 && limit.name == "usage" && limit.value == "0", "\(limit)")
        // A validation error from run().
        let id = ErrorReport(try #require(await failure(["order", "show", "nothex", "--json"])))
        #expect(id.code == 64 && id.name == "usage" && id.value == "nothex" && id.message.contains("nothex"), "\(id)")
        // A failure (exit 1) with nothing to quote.
        let unreachable = ErrorReport(try #require(await failure(["status", "--api", "127.0.0.1:1", "--json"])))
        #expect(unreachable.code == 1 && unreachable.name == "failure" && unreachable.value == nil, "\(unreachable)")
        // A missing argument names no value.
        let missing = ErrorReport(try #require(await failure(["order", "show", "--json"])))
        #expect(missing.code == 64 && missing.value == nil, "\(missing)")
    }

    @Test func jsonErrorsAlwaysHaveTheSameFourKeys() throws {
        let report = ErrorReport(code: 1, name: "failure", message: "no order x", value: nil)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(report.json.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["code", "name", "message", "value"])
        #expect(object["value"] is NSNull)
        #expect(ErrorReport.wantsJSON(["status", "--json"]))
        #expect(!ErrorReport.wantsJSON(["status", "--", "--json"]))
        #expect(!ErrorReport.wantsJSON(["status"]))
    }

    // MARK: Help texts against the order table

    /// The order table of docs/ARCHITECTURE.md: (from states, transaction, by, to) per row.
    static func documentedOrderTable() throws -> [OrderRules.Row] {
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/ARCHITECTURE.md")
        let text = try String(contentsOf: docs, encoding: .utf8)
        guard let start = text.range(of: "| from | transaction | by | only when | to |") else { return [] }
        var rows: [OrderRules.Row] = []
        for line in text[start.upperBound...].split(separator: "\n").dropFirst() {
            guard line.hasPrefix("|") else { break }
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast()
                .map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count == 5 else { throw CLIError("malformed row: \(line)") }
            let from = cells[0].split(separator: ",").compactMap { name in
                Order.State.allCases.first { $0.description == name.trimmingCharacters(in: .whitespaces) }
            }
            guard let transaction = OrderRules.Transaction(rawValue: String(cells[1].prefix { $0.isLetter })),
                  let to = Order.State.allCases.first(where: { $0.description == cells[4] }) else {
                throw CLIError("unknown transaction or state in: \(line)")
            }
            let by = try cells[2].components(separatedBy: " or ").map { name in
                guard let party = OrderRules.Party(rawValue: name) else { throw CLIError("unknown party '\(name)' in: \(line)") }
                return party
            }
            rows.append(OrderRules.Row(from: from, transaction: transaction, by: by, to: to))
        }
        return rows
    }

    @Test func theOrderRulesInCodeAreTheDocumentedTable() throws {
        let documented = try Self.documentedOrderTable()
        #expect(documented.count == 17)
        #expect(documented == OrderRules.table)
    }

    static let orderCommands: [(ParsableCommand.Type, OrderRules.Transaction)] = [
        (OrderCommand.Create.self, .orderCreate), (OrderCommand.Accept.self, .orderAccept),
        (OrderCommand.Decline.self, .orderDecline), (OrderCommand.Cancel.self, .orderCancel),
        (OrderCommand.Refund.self, .orderRefund), (OrderCommand.Ship.self, .orderShip),
        (OrderCommand.Checkpoint.self, .orderCheckpoint), (OrderCommand.Confirm.self, .orderConfirm),
        (OrderCommand.Release.self, .orderRelease), (OrderCommand.Dispute.self, .orderDispute),
        (OrderCommand.Resolve.self, .orderResolve),
    ]

    /// Parties a help abstract names: "(by the buyer or seller)", "(by anyone)".
    static func parties(inAbstract abstract: String) -> [String] {
        guard let open = abstract.range(of: "(by "), let close = abstract[open.upperBound...].firstIndex(of: ")") else { return [] }
        var text = abstract[open.upperBound..<close]
        if text.hasPrefix("the ") { text = text.dropFirst(4) }
        return text.components(separatedBy: " or ")
    }

    @Test func everyOrderCommandsHelpNamesWhoMaySendItAsTheTableDoes() throws {
        let documented = try Self.documentedOrderTable()
        for (command, transaction) in Self.orderCommands {
            var byColumn: [String] = []
            for row in documented where row.transaction == transaction {
                for party in row.by where !byColumn.contains(party.rawValue) { byColumn.append(party.rawValue) }
            }
            let abstract = command.configuration.abstract
            #expect(Self.parties(inAbstract: abstract) == byColumn, "\(transaction): \(abstract)")
            #expect(OrderText.command(transaction) == "order \(command._commandName)")
        }
        // Every order subcommand but show is one transaction.
        #expect(OrderCommand.configuration.subcommands.count == Self.orderCommands.count + 1)
    }

    @Test func issueAndRedeemHelpSayOnlyTheIssuer() throws {
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/ARCHITECTURE.md")
        let text = try String(contentsOf: docs, encoding: .utf8).replacingOccurrences(of: "\n", with: " ")
        #expect(text.contains("Issuers `issue` and `redeem` their own asset only"))
        #expect(IssueCommand.configuration.abstract.hasSuffix("(its issuer only)."))
        #expect(RedeemCommand.configuration.abstract.hasSuffix("(its issuer only)."))
    }

    // MARK: Order text

    @Test func orderShowTellsEveryFactAndWhatCanHappenNext() {
        let buyer = "tw1buyer", seller = "tw1seller", provider = "tw1provider"
        let t: UInt64 = 1_800_000_000_000
        let view = OrderView(
            id: "ab12", buyer: buyer, seller: seller, carrier: "tw1carrier", arbiter: "tw1arbiter", state: "delivered",
            asset: "EUR", price: 250_000, display: "2500.00", shipBy: t + 600_000, deliverBy: t + 3_600_000, fxLocked: true,
            requireVerifiedMerchant: true, goodsHash: "00ff", trackingHash: "11ee", disputeReasonHash: nil, createdHeight: 7,
            createdAt: t - 120_000, shippedAt: t - 60_000, deliveredAt: t - 10_000, disputedAt: nil,
            checkpoints: [CheckpointView(kind: "pickedUp", time: t - 30_000), CheckpointView(kind: "delivered", time: t - 10_000)],
            legs: [LegView(asset: "EUR", amount: 250_000, display: "2500.00", from: provider, to: seller),
                   LegView(asset: "USD", amount: 271_825, display: "2718.25", from: buyer, to: provider)],
            fx: FXView(provider: provider, buyerAsset: "USD", sellerAsset: "EUR", rateNumerator: 10873, rateDenominator: 10000,
                       rate: "1.0873", quoteID: 17, expiryHeight: 1007),
            sellerBasisPoints: nil, chainTime: t,
            windows: [WindowView(kind: "dispute", opened: t - 10_000, closes: t + 50_000, open: true)],
            nextSteps: [
                NextStepView(transaction: "orderConfirm", checkpoints: [], by: ["buyer"], from: nil, until: nil, to: "completed", openNow: true),
                NextStepView(transaction: "orderDispute", checkpoints: [], by: ["buyer", "seller"], from: nil, until: t + 50_000,
                             to: "disputed", openNow: true),
                NextStepView(transaction: "orderRelease", checkpoints: [], by: ["anyone"], from: t + 50_000, until: nil,
                             to: "completed", openNow: false),
            ])
        let text = OrderText.render(view, now: t)
        for fact in ["order ab12: delivered", "price 2500.00 EUR (FX-locked), seller must be a verified merchant",
                     "FX quote 17 of provider tw1provider: 1.0873 USD per EUR", "the buyer paid 2718.25 USD",
                     "2500.00 EUR from the FX provider, paid out to the seller",
                     "created     2027-01-15T07:58:00.000Z (2 min ago) at height 7",
                     "ship by     2027-01-15T08:10:00.000Z (in 10 min)", "shipped     2027-01-15T07:59:00.000Z (1 min ago)",
                     "pickedUp        2027-01-15T07:59:30.000Z (30 s ago)", "delivered   2027-01-15T07:59:50.000Z (10 s ago)",
                     "disputed    no", "tracking hash 11ee",
                     "dispute      open, closes 2027-01-15T08:00:50.000Z (in 50 s)",
                     "order confirm (by the buyer) now -> completed",
                     "order dispute (by the buyer or seller) now, until 2027-01-15T08:00:50.000Z (in 50 s) -> disputed",
                     "order release (by anyone) from 2027-01-15T08:00:50.000Z (in 50 s) -> completed"] {
            #expect(text.contains(fact), "missing '\(fact)' in:\n\(text)")
        }
    }

    @Test func fxRatesReadAsDecimalsInWholeUnits() {
        #expect(Amount.ratio(10873, 10000, shift: 0, fractionDigits: 8) == "1.0873")
        // 1.6 yen (0 decimals) per euro cent (2 decimals): 160 yen per euro.
        #expect(Amount.ratio(16, 10, shift: 2, fractionDigits: 8) == "160")
        // 1 cent per 1000 minor units of a 0-decimal asset: 0.00001 per unit.
        #expect(Amount.ratio(1, 1000, shift: -2, fractionDigits: 8) == "0.00001")
        #expect(Amount.ratio(1, 3, shift: 0, fractionDigits: 8) == "0.33333333")
        #expect(Amount.ratio(UInt64.max, 1, shift: 0, fractionDigits: 8) == String(UInt64.max))
    }

    @Test func sizesReadInBinaryUnits() {
        #expect(ByteText.describe(0) == "0 B")
        #expect(ByteText.describe(1023) == "1023 B")
        #expect(ByteText.describe(1024) == "1 KiB")
        #expect(ByteText.describe(1_048_575) == "1023 KiB")
        #expect(ByteText.describe(1_048_576) == "1.0 MiB")
        #expect(ByteText.describe(13_000_000) == "12.4 MiB")
        #expect(ByteText.describe(5 << 30) == "5.0 GiB")
        #expect(ByteText.describe(.max) == "16777216.0 TiB")
    }

    // MARK: A stopped peer's status

    @Test func aStoppedPeersStatusIsAStatusViewWithRunningFalse() throws {
        let directory = try temporaryDirectory("stopped-status")
        let key = Ed25519.PrivateKey.generate().publicKey.address
        let genesis = Genesis(chainName: "stopped", genesisTime: 1_800_000_000_000, authorities: [key],
                              assets: [.init(code: AssetCode("USD")!, decimals: 2, issuer: key)], balances: [])
        let store = try ChainStore(directory: directory)
        try store.initialize(ledger: try Ledger(genesis: genesis))
        let status = try ChainReader(store: store).stoppedStatus(name: "solo", address: key, genesis: genesis)
        #expect(!status.running && status.step == "stopped" && status.height == 0 && status.authority && status.authorities == 1)
        #expect(status.blockTime == 1_800_000_000_000 && status.assets == ["USD": 2] && status.mempool == 0 && status.members == 0)
        // The genesis block's pages: more than LMDB's two meta pages, and a whole number of pages.
        #expect(status.storeBytes > 2 * 4096 && status.storeBytes % 4096 == 0, "\(status.storeBytes)")
        let encoder = JSONEncoder()
        let object = try #require(try JSONSerialization.jsonObject(with: try encoder.encode(status)) as? [String: Any])
        #expect(object["running"] as? Bool == false)
        #expect(object["height"] is NSNumber && !(object["height"] is String))
        // Decodes as what a running peer serves.
        _ = try JSONDecoder().decode(StatusView.self, from: try encoder.encode(status))
    }
}
