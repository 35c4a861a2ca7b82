import ArgumentParser
import Dispatch
import Foundation
import NIOPosix
import TradewindCrypto
import TradewindLedger
import TradewindChainStore
import TradewindStore
import TradewindWire

/// Measures the primitives everything else is bounded by. Later benchmarks
/// (pipeline, transport, mesh) print their figures as ratios against these.
@main
struct TradewindBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "TradewindBench",
        abstract: "Measure Tradewind's hardware limits and print them (build with -c release)."
    )

    @Flag(name: .long, help: "Run each measurement briefly (a smoke test, not a result).")
    var quick = false

    @Option(name: .long, help: "Also write the results as JSON to this file.")
    var json: String?

    @Option(name: .long, help: "Seconds per measurement (default 2, or 0.2 with --quick).")
    var seconds: Double?

    @Option(name: .long, help: "Offered load for the mesh benchmark, tx/s (default 0.6 × V/4, the goal).")
    var meshRate: Double?

    @Option(name: .long, help: "Run only these sections (repeatable): crypto, lmdb, pipeline, catchup, transport, mesh, meshscale, meshload. V is always measured.")
    var only: [String] = []

    @Option(name: .long, parsing: .upToNextOption,
            help: "Mesh-scale meshes' sizes, 4 authorities and the rest participants (default 16 32, or 16 with --quick).")
    var meshScalePeers: [Int] = []

    @Option(name: .long, help: "Seconds each mesh-scale mesh is measured idle (default 60, or 5 with --quick).")
    var idleSeconds: Double?

    @Option(name: .long, help: "Also run each mesh-scale mesh with this one-way latency added to every datagram (TRADEWIND_EMULATED_DELAY_MS).")
    var emulatedDelayMs: Int?

    @Option(name: .long, help: "The mesh-load mesh's size, 4 authorities and the rest participants (default 32; not run with --quick unless --only meshload).")
    var meshLoadPeers: Int = 32

    @Option(name: .long, help: "The mesh-load fixed rate's ceiling, tx/s (default 200; half the saturated rate if that is lower).")
    var meshLoadRate: Double = 200

    @Option(name: .long, help: "The tradewind binary the process benchmarks run (default: the one beside this benchmark).")
    var tradewind: String?

    static let sections = ["crypto", "lmdb", "pipeline", "catchup", "transport", "mesh", "meshscale", "meshload"]

    func validate() throws {
        for section in only where !Self.sections.contains(section) {
            throw ValidationError("unknown section '\(section)'; one of \(Self.sections.joined(separator: ", "))")
        }
        for peers in meshScalePeers where !(5...256).contains(peers) {
            throw ValidationError("--mesh-scale-peers '\(peers)' must be 5 to 256")
        }
        if !(5...256).contains(meshLoadPeers) {
            throw ValidationError("--mesh-load-peers '\(meshLoadPeers)' must be 5 to 256")
        }
        if !(meshLoadRate >= 1 && meshLoadRate <= 100_000) {
            throw ValidationError("--mesh-load-rate '\(meshLoadRate)' must be 1 to 100000")
        }
        if let idleSeconds, !(idleSeconds >= 1 && idleSeconds <= 86_400) {
            throw ValidationError("--idle-seconds '\(idleSeconds)' must be 1 to 86400")
        }
        if let emulatedDelayMs, !(1...1000).contains(emulatedDelayMs) {
            throw ValidationError("--emulated-delay-ms '\(emulatedDelayMs)' must be 1 to 1000")
        }
        if let tradewind, !FileManager.default.isExecutableFile(atPath: tradewind) {
            throw ValidationError("--tradewind '\(tradewind)' is not an executable file")
        }
    }

    func wants(_ section: String) -> Bool { only.isEmpty || only.contains(section) }

    func run() async throws {
        let duration = seconds ?? (quick ? 0.2 : 2.0)
        let cores = ProcessInfo.processInfo.activeProcessorCount
        var results: [Measurement] = []
        func record(_ measurement: Measurement) {
            results.append(measurement)
            print(measurement.row)
        }
        print("Tradewind \(Release.version) benchmarks — \(cores) core(s), \(duration) s per figure")
        print(Measurement.header)

        let key = Ed25519.PrivateKey.generate()
        let message = SecureRandom.bytes(count: 200)
        let signature = key.signature(for: message)

        record(Measurement(name: "ed25519 sign (1 core)", unit: "ops/s",
                           value: Rate.measure(duration) { _ = key.signature(for: message) }))
        let verifyOne = Rate.measure(duration) { _ = key.publicKey.isValidSignature(signature, for: message) }
        record(Measurement(name: "ed25519 verify (1 core)", unit: "ops/s", value: verifyOne))
        let verifyAll = Rate.measureParallel(duration, threads: cores) {
            _ = key.publicKey.isValidSignature(signature, for: message)
        }
        record(Measurement(name: "ed25519 verify (all cores) = V", unit: "ops/s", value: verifyAll,
                           note: String(format: "%.2fx one core", verifyAll / verifyOne)))
        if wants("crypto") {
            record(Measurement(name: "ed25519 sign (all cores)", unit: "ops/s",
                               value: Rate.measureParallel(duration, threads: cores) { _ = key.signature(for: message) }))

            let aeadKey = SecureBytes.random(count: 32)
            let packet = SecureRandom.bytes(count: 1200)
            let nonce = [UInt8](repeating: 0, count: 12)
            let aead = Rate.measure(duration) {
                _ = try? ChaChaPoly.seal(packet, key: aeadKey, nonce: nonce)
            }
            record(Measurement(name: "chacha20-poly1305 seal 1200 B (1 core)", unit: "ops/s", value: aead,
                               note: String(format: "%.0f MB/s", aead * 1200 / 1e6)))

            let small = SecureRandom.bytes(count: 256)
            record(Measurement(name: "blake2b-256 of 256 B (1 core)", unit: "ops/s",
                               value: Rate.measure(duration) { _ = Blake2b.hash256(small) }))
        }

        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("tradewind-bench-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        if wants("lmdb") {
            let environment = try StoreEnvironment(directory: directory, tables: ["bench"])
            let table = Table<UInt64, [UInt8]>("bench")
            let value = SecureRandom.bytes(count: 200)
            let putsPerTransaction = quick ? 20_000 : 200_000
            let putStart = DispatchTime.now()
            try environment.write { txn in
                for index in 0..<UInt64(putsPerTransaction) { try txn.put(value, forKey: index, in: table) }
            }
            let putSeconds = Double(DispatchTime.now().uptimeNanoseconds - putStart.uptimeNanoseconds) / 1e9
            record(Measurement(name: "lmdb puts in one write txn (200 B)", unit: "puts/s",
                               value: Double(putsPerTransaction) / putSeconds,
                               note: "\(putsPerTransaction) puts incl. commit"))
            var next = UInt64(putsPerTransaction)
            let commits = Rate.measure(duration) {
                _ = try? environment.write { txn in try txn.put(value, forKey: next, in: table) }
                next += 1
            }
            record(Measurement(name: "lmdb synced single-put commits", unit: "commits/s", value: commits,
                               note: "fsync per commit"))
        }

        if wants("pipeline") {
            let pipelineCount = quick ? 4_000 : max(20_000, Int(verifyAll * duration * 5))
            let (ledger, authority, encoded) = try PipelineBench.setUp(accounts: 1000, count: pipelineCount)
            let pipeline = try PipelineBench.run(ledger: ledger, authority: authority, encoded: encoded,
                                                 directory: directory + "-pipeline")
            try? FileManager.default.removeItem(atPath: directory + "-pipeline")
            record(Measurement(name: "pipeline: decode→verify→mempool→commit", unit: "tx/s", value: pipeline.rate,
                               note: String(format: "ratio %.2f to V (goal >= 0.85); %d tx in %d blocks; main thread: admit %.0f%%, propose+execute %.0f%%, LMDB commit %.0f%% of the window",
                                            pipeline.rate / verifyAll, pipeline.transactions, pipeline.blocks,
                                            100 * pipeline.admitSeconds / pipeline.seconds, 100 * pipeline.proposeSeconds / pipeline.seconds,
                                            100 * pipeline.commitSeconds / pipeline.seconds)))
        }

        if wants("catchup") {
            let chainLength = quick ? 500 : 10_000
            let chain = try CatchupBench.makeChain(count: chainLength, perBlock: 4)
            let synced = try CatchupBench.sync(chain, directory: directory + "-catchup")
            try? FileManager.default.removeItem(atPath: directory + "-catchup")
            record(Measurement(name: "catch-up: certified blocks applied", unit: "blocks/s", value: synced,
                               note: String(format: "%d blocks of 4 transfers; %.0f verifications/s = ratio %.2f to V",
                                            chainLength, synced * chain.signaturesPerBlock, synced * chain.signaturesPerBlock / verifyAll)))
        }

        if wants("transport") {
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
            for size in [100, 1000] {
                let plain = try await TransportBench.plainDatagrams(seconds: duration, size: size, group: group)
                record(Measurement(name: "plain UDP datagrams, \(size) B (NIO, loopback)", unit: "msgs/s", value: plain))
                let encrypted = try await TransportBench.encryptedMessages(seconds: duration, size: size, group: group)
                record(Measurement(name: "Noise transport messages, \(size) B", unit: "msgs/s", value: encrypted,
                                   note: String(format: "ratio %.2f to plain (goal >= 0.7)", encrypted / plain)))
            }
            try await group.shutdownGracefully()
            let handshakes = TransportBench.handshakes(seconds: duration)
            record(Measurement(name: "Noise IKpsk2 handshakes, both sides (1 core)", unit: "hs/s", value: handshakes))
        }

        let tradewind = self.tradewind
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("tradewind").path
        if wants("mesh") && FileManager.default.isExecutableFile(atPath: tradewind) {
            let target = meshRate ?? (quick ? 500 : verifyAll / 4 * 0.6)
            let mesh = try MeshBench.run(rate: target, seconds: quick ? 3 : max(10, duration * 5), accounts: quick ? 200 : 2000,
                                         tradewind: tradewind, directory: directory + "-mesh")
            try? FileManager.default.removeItem(atPath: directory + "-mesh")
            record(Measurement(name: "mesh: 4 authority processes, committed", unit: "tx/s", value: mesh.committedPerSecond,
                               note: String(format: "ratio %.2f to V/4 (goal >= 0.6); offered %.0f tx/s for %.0f s",
                                            mesh.committedPerSecond / (verifyAll / 4), mesh.offered, mesh.window)))
            record(Measurement(name: "mesh: latency submission→commit p50", unit: "ms", value: mesh.p50 * 1000))
            record(Measurement(name: "mesh: latency submission→commit p99", unit: "ms", value: mesh.p99 * 1000,
                               note: "goal <= 1000 ms"))
            record(Measurement(name: "mesh: peak RSS, largest peer", unit: "MiB", value: mesh.peakRSS.max() ?? 0,
                               note: "goal <= 200 MiB; all: " + mesh.peakRSS.map { String(format: "%.0f", $0) }.joined(separator: ", ")))
        } else if wants("mesh") {
            print("mesh benchmark skipped: build the peer too (swift build -c release) so that \(tradewind) exists")
        }

        if wants("meshscale") && FileManager.default.isExecutableFile(atPath: tradewind) {
            // `tradewind genesis`'s heartbeat (10 s), and beside the first size today's
            // test networks' (250 ms): what an idle chain costs either way.
            let sizes = meshScalePeers.isEmpty ? (quick ? [16] : [16, 32]) : meshScalePeers
            var runs: [MeshScaleBench.Options] = []
            for (index, peers) in sizes.enumerated() {
                let idle = idleSeconds ?? (quick ? 5 : 60)
                runs.append(.init(peers: peers, heartbeat: "10s", heartbeatMs: 10_000, idleSeconds: idle))
                if index == 0 && !quick { runs.append(.init(peers: peers, heartbeat: "250ms", heartbeatMs: 250, idleSeconds: idle)) }
                if let emulatedDelayMs {
                    runs.append(.init(peers: peers, heartbeat: "10s", heartbeatMs: 10_000, idleSeconds: idle,
                                      emulatedDelayMs: emulatedDelayMs))
                }
            }
            for (index, options) in runs.enumerated() {
                let result = try MeshScaleBench.run(options, tradewind: tradewind, directory: directory + "-meshscale-\(index)")
                try? FileManager.default.removeItem(atPath: directory + "-meshscale-\(index)")
                for measurement in MeshScaleBench.measurements(result) { record(measurement) }
            }
        } else if wants("meshscale") {
            print("mesh-scale benchmark skipped: build the peer too (swift build -c release) so that \(tradewind) exists")
        }

        // Minutes of 2 cores at saturation: a long run's, not --quick's.
        let loadWanted = quick ? only.contains("meshload") : wants("meshload")
        if loadWanted && FileManager.default.isExecutableFile(atPath: tradewind) {
            let options = MeshLoadBench.Options(peers: meshLoadPeers, maxRate: meshLoadRate)
            let result = try MeshLoadBench.run(options, tradewind: tradewind, directory: directory + "-meshload")
            try? FileManager.default.removeItem(atPath: directory + "-meshload")
            for measurement in MeshLoadBench.measurements(result) { record(measurement) }
        } else if loadWanted {
            print("mesh-load benchmark skipped: build the peer too (swift build -c release) so that \(tradewind) exists")
        }

        if let json {
            let report = Report(version: Release.version, cores: cores, secondsPerFigure: duration,
                                quick: quick, results: results)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(report).write(to: URL(fileURLWithPath: json))
            print("wrote \(json)")
        }
    }
}

struct Measurement: Codable {
    var name: String
    var unit: String
    var value: Double
    var note: String = ""

    static let header = "figure".padding(toLength: 50, withPad: " ", startingAt: 0) + "      value  unit       note"

    var row: String {
        // Small figures keep their decimals (a CPU share of 0.4 %, a latency of 3.2 ms).
        let digits = value.magnitude < 10 ? 2 : value.magnitude < 1000 ? 1 : 0
        // Long names stay whole (padding(toLength:) would cut them).
        return name.padding(toLength: max(50, name.count), withPad: " ", startingAt: 0)
            + String(format: "%11.\(digits)f", value) + "  " + unit.padding(toLength: 10, withPad: " ", startingAt: 0)
            + " " + note
    }
}

struct Report: Codable {
    var version: String
    var cores: Int
    var secondsPerFigure: Double
    var quick: Bool
    var results: [Measurement]
}

enum Rate {
    /// Operations per second of `body` on this thread over about `seconds`.
    static func measure(_ seconds: Double, _ body: () -> Void) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        let deadline = start + UInt64(seconds * 1e9)
        var count = 0
        var now = start
        while now < deadline {
            for _ in 0..<64 { body() }
            count += 64
            now = DispatchTime.now().uptimeNanoseconds
        }
        return Double(count) / (Double(now - start) / 1e9)
    }

    /// Total operations per second of `body` on `threads` threads at once.
    static func measureParallel(_ seconds: Double, threads: Int, _ body: @Sendable @escaping () -> Void) -> Double {
        let rates = RateBox(count: threads)
        DispatchQueue.concurrentPerform(iterations: threads) { index in
            rates.set(index, measure(seconds, body))
        }
        return rates.total
    }
}

/// Per-thread results of a parallel measurement; each slot is written by one thread.
final class RateBox: @unchecked Sendable {
    private var values: [Double]
    private let lock = NSLock()

    init(count: Int) { values = Array(repeating: 0, count: count) }

    func set(_ index: Int, _ value: Double) {
        lock.lock()
        values[index] = value
        lock.unlock()
    }

    var total: Double {
        lock.lock()
        defer { lock.unlock() }
        return values.reduce(0, +)
    }
}
