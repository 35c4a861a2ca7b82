import Foundation
import TradewindCrypto
import TradewindPeer
import TradewindWire

/// A mesh of `tradewind peer` processes on loopback, made by `tradewind testnet` (4
/// authorities, the rest participants) and started at once: how long it takes to
/// form, to spread a transaction and its block to every peer and to notice a killed
/// participant; whether any live member is ever declared dead; and, idle, what each
/// peer costs in CPU and memory and how fast its store grows.
enum MeshScaleBench {
    struct Options {
        var peers: Int
        /// Genesis heartbeat, as `testnet --heartbeat` reads it, and in milliseconds.
        var heartbeat: String
        var heartbeatMs: UInt64
        /// How long the idle mesh is measured (CPU, memory, store growth, false deaths).
        var idleSeconds: Double
        /// TRADEWIND_EMULATED_DELAY_MS for every peer (one-way latency added to each datagram).
        var emulatedDelayMs: Int?
    }

    struct Result {
        var options: Options
        /// Start → every peer sees every other.
        var joinSeconds: Double
        /// A transfer submitted at a participant → committed at every peer.
        var transactionSeconds: Double
        /// The block that holds it: committed at the first peer → at the last (polled every 50 ms).
        var blockSpreadSeconds: Double
        /// A participant killed → every other peer lists it dead.
        var deathSeconds: Double
        /// Live members some peer listed as dead, polled every 5 s over the idle window.
        var falseDeaths: Int
        var idleWindow: Double
        /// Percent of one core, per peer, over the idle window.
        var cpuPercent: [Double]
        var residentMiB: [Double]
        var blocks: UInt64
        /// Store bytes per committed block, averaged over the peers (LMDB pages in use).
        var storeBytesPerBlock: Double

        var meanCPU: Double { cpuPercent.reduce(0, +) / Double(max(1, cpuPercent.count)) }
        var meanResidentMiB: Double { residentMiB.reduce(0, +) / Double(max(1, residentMiB.count)) }
        /// What an idle chain adds to each peer's store in a day: one block per heartbeat.
        var growthPerDayMiB: Double {
            storeBytesPerBlock * (86_400_000 / Double(options.heartbeatMs)) / Double(1 << 20)
        }
    }

    /// The parts of a peer's status this benchmark reads (decodable from older releases too).
    struct PeerStatus: Decodable {
        var address: String
        var network: String
        var height: UInt64
        var members: Int
        var storeBytes: UInt64?
    }

    struct Member: Decodable {
        var address: String
        var status: String
    }

    struct Committed: Decodable {
        var status: String
    }

    static func run(_ options: Options, tradewind: String, directory: String) throws -> Result {
        let peers = options.peers
        let net = directory + "/net"
        let basePort = benchBasePort(span: 2 * peers)
        let made = Process()
        made.executableURL = URL(fileURLWithPath: tradewind)
        made.arguments = ["testnet", "--authorities", "4", "--participants", String(peers - 4), "--out", net,
                          "--base-port", String(basePort), "--heartbeat", options.heartbeat]
        made.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        try made.run()
        made.waitUntilExit()
        guard made.terminationStatus == 0 else { throw BenchError("tradewind testnet exited \(made.terminationStatus)") }
        let names = (1...4).map { "authority-\($0)" } + (0..<(peers - 4)).map { "participant-\($0 + 1)" }
        let homes = names.map { PeerHome(net + "/" + $0) }

        var environment: [String: String] = [:]
        if let delay = options.emulatedDelayMs { environment["TRADEWIND_EMULATED_DELAY_MS"] = String(delay) }
        let running = PeerProcesses()
        defer { running.stop() }
        let started = Date()
        let deadline = started.addingTimeInterval(120)
        let clients = try running.start(homes, tradewind: tradewind, environment: environment, within: 120)
        let processes = running.processes
        func status(_ client: LocalAPIClient) -> PeerStatus? { try? client.decode(PeerStatus.self, try client.get("/status")) }
        func members(_ client: LocalAPIClient) -> [Member] { (try? client.decode([Member].self, try client.get("/members"))) ?? [] }

        // Formed: every peer sees every other (polled every 100 ms).
        var seesAll = Set<Int>()
        while seesAll.count < peers {
            for (index, client) in clients.enumerated() where !seesAll.contains(index) {
                if (status(client)?.members ?? 0) >= peers - 1 { seesAll.insert(index) }
            }
            guard Date() < deadline else { throw BenchError("\(peers - seesAll.count) peers did not see every other in 120 s") }
            if seesAll.count < peers { usleep(100_000) }
        }
        let joinSeconds = Date().timeIntervalSince(started)
        while !clients.allSatisfy({ (status($0)?.height ?? 0) >= 1 }) {
            guard Date() < deadline else { throw BenchError("the mesh did not commit a block in 120 s") }
            usleep(100_000)
        }
        let statuses = clients.compactMap(status)
        guard statuses.count == peers, let networkBytes = Hex.decode(statuses[0].network),
              let network = Bytes32(networkBytes) else { throw BenchError("a peer's status did not read") }
        let addresses = statuses.map(\.address)

        // Idle: CPU, memory and store growth over the window; members polled for false deaths.
        sleep(2)
        let before = clients.map(status)
        let cpuBefore = processes.map { ProcessFigures.cpuSeconds(pid: $0.processIdentifier) }
        let idleStart = Date()
        var falselyDead = Set<String>()
        while Date().timeIntervalSince(idleStart) < options.idleSeconds {
            usleep(UInt32(min(5, max(0.1, options.idleSeconds - Date().timeIntervalSince(idleStart))) * 1e6))
            guard options.idleSeconds >= 10 else { continue }
            for client in clients {
                for member in members(client) where member.status == "dead" { falselyDead.insert(member.address) }
            }
        }
        let cpuAfter = processes.map { ProcessFigures.cpuSeconds(pid: $0.processIdentifier) }
        let idleWindow = Date().timeIntervalSince(idleStart)
        let after = clients.map(status)
        let resident = processes.map { ProcessFigures.mebibytes(pid: $0.processIdentifier, "VmRSS") }
        var perBlock: [Double] = []
        var blocks: UInt64 = 0
        for (first, last) in zip(before, after) {
            guard let first, let last, last.height > first.height, let from = first.storeBytes, let to = last.storeBytes else { continue }
            blocks = max(blocks, last.height - first.height)
            perBlock.append(Double(Int64(to) - Int64(from)) / Double(last.height - first.height))
        }

        // A transfer from the first participant, submitted at its peer, to every peer's chain.
        let sender = try KeyFile.read(net + "/wallets/\(names[4]).key", passphrase: nil)
        let receiver = try Address(parsing: addresses[peers - 1])
        let transfer = Transaction(sender: sender.publicKey.address, sequence: 0, lastValidHeight: 1_000_000,
                                   body: .transfer(to: receiver, asset: AssetCode("USD")!, amount: 1, memo: []))
            .signed(by: sender, network: network)
        let submitted = Date()
        let reply = try clients[4].post("/transactions", json: try JSONEncoder().encode(["transaction": Hex.encode(transfer.wireEncoded)]))
        guard reply.status == 200 else { throw BenchError("the transfer was refused: \(LocalAPIClient.message(reply))") }
        var committedAt: [Int: Date] = [:]
        while committedAt.count < peers {
            for (index, client) in clients.enumerated() where committedAt[index] == nil {
                if let view = try? client.decode(Committed.self, try client.get("/transactions/\(transfer.id.hex)")),
                   view.status == "committed" { committedAt[index] = Date() }
            }
            guard Date().timeIntervalSince(submitted) < 60 else {
                throw BenchError("the transfer reached \(committedAt.count) of \(peers) peers in 60 s")
            }
            if committedAt.count < peers { usleep(50_000) }
        }
        let first = committedAt.values.min() ?? submitted, last = committedAt.values.max() ?? submitted

        // A participant killed: how long until every other peer lists it dead.
        let victim = peers - 1
        kill(processes[victim].processIdentifier, SIGKILL)
        let killed = Date()
        var knowsDead = Set<Int>()
        while knowsDead.count < peers - 1 {
            for (index, client) in clients.enumerated() where index != victim && !knowsDead.contains(index) {
                if members(client).contains(where: { $0.address == addresses[victim] && $0.status == "dead" }) {
                    knowsDead.insert(index)
                }
            }
            guard Date().timeIntervalSince(killed) < 60 else {
                throw BenchError("\(peers - 1 - knowsDead.count) peers did not list the killed participant dead in 60 s")
            }
            if knowsDead.count < peers - 1 { usleep(100_000) }
        }

        return Result(options: options, joinSeconds: joinSeconds, transactionSeconds: last.timeIntervalSince(submitted),
                      blockSpreadSeconds: last.timeIntervalSince(first), deathSeconds: Date().timeIntervalSince(killed),
                      falseDeaths: falselyDead.count, idleWindow: idleWindow,
                      cpuPercent: zip(cpuBefore, cpuAfter).map { 100 * ($1 - $0) / idleWindow },
                      residentMiB: resident, blocks: blocks,
                      storeBytesPerBlock: perBlock.isEmpty ? 0 : perBlock.reduce(0, +) / Double(perBlock.count))
    }

    /// The result as benchmark rows.
    static func measurements(_ result: Result) -> [Measurement] {
        let options = result.options
        let delay = options.emulatedDelayMs.map { ", \($0) ms links" } ?? ""
        let label = "mesh-scale: \(options.peers) peers\(delay), heartbeat \(options.heartbeat)"
        return [
            Measurement(name: label + ": all see all", unit: "s", value: result.joinSeconds,
                        note: "from starting every process at once; polled every 100 ms"),
            Measurement(name: label + ": a transfer at every peer", unit: "s", value: result.transactionSeconds,
                        note: String(format: "submitted at a participant to committed at the last peer; its block took %.2f s from the first peer to the last",
                                     result.blockSpreadSeconds)),
            Measurement(name: label + ": killed participant seen dead", unit: "s", value: result.deathSeconds,
                        note: "by every other peer (goal <= 5 s at 32 peers)"),
            Measurement(name: label + ": false deaths", unit: "members", value: Double(result.falseDeaths),
                        note: result.idleWindow < 10 ? "not polled: the idle window is under 10 s"
                            : String(format: "live members listed dead, polled every 5 s over %.0f s (goal 0)", result.idleWindow)),
            Measurement(name: label + ": idle CPU per peer", unit: "% core", value: result.meanCPU,
                        note: String(format: "goal <= 0.5; highest %.2f; all peers %.1f%% of a core", result.cpuPercent.max() ?? 0,
                                     result.cpuPercent.reduce(0, +))),
            Measurement(name: label + ": idle RSS per peer", unit: "MiB", value: result.meanResidentMiB,
                        note: String(format: "highest %.0f MiB", result.residentMiB.max() ?? 0)),
            Measurement(name: label + ": idle store growth", unit: "MiB/day", value: result.growthPerDayMiB,
                        note: String(format: "goal <= 15 MB/day; %.0f B per block (LMDB pages in use), %llu blocks in %.0f s",
                                     result.storeBytesPerBlock, result.blocks, result.idleWindow)
                            + (result.blocks < 50 ? " (too few blocks for 4 KiB pages: coarse; a shorter heartbeat measures it)" : "")),
        ]
    }
}
