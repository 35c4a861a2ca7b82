import Foundation
import Testing
@testable import TradewindPeer
import TradewindTestSupport

/// The CLI's output against real peers: what the order, members and status
/// commands print, running and stopped, and errors with --json from the binary.
@Suite(.serialized) struct CLIOutputProcessTests {
    /// A JSON value's type.
    enum JSONType: String, Decodable, Equatable {
        case null, bool, number, string, object, array

        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() { self = .null
            } else if (try? container.decode(Bool.self)) != nil { self = .bool
            } else if (try? container.decode(Double.self)) != nil { self = .number
            } else if (try? container.decode(String.self)) != nil { self = .string
            } else if (try? container.decode([String: JSONType].self)) != nil { self = .object
            } else { self = .array }
        }
    }

    /// The keys of a JSON object and the JSON type of each value.
    static func shape(_ json: String) throws -> [String: String] {
        try JSONDecoder().decode([String: JSONType].self, from: Data(json.utf8)).mapValues(\.rawValue)
    }

    @Test func ordersMembersStatusAndErrorsReadTheSameForPeopleAndScripts() throws {
        let mesh = try ProcessMesh(label: "cli-output", participants: "importer,exporter,carrier,arbiter,fx")
        defer { mesh.stopAll() }
        let running = ["authority-1", "authority-2", "authority-3", "authority-4", "exporter"]
        for name in running { try mesh.start(name) }
        #expect(mesh.waitForHeight(2, peers: running), "no blocks: \(mesh.log("authority-1").suffix(2000))")
        let home = mesh.home("authority-1"), wallets = mesh.net + "/wallets"
        func run(_ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
            try ProcessMesh.cli(arguments + ["--home", home])
        }
        @discardableResult
        func submit(_ from: String, _ arguments: [String]) throws -> String {
            let result = try run(arguments + ["--wallets", wallets, "--from", from, "--wait"])
            guard result.status == 0 else { throw ProcessMesh.MeshError("\(arguments.prefix(2)) by \(from): \(result.error)\(result.output)") }
            return String(result.output.split(separator: "\n").first ?? "")
        }
        let address = try Dictionary(uniqueKeysWithValues: ["importer", "exporter", "carrier", "arbiter", "fx"].map { ($0, try mesh.address($0)) })

        // Members: names from config.json, role from the authority set, last contact.
        var members: [MemberView] = []
        let deadline = Date().addingTimeInterval(20)
        repeat {
            let listed = try run(["members", "--json"])
            members = (try? JSONDecoder().decode([MemberView].self, from: Data(listed.output.utf8))) ?? []
            if members.filter({ $0.status == "alive" && $0.lastContact != nil }).count == 4 { break }
            usleep(200_000)
        } while Date() < deadline
        #expect(Set(members.compactMap(\.name)) == ["authority-2", "authority-3", "authority-4", "exporter"], "\(members)")
        #expect(members.allSatisfy { $0.role == ($0.name == "exporter" ? "participant" : "authority") }, "\(members)")
        let now = UInt64(Date().timeIntervalSince1970 * 1000)
        #expect(members.allSatisfy { ($0.lastContact ?? 0) + 30_000 > now && ($0.lastContact ?? .max) <= now + 1000 }, "\(members)")
        let membersText = try run(["members"]).output
        #expect(membersText.contains("authority-2  authority  alive  last contact 20"), "\(membersText)")
        #expect(membersText.contains("exporter  participant  alive"), "\(membersText)")

        // An FX-locked order with a verified merchant, shipped and delivered.
        try submit("authority-1", ["merchant", "attest", address["exporter"]!, "--name", "Exporter GmbH", "--jurisdiction", "DE"])
        let quote = mesh.directory + "/quote.json"
        let quoted = try run(["fx", "quote", "--wallets", wallets, "--from", "fx", "--buyer", address["importer"]!, "--pay", "USD",
                              "--receive", "EUR", "--rate", "1.0873", "--max", "5000.00", "--out", quote])
        #expect(quoted.status == 0, "\(quoted.error)")
        let order = try submit("importer", ["order", "create", "--seller", address["exporter"]!, "--amount", "2500.00", "--asset", "EUR",
                                            "--carrier", address["carrier"]!, "--arbiter", address["arbiter"]!, "--ship-by", "10m",
                                            "--deliver-by", "1h", "--verified-merchant", "--quote", quote])
        try submit("exporter", ["order", "accept", order])
        try submit("exporter", ["order", "ship", order, "--tracking", "T-1"])
        try submit("carrier", ["order", "checkpoint", order, "--kind", "picked-up"])
        try submit("carrier", ["order", "checkpoint", order, "--kind", "delivered"])

        let shownJSON = try run(["order", "show", order, "--json"])
        let view = try JSONDecoder().decode(OrderView.self, from: Data(shownJSON.output.utf8))
        #expect(view.state == "delivered" && view.requireVerifiedMerchant && view.fxLocked)
        #expect(view.fx?.rate == "1.0873" && view.fx?.provider == address["fx"])
        #expect(view.legs.map(\.display) == ["2500.00", "2718.25"] && view.legs.last?.from == address["importer"])
        let delivered = try #require(view.deliveredAt)
        #expect(view.shippedAt != nil && view.disputedAt == nil && view.checkpoints.map(\.kind) == ["pickedUp", "delivered"])
        #expect(view.checkpoints.last?.time == delivered)
        // The testnet's dispute window is 60 s.
        #expect(view.windows.contains(WindowView(kind: "dispute", opened: delivered, closes: delivered + 60_000, open: true)), "\(view.windows)")
        let steps = Dictionary(view.nextSteps.map { ("\($0.transaction) \($0.by.joined(separator: ","))", $0) }, uniquingKeysWith: { a, _ in a })
        #expect(steps["orderConfirm buyer"]?.openNow == true)
        #expect(steps["orderDispute buyer,seller"]?.until == delivered + 60_000)
        #expect(steps["orderRelease anyone"]?.from == delivered + 60_000 && steps["orderRelease anyone"]?.openNow == false)
        #expect(steps["orderRefund seller"]?.openNow == true)
        #expect(view.nextSteps.count == 4, "\(view.nextSteps)")
        // Absent facts are null, not missing.
        let orderShape = try Self.shape(shownJSON.output)
        #expect(orderShape["disputedAt"] == "null" && orderShape["sellerBasisPoints"] == "null" && orderShape["deliveredAt"] == "number")

        let shownText = try run(["order", "show", order]).output
        for fact in ["seller must be a verified merchant", "1.0873 USD per EUR", "the buyer paid 2718.25 USD",
                     "order dispute (by the buyer or seller) now, until 20", "order release (by anyone) from 20"] {
            #expect(shownText.contains(fact), "missing '\(fact)' in:\n\(shownText)")
        }
        #expect(shownText.range(of: #"delivered   \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \((now|\d+ s ago)\)"#, options: .regularExpression) != nil,
                "\(shownText)")

        // Errors with --json: JSON on standard output, the same exit code, nothing on standard error.
        let badID = try run(["order", "show", "xyz", "--json"])
        #expect(badID.status == 64 && badID.error.isEmpty, "\(badID)")
        #expect(try Self.shape(badID.output) == ["code": "number", "name": "string", "message": "string", "value": "string"])
        #expect(badID.output.contains("\"value\" : \"xyz\""), "\(badID.output)")
        let help = try run(["order", "show", "--help", "--json"])
        #expect(help.status == 0 && help.output.contains("USAGE"), "\(help)")

        // Wallets as JSON.
        let walletList = try ProcessMesh.cli(["wallet", "list", "--wallets", wallets, "--json"])
        struct Wallet: Decodable { var name: String; var address: String?; var encrypted: Bool }
        let entries = try JSONDecoder().decode([Wallet].self, from: Data(walletList.output.utf8))
        #expect(entries.contains { $0.name == "fx" && $0.address == address["fx"] && !$0.encrypted }, "\(walletList)")
        let walletShow = try ProcessMesh.cli(["wallet", "show", "carrier", "--wallets", wallets, "--json"])
        #expect(try Self.shape(walletShow.output) == ["name": "string", "address": "string", "encrypted": "bool"], "\(walletShow)")

        // A stopped peer: the same status document, running false; orders read from its store.
        let runningStatus = try run(["status", "--json"])
        #expect(runningStatus.status == 0)
        mesh.stopAll()
        let stoppedStatus = try run(["status", "--json"])
        #expect(stoppedStatus.status == 0, "\(stoppedStatus.error)")
        #expect(try Self.shape(stoppedStatus.output) == (try Self.shape(runningStatus.output)))
        let stopped = try JSONDecoder().decode(StatusView.self, from: Data(stoppedStatus.output.utf8))
        #expect(!stopped.running && stopped.name == "authority-1" && stopped.authority && stopped.height >= 2)
        let offline = try JSONDecoder().decode(OrderView.self, from: Data(try run(["order", "show", order, "--json"]).output.utf8))
        #expect(offline.state == "delivered" && offline.deliveredAt == delivered && offline.windows.first?.kind == "dispute")
        let missing = try run(["order", "show", String(repeating: "0", count: 64), "--json"])
        #expect(missing.status == 1 && missing.error.isEmpty && missing.output.contains("\"name\" : \"failure\""), "\(missing)")
    }
}
