import Foundation
import Testing
import TradewindPeer
import TradewindTestSupport

/// The account-setting commands and `claim` against a mesh of real peers, through the
/// CLI only: deposit authorization refuses an unknown sender until it is preauthorized
/// (and again once unpreauthorized), and a payout held while the seller was frozen is
/// claimed into its balance. Also: `fx quote --out` does not overwrite a quote.
@Suite(.serialized) struct AccountSettingMeshTests {
    @Test func depositAuthorizationPreauthorizationAndClaimWorkFromTheCLI() throws {
        let mesh = try ProcessMesh(label: "mesh-settings", participants: "exporter,importer")
        defer { mesh.stopAll() }
        for name in mesh.names { try mesh.start(name) }
        #expect(mesh.waitForHeight(2, peers: mesh.names), "the mesh did not commit blocks: \(mesh.log("authority-1").suffix(2000))")
        let importer = try mesh.address("importer"), exporter = try mesh.address("exporter")
        func attempt(_ name: String, _ arguments: [String]) throws -> (status: Int32, output: String, error: String) {
            try ProcessMesh.cli(arguments + ["--home", mesh.home(name), "--wallets", mesh.net + "/wallets", "--from", name, "--wait"])
        }
        let pay = ["send", "--to", exporter, "--amount", "1.00", "--asset", "USD"]

        try mesh.submit("exporter", ["deposit-auth", "on"])
        #expect(try mesh.account("exporter", of: exporter).depositAuth)
        let refused = try attempt("importer", pay)
        #expect(refused.status == 1 && refused.output.contains("tecDEPOSIT_AUTH"), "\(refused)")
        try mesh.submit("exporter", ["preauthorize", importer])
        #expect(try mesh.submit("importer", pay).contains("tesSUCCESS"))
        try mesh.submit("exporter", ["unpreauthorize", importer])
        let refusedAgain = try attempt("importer", pay)
        #expect(refusedAgain.status == 1 && refusedAgain.output.contains("tecDEPOSIT_AUTH"), "\(refusedAgain)")
        try mesh.submit("exporter", ["deposit-auth", "off"])
        #expect(try !mesh.account("exporter", of: exporter).depositAuth)

        // A payout to a frozen seller is held; after unfreezing, claim moves it into the balance.
        func id(_ output: String) -> String { String(output.split(separator: "\n").first ?? "") }
        let order = id(try mesh.submit("importer", ["order", "create", "--seller", exporter, "--amount", "40.00", "--asset", "USD",
                                                    "--ship-by", "1h", "--deliver-by", "2h"]))
        try mesh.submit("exporter", ["order", "accept", order])
        try mesh.submit("exporter", ["order", "ship", order])
        try mesh.submit("authority-1", ["freeze", exporter])
        try mesh.submit("importer", ["order", "confirm", order])
        let frozen = try mesh.account("exporter", of: exporter).balances.first { $0.asset == "USD" }
        #expect(frozen?.held == 4000 && frozen?.display == "1000001.00", "\(String(describing: frozen))")
        try mesh.submit("authority-1", ["unfreeze", exporter])
        #expect(try mesh.submit("exporter", ["claim", "--asset", "USD"]).contains("tesSUCCESS"))
        let claimed = try mesh.account("exporter", of: exporter).balances.first { $0.asset == "USD" }
        #expect(claimed?.held == 0 && claimed?.display == "1000041.00", "\(String(describing: claimed))")
        let nothingHeld = try attempt("exporter", ["claim", "--asset", "USD"])
        #expect(nothingHeld.status == 1 && nothingHeld.output.contains("tecNO_ENTRY"), "\(nothingHeld)")

        // fx quote writes a new file and refuses to replace it.
        let quote = mesh.directory + "/quote.json"
        let quoteArguments = ["fx", "quote", "--home", mesh.home("exporter"), "--wallets", mesh.net + "/wallets", "--from", "exporter",
                              "--buyer", importer, "--pay", "USD", "--receive", "EUR", "--rate", "1.0873", "--max", "100", "--out", quote]
        let first = try ProcessMesh.cli(quoteArguments)
        #expect(first.status == 0, "\(first.error)")
        let written = try String(contentsOfFile: quote, encoding: .utf8)
        let second = try ProcessMesh.cli(quoteArguments)
        #expect(second.status == 64 && second.error.contains(quote) && second.error.contains("already exists"), "\(second.error)")
        #expect(try String(contentsOfFile: quote, encoding: .utf8) == written)
    }
}
