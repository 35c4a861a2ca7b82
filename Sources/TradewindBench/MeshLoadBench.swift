import Foundation
import TradewindCrypto
import TradewindPeer
import TradewindWire

/// The mesh under load: a `tradewind testnet` of 4 authorities and N − 4 participants
/// as processes on loopback, every participant sending transfers through its own
/// peer. Measured twice in the same run, with the same genesis shape: the whole mesh,
/// and its 4 authorities alone (the transfers then submitted at the authorities).
/// Each is saturated (every sender keeps a mempool window of transfers waiting) and
/// loaded at a fixed rate: the lower of `maxRate` and half the whole mesh's saturated
/// rate, so that the two runs carry the same load.
enum MeshLoadBench {
    struct Options {
        var peers: Int
        /// The fixed load's ceiling, transfers a second.
        var maxRate: Double = 200
        /// How long the fixed load is offered, and how long saturation is measured.
        var loadSeconds: Double = 20
        var saturationSeconds: Double = 15
    }

    /// One measured window.
    struct Phase {
        /// Transfers a second offered (nil: saturated, each sender kept `window` ahead).
        var offered: Double?
        var submitted: Int
        var committed: Int
        /// Every transfer submitted was committed (within 60 s of the last).
        var everythingCommitted: Bool
        var committedPerSecond: Double
        /// Submission → commit at the submitting peer: the highest per-peer p50 and p99.
        var p50: Double
        var p99: Double
        /// CPU seconds of the 4 authorities, over the transfers committed in the window.
        var authorityCPUPerTransaction: Double
        /// Percent of one core, all peers together, over the window.
        var meshCPUPercent: Double
        /// Datagrams all peers sent, over the transfers committed in the window.
        var datagramsPerTransaction: Double
        /// Messages all peers sent by kind, over the transfers committed in the window.
        var messagesPerTransaction: [String: Double] = [:]
        var seconds: Double
    }

    struct Result {
        var options: Options
        var meshSaturated: Phase
        var meshLoaded: Phase
        var authoritiesSaturated: Phase
        var authoritiesLoaded: Phase
    }

    /// A participant's sequence as its peer sees it.
    fileprivate struct Account: Decodable {
        var nextSequence: UInt64
    }

    fileprivate struct Status: Decodable {
        var height: UInt64
        var members: Int
        var network: String
        var committedTransactions: UInt64
    }

    fileprivate struct Submitted: Decodable {
        var accepted: Bool
        var message: String
    }

    /// How many transfers a saturating sender keeps waiting: below the mempool's
    /// window (64), since a relaying peer may see the sender's last commit later.
    static let saturationWindow: UInt64 = 48

    static func run(_ options: Options, tradewind: String, directory: String) throws -> Result {
        // The whole mesh: saturated first (it sets the fixed rate), then restarted so
        // that the peers' latency figures hold the fixed load alone.
        let whole = try LoadMesh(peers: options.peers, tradewind: tradewind, directory: directory + "/whole")
        defer { whole.stop() }
        try whole.start(authoritiesOnly: false)
        let meshSaturated = try whole.saturate(seconds: options.saturationSeconds)
        let rate = min(options.maxRate, (meshSaturated.committedPerSecond / 2).rounded())
        guard rate >= 1 else { throw BenchError("the mesh committed \(meshSaturated.committed) transfers while saturated") }
        whole.stop()
        try whole.start(authoritiesOnly: false)
        let meshLoaded = try whole.load(rate: rate, seconds: options.loadSeconds)
        whole.stop()

        let alone = try LoadMesh(peers: options.peers, tradewind: tradewind, directory: directory + "/authorities")
        defer { alone.stop() }
        try alone.start(authoritiesOnly: true)
        let authoritiesLoaded = try alone.load(rate: rate, seconds: options.loadSeconds)
        let authoritiesSaturated = try alone.saturate(seconds: options.saturationSeconds)
        return Result(options: options, meshSaturated: meshSaturated, meshLoaded: meshLoaded,
                      authoritiesSaturated: authoritiesSaturated, authoritiesLoaded: authoritiesLoaded)
    }

    /// The result as benchmark rows.
    static func measurements(_ result: Result) -> [Measurement] {
        let peers = result.options.peers
        let label = "mesh-load: \(peers) peers (4 authorities)"
        let whole = result.meshLoaded, alone = result.authoritiesLoaded
        let cpuRatio = whole.authorityCPUPerTransaction / max(1e-9, alone.authorityCPUPerTransaction)
        func share(_ phase: Phase) -> String { String(format: "%.0f%% of a core for all peers", phase.meshCPUPercent) }
        return [
            Measurement(name: label + ": saturated", unit: "tx/s", value: result.meshSaturated.committedPerSecond,
                        note: String(format: "4 authorities alone: %.0f tx/s (ratio %.2f); %@ (saturated: %@; the 2 cores are the bound when near 200%%)",
                                     result.authoritiesSaturated.committedPerSecond,
                                     result.meshSaturated.committedPerSecond / max(1e-9, result.authoritiesSaturated.committedPerSecond),
                                     share(result.meshSaturated), share(result.authoritiesSaturated))),
            Measurement(name: label + ": fixed load committed", unit: "tx/s", value: whole.committedPerSecond,
                        note: String(format: "offered %.0f tx/s (the lower of %.0f and half the saturated rate) for %.0f s; %d submitted, %@ (goal: all); %.0f datagrams sent per transfer by all peers (4 authorities alone: %.0f)",
                                     whole.offered ?? 0, result.options.maxRate, result.options.loadSeconds, whole.submitted,
                                     whole.everythingCommitted ? "all committed" : "NOT all committed within 60 s",
                                     whole.datagramsPerTransaction, alone.datagramsPerTransaction)),
            Measurement(name: label + ": fixed load, messages sent per transfer", unit: "msgs",
                        value: whole.messagesPerTransaction.values.reduce(0, +),
                        note: whole.messagesPerTransaction.sorted { $0.value > $1.value }.prefix(8)
                            .map { String(format: "%@ %.1f", $0.key, $0.value) }.joined(separator: ", ")),
            Measurement(name: label + ": fixed load, submission→commit p99", unit: "ms", value: whole.p99 * 1000,
                        note: String(format: "goal <= 1000 ms; highest per-peer p99 at the %d submitting participants; p50 %.0f ms; 4 authorities alone: p99 %.0f ms",
                                     peers - 4, whole.p50 * 1000, alone.p99 * 1000)),
            Measurement(name: label + ": authorities' CPU per transfer", unit: "ms", value: whole.authorityCPUPerTransaction * 1000,
                        note: String(format: "ratio %.2f to the 4 authorities alone at the same load (%.3f ms; goal <= 1.10); %@",
                                     cpuRatio, alone.authorityCPUPerTransaction * 1000, share(whole))),
        ]
    }
}

/// One testnet's peers as processes and the transfers its participants send.
private final class LoadMesh {
    let names: [String]
    let homes: [PeerHome]
    let tradewind: String
    let net: String
    private var processes = PeerProcesses()
    private var clients: [LocalAPIClient] = []
    private var authoritiesOnly = false
    /// The participants' keys and the next sequence each will sign.
    private var senders: [(key: Ed25519.PrivateKey, address: String, next: UInt64)] = []
    private var network = Bytes32.zero
    private var receiver: Address

    init(peers: Int, tradewind: String, directory: String) throws {
        self.tradewind = tradewind
        let net = directory + "/net"
        self.net = net
        let made = Process()
        made.executableURL = URL(fileURLWithPath: tradewind)
        made.arguments = ["testnet", "--authorities", "4", "--participants", String(peers - 4), "--out", net,
                          "--base-port", String(benchBasePort(span: 2 * peers)), "--heartbeat", "10s"]
        made.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        try made.run()
        made.waitUntilExit()
        guard made.terminationStatus == 0 else { throw BenchError("tradewind testnet exited \(made.terminationStatus)") }
        let names = (1...4).map { "authority-\($0)" } + (1...(peers - 4)).map { "participant-\($0)" }
        self.names = names
        homes = names.map { [net] in PeerHome(net + "/" + $0) }
        for name in names.dropFirst(4) {
            let key = try KeyFile.read(net + "/wallets/\(name).key", passphrase: nil)
            senders.append((key, key.publicKey.address.description, 0))
        }
        // Every transfer goes to the first authority's account (it holds no funds to send).
        receiver = try KeyFile.read(net + "/wallets/authority-1.key", passphrase: nil).publicKey.address
    }

    /// Starts the peers (or the 4 authorities alone) and waits until every one sees
    /// the others and has committed a block.
    func start(authoritiesOnly: Bool) throws {
        self.authoritiesOnly = authoritiesOnly
        let started = authoritiesOnly ? Array(homes.prefix(4)) : homes
        processes = PeerProcesses()
        clients = try processes.start(started, tradewind: tradewind, within: 120)
        let deadline = Date().addingTimeInterval(120)
        while true {
            let statuses: [MeshLoadBench.Status?] = clients.map { status($0) }
            let formed = statuses.allSatisfy { ($0?.members ?? 0) >= started.count - 1 && ($0?.height ?? 0) >= 1 }
            if formed, let first = statuses.first ?? nil, let bytes = Hex.decode(first.network), let id = Bytes32(bytes) {
                network = id
                return
            }
            guard Date() < deadline else { throw BenchError("the mesh of \(started.count) did not form in 120 s") }
            usleep(200_000)
        }
    }

    func stop() { processes.stop() }

    private func status(_ client: LocalAPIClient) -> MeshLoadBench.Status? {
        try? client.decode(MeshLoadBench.Status.self, try client.get("/status"))
    }

    /// The peer a participant submits through: its own, or an authority when the
    /// authorities run alone.
    private func client(for sender: Int) -> LocalAPIClient {
        authoritiesOnly ? clients[sender % 4] : clients[4 + sender]
    }

    /// Signs the sender's next `count` transfers and submits them as one batch.
    private func send(_ count: Int, from sender: Int) throws -> Int {
        var batch: [String] = []
        for _ in 0..<count {
            let transfer = Transaction(sender: senders[sender].key.publicKey.address, sequence: senders[sender].next,
                                       lastValidHeight: 1 << 40,
                                       body: .transfer(to: receiver, asset: AssetCode("USD")!, amount: 1, memo: []))
                .signed(by: senders[sender].key, network: network)
            batch.append(Hex.encode(transfer.wireEncoded))
            senders[sender].next += 1
        }
        let reply = try client(for: sender).post("/transactions/batch", json: try JSONEncoder().encode(["transactions": batch]))
        guard reply.status == 200, let views = try? JSONDecoder().decode([MeshLoadBench.Submitted].self, from: reply.body) else {
            throw BenchError("a batch was refused: \(LocalAPIClient.message(reply))")
        }
        if let refused = views.first(where: { !$0.accepted }) {
            throw BenchError("a transfer was refused: \(refused.message)")
        }
        return count
    }

    /// The sender's next sequence as the first authority has committed it.
    private func committedNext(_ sender: Int) -> UInt64? {
        (try? clients[0].decode(MeshLoadBench.Account.self, try clients[0].get("/accounts/\(senders[sender].address)")))?.nextSequence
    }

    private func cpuSeconds() -> [Double] { processes.processes.map { ProcessFigures.cpuSeconds(pid: $0.processIdentifier) } }

    /// Every peer's datagrams sent and messages sent by kind, summed.
    private func sentCounts() -> (datagrams: Double, messages: [String: Double]) {
        var datagrams = 0.0, messages: [String: Double] = [:]
        for client in clients {
            guard let reply = try? client.get("/metrics") else { continue }
            for line in String(decoding: reply.body, as: UTF8.self).split(separator: "\n") {
                let value = Double(line.split(separator: " ").last ?? "") ?? 0
                if line.hasPrefix("tradewind_datagrams_sent ") { datagrams += value }
                if line.hasPrefix("tradewind_messages_sent{kind=\""), let kind = line.split(separator: "\"").dropFirst().first {
                    messages[String(kind), default: 0] += value
                }
            }
        }
        return (datagrams, messages)
    }

    /// Every sender keeps `saturationWindow` transfers waiting, topped up every 100 ms;
    /// the rate is what the first authority commits over the window.
    func saturate(seconds: Double) throws -> MeshLoadBench.Phase {
        var submitted = 0
        func topUp() throws {
            for sender in senders.indices {
                guard let next = committedNext(sender) else { continue }
                let ahead = senders[sender].next - min(senders[sender].next, next)
                if ahead < MeshLoadBench.saturationWindow / 2 {
                    submitted += try send(Int(MeshLoadBench.saturationWindow - ahead), from: sender)
                }
            }
        }
        // A warm-up second fills the pipeline before the window opens.
        let warm = Date().addingTimeInterval(1)
        while Date() < warm { try topUp(); usleep(100_000) }
        let committedBefore = status(clients[0])?.committedTransactions ?? 0
        let cpuBefore = cpuSeconds()
        let sentBefore = sentCounts()
        let start = Date()
        while Date().timeIntervalSince(start) < seconds { try topUp(); usleep(100_000) }
        let window = Date().timeIntervalSince(start)
        let committed = Int((status(clients[0])?.committedTransactions ?? committedBefore) - committedBefore)
        let cpu = zip(cpuBefore, cpuSeconds()).map { $1 - $0 }
        let sentAfter = sentCounts()
        let datagrams = sentAfter.datagrams - sentBefore.datagrams
        let messages = sentAfter.messages.mapValues { $0 / Double(max(1, committed)) }
            .merging(sentBefore.messages.mapValues { -$0 / Double(max(1, committed)) }, uniquingKeysWith: +)
        let drained = try drain(within: 60)
        return MeshLoadBench.Phase(offered: nil, submitted: submitted, committed: committed, everythingCommitted: drained,
                                   committedPerSecond: Double(committed) / window, p50: 0, p99: 0,
                                   authorityCPUPerTransaction: cpu.prefix(4).reduce(0, +) / Double(max(1, committed)),
                                   meshCPUPercent: 100 * cpu.reduce(0, +) / window,
                                   datagramsPerTransaction: datagrams / Double(max(1, committed)),
                                   messagesPerTransaction: messages, seconds: window)
    }

    /// `rate` transfers a second for `seconds`, sent every 20 ms from the senders in
    /// turn; then waits until all of them are committed (at most 60 s).
    func load(rate: Double, seconds: Double) throws -> MeshLoadBench.Phase {
        let total = Int(rate * seconds)
        let committedBefore = status(clients[0])?.committedTransactions ?? 0
        let cpuBefore = cpuSeconds()
        let sentBefore = sentCounts()
        let start = Date()
        var submitted = 0, turn = 0
        while submitted < total {
            let due = min(total, Int(Date().timeIntervalSince(start) * rate))
            var perSender: [Int: Int] = [:]
            while submitted + perSender.values.reduce(0, +) < due {
                perSender[turn % senders.count, default: 0] += 1
                turn += 1
            }
            for (sender, count) in perSender.sorted(by: { $0.key < $1.key }) { submitted += try send(count, from: sender) }
            usleep(20_000)
        }
        let drained = try drain(within: 60)
        let window = Date().timeIntervalSince(start)
        let committed = Int((status(clients[0])?.committedTransactions ?? committedBefore) - committedBefore)
        let cpu = zip(cpuBefore, cpuSeconds()).map { $1 - $0 }
        let sentAfter = sentCounts()
        let datagrams = sentAfter.datagrams - sentBefore.datagrams
        let messages = sentAfter.messages.mapValues { $0 / Double(max(1, committed)) }
            .merging(sentBefore.messages.mapValues { -$0 / Double(max(1, committed)) }, uniquingKeysWith: +)
        // Submission → commit as each submitting peer measured it.
        var p50 = 0.0, p99 = 0.0
        let submitting = authoritiesOnly ? Array(clients.prefix(4)) : Array(clients.dropFirst(4))
        for client in submitting {
            guard let reply = try? client.get("/metrics") else { continue }
            for line in String(decoding: reply.body, as: UTF8.self).split(separator: "\n")
            where line.hasPrefix("tradewind_commit_latency_seconds{") {
                let value = Double(line.split(separator: " ").last ?? "") ?? 0
                if line.contains("\"0.5\"") { p50 = max(p50, value) }
                if line.contains("\"0.99\"") { p99 = max(p99, value) }
            }
        }
        return MeshLoadBench.Phase(offered: rate, submitted: submitted, committed: committed, everythingCommitted: drained,
                                   committedPerSecond: Double(committed) / window, p50: p50, p99: p99,
                                   authorityCPUPerTransaction: cpu.prefix(4).reduce(0, +) / Double(max(1, committed)),
                                   meshCPUPercent: 100 * cpu.reduce(0, +) / window,
                                   datagramsPerTransaction: datagrams / Double(max(1, committed)),
                                   messagesPerTransaction: messages, seconds: window)
    }

    /// Waits until every transfer sent is committed at the first authority; false if
    /// some are still waiting after `seconds`.
    private func drain(within seconds: Double) throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        var waiting = Array(senders.indices)
        while !waiting.isEmpty {
            waiting = waiting.filter { (committedNext($0) ?? 0) < senders[$0].next }
            guard Date() < deadline else { return waiting.isEmpty }
            if !waiting.isEmpty { usleep(200_000) }
        }
        return true
    }
}
