import Dispatch
import Foundation
import TradewindCrypto
import TradewindLedger
import TradewindPeer
import TradewindWire

/// Four authorities as separate `tradewind peer` processes on loopback under an
/// open-loop load of transfers from many accounts, signed before the measured
/// window and offered at a fixed rate in batches to the peers in turn.
enum MeshBench {
    struct Result {
        var offered: Double
        var committedPerSecond: Double
        var p50: Double
        var p99: Double
        var peakRSS: [Double]
        var window: Double
    }

    static func run(rate: Double, seconds: Double, accounts: Int, tradewind: String, directory: String) throws -> Result {
        let authorities = (0..<4).map { _ in Ed25519.PrivateKey.generate() }
        let keys = (0..<accounts).map { _ in Ed25519.PrivateKey.generate() }
        let usd = AssetCode("USD")!
        var parameters = Genesis.Parameters()
        parameters.blockIntervalMs = 50
        parameters.heartbeatIntervalMs = 1000
        parameters.maxTransactionsPerBlock = 1500
        // A proposal carries 32 bytes per transaction id; blocks stay within one message.
        parameters.maxBlockBytes = 1500 * 200
        let genesis = Genesis(chainName: "mesh-bench", genesisTime: UInt64(Date().timeIntervalSince1970 * 1000),
                              authorities: authorities.map(\.publicKey.address),
                              assets: [.init(code: usd, decimals: 2, issuer: authorities[0].publicKey.address)],
                              balances: keys.map { .init(account: $0.publicKey.address, asset: usd, amount: 1 << 40) },
                              parameters: parameters)
        let ledger = try Ledger(genesis: genesis)
        let basePort = benchBasePort(span: 16)
        let networkKey = Hex.encode((0..<32).map { _ in UInt8.random(in: 0...255) })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let genesisData = try encoder.encode(genesis)
        var homes: [PeerHome] = []
        for (index, key) in authorities.enumerated() {
            let home = PeerHome(directory + "/authority-\(index + 1)")
            try FileManager.default.createDirectory(atPath: home.keysDirectory, withIntermediateDirectories: true)
            try genesisData.write(to: URL(fileURLWithPath: home.genesisFile))
            try FileIO.writeSynced(Array((networkKey + "\n").utf8), to: home.networkKeyFile, mode: 0o600)
            try KeyFile.writePlain(key, to: home.nodeKeyFile)
            let peers = authorities.indices.filter { $0 != index }.map {
                PeerConfiguration.KnownPeer(name: "authority-\($0 + 1)", address: authorities[$0].publicKey.address,
                                            host: "127.0.0.1", port: basePort + 2 * $0)
            }
            let configuration = PeerConfiguration(name: "authority-\(index + 1)", listen: .init(host: "127.0.0.1", port: basePort + 2 * index),
                                                  api: .init(host: "127.0.0.1", port: basePort + 2 * index + 1), peers: peers,
                                                  logLevel: "warning")
            try encoder.encode(configuration).write(to: URL(fileURLWithPath: home.configFile))
            homes.append(home)
        }

        // The load, signed before anything starts.
        let total = Int(rate * seconds)
        let perAccount = (total + accounts - 1) / accounts
        let signed = SignedBatch(count: accounts * perAccount)
        DispatchQueue.concurrentPerform(iterations: accounts) { account in
            let key = keys[account]
            for sequence in 0..<perAccount {
                let transaction = Transaction(sender: key.publicKey.address, sequence: UInt64(sequence), lastValidHeight: 1 << 40,
                                              body: .transfer(to: keys[(account + 1) % accounts].publicKey.address, asset: usd,
                                                              amount: 1, memo: []))
                    .signed(by: key, network: ledger.networkID)
                signed.set(sequence * accounts + account, transaction.wireEncoded)
            }
        }
        let load = signed.values.prefix(total).map { Hex.encode($0) }

        let peers = PeerProcesses()
        defer { peers.stop() }
        let clients = try peers.start(homes, tradewind: tradewind, within: 30)
        let deadline = Date().addingTimeInterval(30)
        func status(_ client: LocalAPIClient) -> StatusView? { try? client.decode(StatusView.self, try client.get("/status")) }
        while (status(clients[0])?.height ?? 0) < 2 {
            guard Date() < deadline else { throw BenchError("the mesh did not start committing") }
            usleep(50_000)
        }

        // Offer the load: a batch every 20 ms, to the peers in turn.
        let tick = 0.02
        let perTick = max(1, Int(rate * tick))
        let startCommitted = status(clients[0])?.committedTransactions ?? 0
        let start = Date()
        var offered = 0, index = 0
        while offered < load.count {
            let due = start.addingTimeInterval(Double(index) * tick)
            let wait = due.timeIntervalSinceNow
            if wait > 0 { usleep(UInt32(wait * 1e6)) }
            let batch = Array(load[offered..<min(load.count, offered + perTick)])
            let body = try JSONEncoder().encode(["transactions": batch])
            _ = try clients[index % 4].post("/transactions/batch", json: body)
            offered += batch.count
            index += 1
        }
        // Let the offered load drain (bounded), then read the figures.
        let drainDeadline = Date().addingTimeInterval(10)
        var committed = (status(clients[0])?.committedTransactions ?? 0) - startCommitted
        while committed < UInt64(load.count) && Date() < drainDeadline {
            usleep(100_000)
            committed = (status(clients[0])?.committedTransactions ?? 0) - startCommitted
        }
        let window = Date().timeIntervalSince(start)
        var p50 = 0.0, p99 = 0.0
        for client in clients {
            guard let reply = try? client.get("/metrics") else { continue }
            let text = String(decoding: reply.body, as: UTF8.self)
            for line in text.split(separator: "\n") where line.hasPrefix("tradewind_commit_latency_seconds{") {
                let value = Double(line.split(separator: " ").last ?? "") ?? 0
                if line.contains("0.5\"") { p50 = max(p50, value) }
                if line.contains("0.99\"") { p99 = max(p99, value) }
            }
        }
        let rss = peers.processes.map { ProcessFigures.mebibytes(pid: $0.processIdentifier, "VmHWM") }
        return Result(offered: rate, committedPerSecond: Double(committed) / window, p50: p50, p99: p99, peakRSS: rss,
                      window: window)
    }
}
