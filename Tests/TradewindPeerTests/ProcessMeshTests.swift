import Foundation
import Testing
import TradewindCrypto
import TradewindPeer
import TradewindTestSupport
import TradewindWire
import TradewindLedger

/// POSTs `body` to a peer's API (address from HOME/run/api.addr); returns status and body.
func post(home: String, path: String, body: String) throws -> (status: Int, body: String) {
    guard let address = PeerHome(home).apiAddress(), let colon = address.lastIndex(of: ":"),
          let port = UInt16(address[address.index(after: colon)...]) else { throw ProcessMesh.MeshError("no API address") }
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var target = sockaddr_in()
    target.sin_family = sa_family_t(AF_INET)
    target.sin_port = port.bigEndian
    target.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &target) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { throw ProcessMesh.MeshError("cannot connect to \(address)") }
    let request = "POST \(path) HTTP/1.1\r\nHost: \(address)\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
    _ = request.withCString { send(fd, $0, strlen($0), 0) }
    var reply = [UInt8]()
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = recv(fd, &chunk, chunk.count, 0)
        guard count > 0 else { break }
        reply += chunk[0..<count]
    }
    let text = String(decoding: reply, as: UTF8.self)
    let status = Int(text.split(separator: " ").dropFirst().first ?? "") ?? 0
    return (status, text.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n"))
}

@Suite(.serialized) struct ProcessMeshTests {
    /// Four authorities and two participants as real processes: a transfer through the
    /// CLI, and bad input through the CLI and the API that is refused with a clear
    /// message and changes nothing.
    @Test func transferAndRefusedInput() throws {
        let mesh = try ProcessMesh(label: "mesh-basic", participants: "exporter,importer")
        defer { mesh.stopAll() }
        for name in mesh.names { try mesh.start(name) }
        #expect(mesh.waitForHeight(2, peers: mesh.names), "the mesh did not commit blocks: \(mesh.log("authority-1").suffix(2000))")
        let importer = try mesh.address("importer"), exporter = try mesh.address("exporter")

        let sent = try mesh.submit("exporter", ["send", "--to", importer, "--amount", "12.50", "--asset", "USD"])
        #expect(sent.contains("tesSUCCESS"), "\(sent)")
        let before = try mesh.account("authority-3", of: importer)
        #expect(before.balances.first { $0.asset == "USD" }?.display == "1000012.50")
        let exporterBefore = try mesh.account("exporter", of: exporter)
        #expect(exporterBefore.nextSequence == 1)

        let wallets = ["--wallets", mesh.net + "/wallets", "--from", "exporter", "--home", mesh.home("exporter")]
        func refused(_ arguments: [String], status: Int32, mentions: String) throws {
            let result = try ProcessMesh.cli(arguments + wallets)
            #expect(result.status == status, "\(arguments): exit \(result.status), \(result.error)")
            #expect(result.error.contains(mentions), "\(arguments): \(result.error)")
        }
        try refused(["send", "--to", "tw1notanaddress", "--amount", "1", "--asset", "USD"], status: 64, mentions: "invalid address 'tw1notanaddress'")
        try refused(["send", "--to", importer, "--amount", "1.005", "--asset", "USD"], status: 64, mentions: "has 3 decimals")
        try refused(["send", "--to", importer, "--amount", "1", "--asset", "XYZ"], status: 64, mentions: "unknown asset 'XYZ'")
        try refused(["send", "--to", importer, "--amount", "1", "--asset", "USD", "--sequence", "0"], status: 1, mentions: "tefPAST_SEQ")
        // A sequence from the future waits in the mempool (it may become valid); it applies nothing.
        let early = try ProcessMesh.cli(["send", "--to", importer, "--amount", "99999999.00", "--asset", "USD", "--sequence", "7"] + wallets)
        #expect(early.status == 0, "\(early.error)")
        let pending = try mesh.cli("exporter", ["tx", early.output.trimmingCharacters(in: .whitespacesAndNewlines)])
        #expect(pending.output.contains("pending"), "\(pending)")

        // An encrypted wallet and the wrong passphrase.
        let passphrase = mesh.directory + "/pass", wrong = mesh.directory + "/wrong"
        try "right horse battery\n".write(toFile: passphrase, atomically: true, encoding: .utf8)
        try "wrong horse battery\n".write(toFile: wrong, atomically: true, encoding: .utf8)
        let created = try ProcessMesh.cli(["wallet", "new", "vault", "--wallets", mesh.net + "/wallets", "--password-file", passphrase])
        #expect(created.status == 0, "\(created.error)")
        let vault = try ProcessMesh.cli(["send", "--to", importer, "--amount", "1", "--asset", "USD", "--wallets", mesh.net + "/wallets",
                                         "--from", "vault", "--password-file", wrong, "--home", mesh.home("exporter")])
        #expect(vault.status == 1 && vault.error.lowercased().contains("passphrase"), "\(vault.error)")

        // A transaction with a forged signature, straight to the API.
        let key = try Ed25519.PrivateKey(seed: [UInt8](repeating: 7, count: 32))
        var forged = Transaction(sender: try Address(parsing: exporter), sequence: 1, lastValidHeight: 1_000_000,
                                 body: .transfer(to: try Address(parsing: importer), asset: AssetCode("USD")!, amount: 100, memo: []))
            .signed(by: key, network: .zero)
        forged.signature = Bytes64([UInt8](repeating: 9, count: 64))!
        let reply = try post(home: mesh.home("exporter"), path: "/transactions",
                             body: "{\"transaction\":\"\(Hex.encode(forged.wireEncoded))\"}")
        #expect(reply.status == 422 && reply.body.contains("temBAD_SIGNATURE"), "\(reply)")
        let garbage = try post(home: mesh.home("exporter"), path: "/transactions", body: "{\"transaction\":\"00ff\"}")
        #expect(garbage.status == 400 && garbage.body.contains("does not decode"), "\(garbage)")

        // A second peer on the same home refuses to start.
        let second = try ProcessMesh.cli(["peer", "--home", mesh.home("importer")])
        #expect(second.status == 1 && second.error.contains("another process holds"), "\(second.error)")
        // A malformed test knob is refused with its value, before anything starts.
        let badDelay = try ProcessMesh.cli(["peer", "--home", mesh.home("importer")],
                                           environment: ["TRADEWIND_EMULATED_DELAY_MS": "fast"])
        #expect(badDelay.status == 1 && badDelay.error.contains("TRADEWIND_EMULATED_DELAY_MS") && badDelay.error.contains("'fast'"),
                "\(badDelay.error)")

        // Nothing changed.
        #expect(mesh.waitForHeight((mesh.status("authority-1")?.height ?? 0) + 2, peers: ["importer"]))
        let after = try mesh.account("importer", of: importer)
        #expect(after.balances.map(\.display) == before.balances.map(\.display))
        #expect(try mesh.account("exporter", of: exporter).nextSequence == 1)
    }
}

@Suite(.serialized) struct LargeBlockTests {
    /// A block larger than one transport message (60 KiB) is proposed,
    /// committed, and later served to a peer that catches up — through the gossip
    /// layer's part transfer.
    @Test func largeBlocksTravelAsParts() throws {
        // Blocks two seconds apart: a batch that reaches the proposers over a few
        // milliseconds of gossip is split between two blocks at most, so the larger
        // holds at least half of it.
        let mesh = try ProcessMesh(label: "mesh-large", participants: "alice,bob,carol,dave,erin,frank,latecomer",
                                   options: ["--block-interval", "2s", "--heartbeat", "2s"])
        defer { mesh.stopAll() }
        let senders = ["alice", "bob", "carol", "dave", "erin", "frank"]
        // carol to frank only sign: their transfers go through alice's peer.
        let running = mesh.names.filter { !["carol", "dave", "erin", "frank", "latecomer"].contains($0) }
        for name in running { try mesh.start(name) }
        #expect(mesh.waitForHeight(2, peers: running))
        guard let status = mesh.status("alice"), let networkBytes = Hex.decode(status.network),
              let network = Bytes32(networkBytes) else { Issue.record("no status"); return }
        let receiver = try Address(parsing: try mesh.address("latecomer"))
        var transactions: [String] = []
        var sizes: [String: Int] = [:]
        // Six senders, each as far ahead as a mempool admits (Mempool.sequenceWindow):
        // 384 transfers of about 400 bytes, half of them well over one 60 KiB message.
        for sender in senders {
            let key = try KeyFile.read(mesh.net + "/wallets/\(sender).key", passphrase: nil)
            for sequence in 0..<64 as Range<UInt64> {
                let transaction = Transaction(sender: key.publicKey.address, sequence: sequence, lastValidHeight: 1_000_000,
                                              body: .transfer(to: receiver, asset: AssetCode("USD")!, amount: 1,
                                                              memo: [UInt8](repeating: 0x61, count: Transaction.maxMemoBytes)))
                    .signed(by: key, network: network)
                transactions.append("\"\(Hex.encode(transaction.wireEncoded))\"")
                sizes[transaction.id.hex] = transaction.wireEncoded.count
            }
        }
        let batch = "{\"transactions\":[\(transactions.joined(separator: ","))]}"
        // The authorities (the proposers) get the batch first, each all of it at once: by
        // gossip alone, on two busy cores, the next proposer held 130 when it proposed.
        for authority in running where authority.hasPrefix("authority") {
            let copy = try post(home: mesh.home(authority), path: "/transactions/batch", body: batch)
            #expect(copy.status == 200, "\(authority): \(copy.body.prefix(300))")
        }
        let reply = try post(home: mesh.home("alice"), path: "/transactions/batch", body: batch)
        #expect(reply.status == 200, "\(reply.body.prefix(300))")
        // Wait until every transfer is committed.
        let deadline = Date().addingTimeInterval(60)
        while (try? mesh.account("authority-1", of: receiver.description).balances.first { $0.asset == "USD" }?.display) != "1000003.84" {
            guard Date() < deadline else { Issue.record("the 384 transfers were not committed"); return }
            usleep(200_000)
        }
        let head = mesh.status("authority-1")?.height ?? 0
        // Its transactions alone must exceed one 60 KiB transport message.
        let blocks = (1...head).compactMap { mesh.block("authority-1", $0) }
        let largest = blocks.map { $0.transactions.compactMap { sizes[$0] }.reduce(0, +) }.max() ?? 0
        let counts = blocks.map(\.transactions.count)
        #expect(largest > 60 << 10, "the largest block's transactions are \(largest) bytes; transactions per block: \(counts)")
        try mesh.start("latecomer")
        #expect(mesh.waitForHeight(head, peers: ["latecomer"], timeout: 60), "the latecomer did not catch up: \(mesh.log("latecomer").suffix(1500))")
        #expect(mesh.block("latecomer", head)?.id == mesh.block("authority-1", head)?.id)
    }
}
