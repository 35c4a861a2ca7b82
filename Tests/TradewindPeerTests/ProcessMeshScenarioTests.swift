import Foundation
import Testing
import TradewindPeer
import TradewindTestSupport

/// The whole product through the CLI, with real processes: transfers, an FX-locked
/// order with checkpoints, a dispute resolved by its arbiter, a refund after ship-by,
/// an authority SIGKILLed mid-order and restarted, an authority killed at the crash
/// point between persisting and sending a vote, and a participant that joins after
/// 200 blocks and syncs from genesis. Runs in Bootstrap/test's process-mesh phase
/// (TRADEWIND_PROCESS_MESH=1); about two minutes.
@Suite(.serialized) struct ProcessMeshScenarioTests {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["TRADEWIND_PROCESS_MESH"] != nil))
    func everythingThroughTheCLI() throws {
        let started = Date()
        func note(_ text: String) { print(String(format: "[%6.1f s] ", Date().timeIntervalSince(started)) + text) }
        let mesh = try ProcessMesh(label: "mesh-full", participants: "exporter,importer,carrier,fx,arbiter,latecomer")
        defer { mesh.stopAll() }
        let running = mesh.names.filter { $0 != "latecomer" }
        for name in running { try mesh.start(name) }
        #expect(mesh.waitForHeight(2, peers: running), "no blocks: \(mesh.log("authority-1").suffix(2000))")
        let exporter = try mesh.address("exporter"), importer = try mesh.address("importer")
        let carrier = try mesh.address("carrier"), arbiter = try mesh.address("arbiter")
        func id(_ output: String) -> String { String(output.split(separator: "\n").first ?? "") }

        note("transfer")
        try mesh.submit("exporter", ["send", "--to", importer, "--amount", "12.50", "--asset", "USD"])

        note("FX-locked order")
        let quote = mesh.directory + "/quote.json"
        let quoted = try ProcessMesh.cli(["fx", "quote", "--home", mesh.home("fx"), "--wallets", mesh.net + "/wallets", "--from", "fx",
                                          "--buyer", importer, "--pay", "USD", "--receive", "EUR", "--rate", "1.0873",
                                          "--max", "5000.00", "--out", quote])
        #expect(quoted.status == 0, "\(quoted.error)")
        let order = id(try mesh.submit("importer", ["order", "create", "--seller", exporter, "--amount", "2500.00", "--asset", "EUR",
                                                    "--carrier", carrier, "--arbiter", arbiter, "--ship-by", "10m",
                                                    "--deliver-by", "1h", "--quote", quote]))
        try mesh.submit("exporter", ["order", "accept", order])

        note("SIGKILL authority-4 mid-order")
        mesh.kill("authority-4")
        let heightAtKill = mesh.status("authority-1")?.height ?? 0
        try mesh.submit("exporter", ["order", "ship", order, "--tracking", "T-1"])
        for kind in ["picked-up", "customs", "delivered"] {
            try mesh.submit("carrier", ["order", "checkpoint", order, "--kind", kind])
        }
        try mesh.submit("importer", ["order", "confirm", order])
        #expect(mesh.waitForHeight(heightAtKill + 10, peers: ["authority-1", "authority-2", "authority-3"]),
                "blocks stopped with 3 of 4 authorities")
        let shown = try mesh.cli("importer", ["order", "show", order, "--json"])
        #expect(shown.output.contains("\"state\" : \"completed\""), "\(shown.output)")

        note("restart authority-4: it catches up")
        try mesh.start("authority-4")
        let target = mesh.status("authority-1")?.height ?? 0
        #expect(mesh.waitForHeight(target, peers: ["authority-4"]), "authority-4 did not catch up: \(mesh.log("authority-4").suffix(1500))")

        note("disputed order resolved by the arbiter")
        let disputed = id(try mesh.submit("importer", ["order", "create", "--seller", exporter, "--amount", "100.00", "--asset", "USD",
                                                       "--carrier", carrier, "--arbiter", arbiter, "--ship-by", "10m", "--deliver-by", "1h"]))
        try mesh.submit("exporter", ["order", "accept", disputed])
        try mesh.submit("exporter", ["order", "ship", disputed])
        try mesh.submit("carrier", ["order", "checkpoint", disputed, "--kind", "delivered"])
        try mesh.submit("importer", ["order", "dispute", disputed, "--reason", "half the goods broken"])
        try mesh.submit("arbiter", ["order", "resolve", disputed, "--seller-share", "50"])

        note("a refund sent before ship-by waits for it, then commits")
        let late = id(try mesh.submit("importer", ["order", "create", "--seller", exporter, "--amount", "50.00", "--asset", "USD",
                                                   "--ship-by", "6s", "--deliver-by", "1h"]))
        try mesh.submit("exporter", ["order", "accept", late])
        let early = try ProcessMesh.cli(["order", "refund", late, "--home", mesh.home("importer"), "--wallets", mesh.net + "/wallets",
                                         "--from", "importer", "--wait"])
        #expect(early.status == 0 && early.error.contains("waiting: terTOO_EARLY (302): deadline has not passed yet: ship-by")
                    && early.output.contains("tesSUCCESS"), "\(early.output) \(early.error)")

        note("authority-2 killed at the crash point (vote persisted, not sent), then restarted")
        mesh.kill("authority-2", signal: SIGTERM)
        try mesh.start("authority-2", environment: ["TRADEWIND_CRASH_AFTER_PERSISTED_VOTES": "3"])
        let crashed = mesh.peers["authority-2"]!.wait(timeout: 30)
        #expect(crashed != 0, "authority-2 did not stop at the crash point")
        #expect(mesh.log("authority-2").contains("crash point reached"))
        mesh.peers["authority-2"] = nil
        try mesh.start("authority-2")

        note("waiting for height 200, then starting the latecomer 100 ms away (emulated, one way)")
        #expect(mesh.waitForHeight(200, peers: ["authority-1"], timeout: 120))
        try mesh.start("latecomer", environment: ["TRADEWIND_EMULATED_DELAY_MS": "100"])
        let everyone = mesh.names
        let head = mesh.status("authority-1")?.height ?? 0
        #expect(mesh.waitForHeight(head, peers: everyone, timeout: 90), "not everyone reached \(head): latecomer at \(mesh.status("latecomer")?.height ?? 0)")
        // Catch-up kept many blocks in flight rather than asking one per round trip:
        // the blocks came in answer to the prefetch's requests.
        let prefetched = mesh.status("latecomer")?.blocksPrefetched ?? 0
        note("the latecomer reached height \(head); \(prefetched) blocks came through prefetch")
        #expect(prefetched >= head / 2, "only \(prefetched) of \(head) blocks came through prefetch")

        note("one chain everywhere")
        let blocks = everyone.compactMap { mesh.block($0, head) }
        #expect(blocks.count == everyone.count)
        #expect(Set(blocks.map(\.id)).count == 1, "block ids at \(head): \(blocks.map(\.id))")
        #expect(Set(blocks.map(\.stateRoot)).count == 1)

        note("balances and credit records")
        func balance(_ address: String, _ asset: String) throws -> String? {
            try mesh.account("latecomer", of: address).balances.first { $0.asset == asset }?.display
        }
        #expect(try balance(exporter, "USD") == "1000037.50")
        #expect(try balance(exporter, "EUR") == "1002500.00")
        #expect(try balance(importer, "USD") == "997244.25")
        #expect(try balance(importer, "EUR") == "1000000.00")
        let fx = try mesh.address("fx")
        #expect(try balance(fx, "USD") == "1002718.25")
        #expect(try balance(fx, "EUR") == "997500.00")
        let buyer = try mesh.account("latecomer", of: importer).credit
        #expect(buyer.ordersAsBuyer == 3 && buyer.completed == 1 && buyer.refunded == 1 && buyer.disputed == 1, "\(buyer)")
        let seller = try mesh.account("latecomer", of: exporter).credit
        #expect(seller.ordersAsSeller == 3, "\(seller)")
        // No authority signed conflicting messages (the crash-point restart included).
        for name in ["authority-1", "authority-2", "authority-3", "authority-4"] {
            #expect(try mesh.account("latecomer", of: try mesh.address(name)).offenses == 0, "\(name) has recorded offences")
        }
        note("done at height \(head)")
    }
}
