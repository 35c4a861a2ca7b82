import Foundation
import TradewindConsensus
import TradewindCrypto
import TradewindLedger
import TradewindPeerCore
import TradewindSimulation
import TradewindWire

/// One run of whole peers (`PeerCore`) in the simulator under a steady load of
/// transfers, and what it measured: how fast transactions and blocks reach every
/// peer, and what each peer uploads per block.
struct MeshRun {
    struct Options {
        var peers: Int
        /// Simulated seconds of load (membership converges for 5 s before, and the
        /// last blocks get 5 s to spread after).
        var seconds = 8
        var seed: UInt64 = 7
        /// Transfers submitted per second, in batches every 50 ms.
        var rate = 100
        var loss = 0.0
        /// Links of 20–150 ms one way (fixed per pair) with 10 ms of jitter, instead
        /// of 5 ms ± 5 ms.
        var wideArea = false
        /// Submit at participants drawn at random, instead of each in turn.
        var randomParticipants = false
        /// Every peer sends every message to every member, as before gossip.
        var allToAll = false
        /// This share of the participants crashes during the load and restarts from its store.
        var crashing = 0.0
    }

    struct Figures {
        var options: Options
        var blocks = 0
        var meanBlockBytes = 0.0
        /// Seconds from submission until every live peer knew the transaction.
        var knownByAll: [Double] = []
        /// Seconds from the first commit of a block until every live peer committed it.
        var committedByAll: [Double] = []
        /// Transactions and blocks some live peer never got.
        var transactionsMissing = 0
        var blocksMissing = 0
        /// Full payload copies received per transaction or block delivered (1 is perfect).
        var duplicateFactor = 0.0
        /// Bytes uploaded per committed block over the mean block size: the authorities
        /// (each proposes in turn), the median and the worst participant.
        var authorityUpload = 0.0
        var medianParticipantUpload = 0.0
        var worstParticipantUpload = 0.0
        /// The worst of any peer (the bound the gossip test checks).
        var worstUpload = 0.0
        var uploadByKind: [String: Int] = [:]
        var submitted = 0
        /// The fewest committed transactions at any live peer.
        var committedTransactions = 0
        /// Heights at which two live peers committed different blocks: a fork, never allowed.
        var conflictingHeights = 0
        /// How many heights the live peer furthest behind trails the one furthest ahead
        /// when the run stops (a heartbeat block may be on its way).
        var headSpread: UInt64 = 0
        var failures: [String] = []
        var residentBytesPerPeer = 0.0
        var wallSeconds = 0.0
    }

    static func run(_ options: Options) -> Figures {
        let started = Date()
        let residentBefore = residentBytes()
        let peers = options.peers
        let authorities = 4
        let roster = MeshRoster(authorities: authorities, participants: peers - authorities)
        var configuration = MeshNode.Core.Configuration()
        configuration.allToAllBaseline = options.allToAll
        let observer = MeshObserver()
        let profile: Simulation<MeshNode>.LinkProfile = options.wideArea
            ? .init(loss: options.loss, delay: .milliseconds(20), jitter: .milliseconds(10))
            : .init(loss: options.loss, delay: .milliseconds(5), jitter: .milliseconds(5))
        var simulation = Simulation<MeshNode>(seed: options.seed, profile: profile, tickInterval: .milliseconds(50))
        if options.wideArea { simulation.linkLatency = { wideAreaLatency($0, $1) } }
        // The baseline's peers know everyone from the start, as configured meshes did.
        let seeds = options.allToAll ? Array(0..<peers) : [0, 1]
        func node(_ index: Int) -> MeshNode {
            MeshNode(index: index, roster: roster, seeds: seeds, seed: options.seed, configuration: configuration, observer: observer)
        }
        for index in 0..<peers { simulation.add(roster.addresses[index], node(index)) }
        // Membership converges before the load starts.
        simulation.run(for: .seconds(5))
        var figures = Figures(options: options)
        let startUploads = Dictionary(uniqueKeysWithValues: simulation.liveNodes.map { ($0, simulation.node($0)!.uploaded) })
        let startHeight = simulation.node(roster.addresses[0])!.core.engine.head.height

        // Crashes: a share of the participants, each down for 2–5 s at a random moment of the load.
        var crashes: [(index: Int, at: MonotonicInstant, back: MonotonicInstant)] = []
        let crashCount = Int((Double(peers - authorities) * options.crashing).rounded())
        var candidates = Array(authorities..<peers)
        candidates.shuffle(using: &simulation.random)
        for index in candidates.prefix(crashCount) {
            // Early enough to be back before the load ends.
            let latest = Int64(max(1, options.seconds - 5)) * 1_000
            let at = simulation.now + .milliseconds(Int64.random(in: 0..<latest, using: &simulation.random))
            crashes.append((index, at, at + .milliseconds(Int64.random(in: 2_000...5_000, using: &simulation.random))))
        }
        var down = Set<Int>()

        var sequences = [UInt64](repeating: 0, count: roster.participantKeys.count)
        var submittedAt: [Bytes32: MonotonicInstant] = [:]
        let end = simulation.now + .seconds(Int64(options.seconds))
        let perStep = max(1, options.rate / 20)
        var turn = 0
        while simulation.now < end {
            for crash in crashes {
                let address = roster.addresses[crash.index]
                if simulation.now >= crash.at && simulation.now < crash.back && !down.contains(crash.index) {
                    simulation.crash(address)
                    down.insert(crash.index)
                } else if simulation.now >= crash.back && down.contains(crash.index), let old = simulation.node(address) {
                    var restarted = MeshNode(index: crash.index, roster: roster, seeds: seeds, seed: options.seed,
                                             configuration: configuration, observer: observer, restartingFrom: old.storage,
                                             now: simulation.now)
                    restarted.known = old.known
                    restarted.uploaded = old.uploaded
                    simulation.restart(address, as: restarted)
                    down.remove(crash.index)
                }
            }
            for _ in 0..<perStep {
                let participant: Int
                if options.randomParticipants {
                    participant = Int.random(in: 0..<roster.participantKeys.count, using: &simulation.random)
                } else {
                    participant = turn % roster.participantKeys.count
                    turn += 1
                }
                guard !down.contains(authorities + participant) else { continue }
                let key = roster.participantKeys[participant]
                let receiver = roster.participantKeys[(participant + 1) % roster.participantKeys.count].publicKey.address
                let transaction = Transaction(sender: key.publicKey.address, sequence: sequences[participant],
                                              lastValidHeight: 1_000_000,
                                              body: .transfer(to: receiver, asset: MeshRoster.usd, amount: 100, memo: []))
                    .signed(by: key, network: roster.ledger.networkID)
                let at = roster.addresses[authorities + participant]
                let now = simulation.now
                if let (submission, out) = simulation.with(at, { $0.submit(transaction, now: now) }) {
                    if case .accepted = submission {
                        sequences[participant] += 1
                        figures.submitted += 1
                        submittedAt[transaction.id] = now
                    }
                    simulation.send(out, from: at)
                }
            }
            simulation.run(for: .milliseconds(50))
        }
        // Quiet time: the last blocks reach everyone.
        simulation.run(for: .seconds(5))

        let live = simulation.liveNodes.compactMap { simulation.node($0) }
        let everyone = peers - down.count
        let blocks = live[0].commits.filter { $0.height > startHeight }
        figures.blocks = blocks.count
        figures.meanBlockBytes = Double(blocks.map(\.size).reduce(0, +)) / Double(max(1, blocks.count))
        for (id, submitted) in submittedAt {
            guard let spread = observer.transactions[id], spread.peers >= everyone else {
                figures.transactionsMissing += 1
                continue
            }
            figures.knownByAll.append(Double((spread.last - submitted).nanoseconds) / 1e9)
        }
        // A block first committed in the run's last seconds may still be on its way: judged
        // only if it had the time the slowest block needs (the run stops at an arbitrary moment).
        let judged = simulation.now - .seconds(3)
        for block in blocks {
            guard let spread = observer.blocks[block.height], spread.peers >= everyone else {
                if let spread = observer.blocks[block.height], spread.first > judged { continue }
                figures.blocksMissing += 1
                continue
            }
            figures.committedByAll.append(Double((spread.last - spread.first).nanoseconds) / 1e9)
        }
        let delivered = live.map { $0.core.dissemination.delivered }.reduce(0, +)
        let copies = live.map { $0.core.dissemination.delivered + $0.core.dissemination.duplicates }.reduce(0, +)
        figures.duplicateFactor = Double(copies) / Double(max(1, delivered))

        let perBlock = { (node: MeshNode) -> Double in
            Double(node.uploaded - (startUploads[node.core.identity] ?? 0)) / Double(max(1, blocks.count))
                / max(1, figures.meanBlockBytes)
        }
        let authorityUploads = live.filter { $0.core.engine.isAuthority }.map(perBlock)
        let participantUploads = live.filter { !$0.core.engine.isAuthority }.map(perBlock).sorted()
        figures.authorityUpload = authorityUploads.reduce(0, +) / Double(max(1, authorityUploads.count))
        figures.medianParticipantUpload = participantUploads.isEmpty ? 0 : participantUploads[participantUploads.count / 2]
        figures.worstParticipantUpload = participantUploads.last ?? 0
        figures.worstUpload = max(authorityUploads.max() ?? 0, figures.worstParticipantUpload)
        for node in live { for (kind, bytes) in node.uploadedByKind { figures.uploadByKind[kind, default: 0] += bytes } }
        figures.committedTransactions = live.map { Int($0.core.counters.committedTransactions) }.min() ?? 0
        var committed: [UInt64: Bytes32] = [:]
        var conflicting = Set<UInt64>()
        for node in live {
            for commit in node.commits {
                if let other = committed.updateValue(commit.blockID, forKey: commit.height), other != commit.blockID {
                    conflicting.insert(commit.height)
                }
            }
        }
        figures.conflictingHeights = conflicting.count
        let heads = live.map(\.core.engine.head.height)
        figures.headSpread = (heads.max() ?? 0) - (heads.min() ?? 0)
        figures.failures = live.flatMap(\.failures)
        figures.residentBytesPerPeer = Double(max(0, residentBytes() - residentBefore)) / Double(peers)
        figures.wallSeconds = Date().timeIntervalSince(started)
        return figures
    }

    /// A fixed one-way latency per pair of peers, 20–150 ms, the same both ways.
    static func wideAreaLatency(_ a: Address, _ b: Address) -> Duration {
        let (low, high) = a < b ? (a, b) : (b, a)
        let digest = Blake2b.hash256(low.publicKey.bytes + high.publicKey.bytes)
        let value = digest.bytes.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return .milliseconds(20 + Int64(value % 131))
    }

    /// The process's resident memory (Linux), for memory per simulated peer.
    static func residentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) * 1024
        }
        return 0
    }
}

extension MeshRun.Figures {
    /// What a peer uploads per committed block, by kind of message, in bytes.
    var uploadByKindLine: String {
        uploadByKind.sorted { $0.value > $1.value }
            .map { "\($0.key) \(Int(Double($0.value) / Double(max(1, blocks)) / Double(options.peers)))" }
            .joined(separator: ", ")
    }

    static func percentile(_ values: [Double], _ fraction: Double) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .nan }
        return sorted[min(sorted.count - 1, max(0, Int((Double(sorted.count) * fraction).rounded(.up)) - 1))]
    }

    /// One line of the scale table.
    var line: String {
        let mode = options.allToAll ? "all-to-all" : "gossip"
        return String(
            format: "%@ %d peers, %.0f%% loss%@: %d blocks of %.0f B; known by all p50 %.2f s p99 %.2f s; block at all p50 %.2f s p99 %.2f s; "
                + "duplicate factor %.2f; upload per block (× block): authority %.1f, median participant %.1f, worst participant %.1f; "
                + "%.0f KB per peer; %d missing; %.0f s wall",
            mode, options.peers, options.loss * 100, options.crashing > 0 ? ", \(Int(options.crashing * 100))% crashing" : "",
            blocks, meanBlockBytes, Self.percentile(knownByAll, 0.5), Self.percentile(knownByAll, 0.99),
            Self.percentile(committedByAll, 0.5), Self.percentile(committedByAll, 0.99), duplicateFactor,
            authorityUpload, medianParticipantUpload, worstParticipantUpload, residentBytesPerPeer / 1024,
            transactionsMissing + blocksMissing, wallSeconds)
    }
}
