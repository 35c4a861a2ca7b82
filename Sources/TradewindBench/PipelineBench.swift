import Dispatch
import Foundation
import TradewindConsensus
import TradewindCrypto
import TradewindLedger
import TradewindChainStore
import TradewindStore
import TradewindTransport
import TradewindWire

/// One peer's whole path for transactions, in process: decode → verify (all cores,
/// once each) → mempool → propose → execute → commit to LMDB, with a single
/// authority so that agreement decides at once. Verification runs on worker threads
/// while this thread admits, executes, persists its votes and commits, as the peer's
/// event loop does: the figure shows how well they overlap.
enum PipelineBench {
    struct Result {
        var transactions: Int
        var seconds: Double
        var blocks: Int
        /// Main-thread time admitting verified transactions (the ledger's check, the mempool).
        var admitSeconds: Double
        /// Main-thread time in ticks: proposing, executing the block, agreeing.
        var proposeSeconds: Double
        var commitSeconds: Double
        var rate: Double { Double(transactions) / seconds }
    }

    /// A network of `accounts` funded accounts and one authority, and `count` signed transfers.
    static func setUp(accounts: Int, count: Int) throws -> (Ledger, Ed25519.PrivateKey, [[UInt8]]) {
        let authority = Ed25519.PrivateKey.generate()
        let keys = (0..<accounts).map { _ in Ed25519.PrivateKey.generate() }
        let usd = AssetCode("USD")!
        var parameters = Genesis.Parameters()
        parameters.blockIntervalMs = 1
        parameters.heartbeatIntervalMs = 1000
        parameters.maxTransactionsPerBlock = 4000
        parameters.maxBlockBytes = 8 << 20
        let genesis = Genesis(chainName: "bench", genesisTime: UInt64(Date().timeIntervalSince1970 * 1000) - 1000,
                              authorities: [authority.publicKey.address],
                              assets: [.init(code: usd, decimals: 2, issuer: authority.publicKey.address)],
                              balances: keys.map { .init(account: $0.publicKey.address, asset: usd, amount: 1 << 40) },
                              parameters: parameters)
        let ledger = try Ledger(genesis: genesis)
        let perAccount = (count + accounts - 1) / accounts
        let encoded = SignedBatch(count: accounts * perAccount)
        DispatchQueue.concurrentPerform(iterations: accounts) { account in
            let key = keys[account]
            let receiver = keys[(account + 1) % accounts].publicKey.address
            for sequence in 0..<perAccount {
                let transaction = Transaction(sender: key.publicKey.address, sequence: UInt64(sequence), lastValidHeight: 1 << 40,
                                              body: .transfer(to: receiver, asset: usd, amount: 1, memo: []))
                    .signed(by: key, network: ledger.networkID)
                // Interleave senders, as many clients would arrive.
                encoded.set(sequence * accounts + account, transaction.wireEncoded)
            }
        }
        return (ledger, authority, Array(encoded.values.prefix(count)))
    }

    static func run(ledger: Ledger, authority: Ed25519.PrivateKey, encoded: [[UInt8]], directory: String) throws -> Result {
        let store = try ChainStore(directory: directory)
        try store.initialize(ledger: ledger)
        let head = try store.head()
        guard let chain = try store.withState({ try $0.chain() }) else { throw BenchError("no chain state") }
        var configuration = ConsensusEngine.Configuration()
        configuration.mempool.maxTransactions = encoded.count + 1
        configuration.mempool.maxBytes = 1 << 30
        configuration.mempool.maxPerSender = 1 << 20
        configuration.mempool.sequenceWindow = 1 << 20
        let now = { SystemClock.now }
        var engine = ConsensusEngine(
            ledger: ledger, key: authority, me: authority.publicKey.address,
            head: .init(height: head.height, blockID: head.blockID, stateRoot: head.stateRoot,
                        time: ledger.genesis.genesisTime, certificate: nil),
            chain: chain, lastSigned: nil, now: now(), configuration: configuration)

        // Verification workers: decode and verify chunks, hand verified batches over.
        let queue = VerifiedQueue()
        let chunk = 256
        let chunks = (encoded.count + chunk - 1) / chunk
        let cursor = Cursor()
        let workers = ProcessInfo.processInfo.activeProcessorCount
        let network = ledger.networkID
        let start = DispatchTime.now().uptimeNanoseconds
        let group = DispatchGroup()
        for _ in 0..<workers {
            DispatchQueue.global().async(group: group) {
                while let index = cursor.next(limit: chunks) {
                    let slice = encoded[(index * chunk)..<min(encoded.count, (index + 1) * chunk)]
                    let verified = slice.compactMap { bytes -> IdentifiedTransaction? in
                        guard let identified = try? IdentifiedTransaction(wireEncoded: bytes),
                              identified.transaction.hasValidSignature(network: network) else { return nil }
                        return identified
                    }
                    queue.push(verified)
                }
            }
        }
        // As in the peer: each vote's safety state is synced before it counts, each
        // decided block committed in one LMDB transaction, then the engine resumes.
        var committed = 0, blocks = 0
        var admitTime: UInt64 = 0, proposeTime: UInt64 = 0, commitTime: UInt64 = 0
        func perform(_ actions: [ConsensusEngine.Action]) throws {
            var applied = false
            for action in actions {
                switch action {
                case let .persist(signed):
                    try store.saveSignedState(ConsensusEngine.encode(signed))
                case let .commit(block, certificate, execution):
                    let t = DispatchTime.now().uptimeNanoseconds
                    try store.commit(block, certificate: certificate, execution: execution)
                    commitTime += DispatchTime.now().uptimeNanoseconds - t
                    committed += block.transactions.count
                    blocks += 1
                    applied = true
                case .broadcast, .send, .sendCommittedBlock:
                    break
                }
            }
            if applied { try perform(try store.withState { engine.resume(now: now(), state: $0) }) }
        }
        while committed < encoded.count {
            let t = DispatchTime.now().uptimeNanoseconds
            let batch = queue.popAll()
            if !batch.isEmpty {
                let actions = try store.withState { engine.receive(verified: batch, now: now(), state: $0) }
                admitTime += DispatchTime.now().uptimeNanoseconds - t
                try perform(actions)
            }
            let t2 = DispatchTime.now().uptimeNanoseconds
            let ticked = try store.withState { engine.tick(now: now(), state: $0) }
            proposeTime += DispatchTime.now().uptimeNanoseconds - t2
            try perform(ticked)
            if batch.isEmpty && engine.mempool.isEmpty && queue.isDrained(total: chunks) && committed < encoded.count {
                throw BenchError("pipeline stalled at \(committed) of \(encoded.count) transactions")
            }
        }
        group.wait()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return Result(transactions: committed, seconds: seconds, blocks: blocks,
                      admitSeconds: Double(admitTime) / 1e9, proposeSeconds: Double(proposeTime) / 1e9,
                      commitSeconds: Double(commitTime) / 1e9)
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Signed transactions written by many threads, each slot by one.
final class SignedBatch: @unchecked Sendable {
    private(set) var values: [[UInt8]]
    private let lock = NSLock()
    init(count: Int) { values = Array(repeating: [], count: count) }
    func set(_ index: Int, _ bytes: [UInt8]) {
        lock.lock()
        values[index] = bytes
        lock.unlock()
    }
}

final class Cursor: @unchecked Sendable {
    private var value = 0
    private let lock = NSLock()
    func next(limit: Int) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard value < limit else { return nil }
        value += 1
        return value - 1
    }
}

/// Verified batches from the workers to the engine's thread.
final class VerifiedQueue: @unchecked Sendable {
    private var batches: [[IdentifiedTransaction]] = []
    private var pushed = 0
    private let condition = NSCondition()

    func push(_ batch: [IdentifiedTransaction]) {
        condition.lock()
        batches.append(batch)
        pushed += 1
        condition.signal()
        condition.unlock()
    }

    /// Everything verified so far (waits briefly when nothing is ready).
    func popAll() -> [IdentifiedTransaction] {
        condition.lock()
        defer { condition.unlock() }
        if batches.isEmpty { _ = condition.wait(until: Date().addingTimeInterval(0.002)) }
        let all = batches.flatMap { $0 }
        batches.removeAll(keepingCapacity: true)
        return all
    }

    func isDrained(total: Int) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        return pushed == total && batches.isEmpty
    }
}
