import Foundation
import TradewindTestSupport
import Testing
import TradewindLedger
import TradewindChainStore
import TradewindWire

/// The ledger against the reference model over random transactions, then the same
/// blocks replayed by a separate process into a fresh LMDB store.
///
/// `TRADEWIND_LEDGER_SEEDS=N` runs N seeds (default 1); `TRADEWIND_LEDGER_TRANSACTIONS`
/// sets the transactions per seed (default 10,000).
@Suite(.serialized) struct RandomizedLedgerTests {
    static let environment = ProcessInfo.processInfo.environment
    static let seeds: [UInt64] = Array(1...UInt64(environment["TRADEWIND_LEDGER_SEEDS"].flatMap(Int.init) ?? 1))
    static let transactions = environment["TRADEWIND_LEDGER_TRANSACTIONS"].flatMap(Int.init) ?? 10_000

    @Test(arguments: seeds)
    func ledgerMatchesTheReferenceModelAndReplaysIdentically(seed: UInt64) throws {
        var run = try RandomLedgerRun(seed: seed)
        do {
            try run.run(transactions: Self.transactions)
        } catch {
            Issue.record("seed \(seed): \(error)")
            return
        }
        // The run reached every order state and every class of result.
        var states = Set<Order.State>()
        for id in run.model.orderIDs { if let order = run.model.orders[id] { states.insert(order.state) } }
        print("seed \(seed): \(run.transactionCount) transactions in \(run.blocks.count) blocks; order states \(states.map(\.description).sorted()); "
              + "results \(run.codeCounts.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.name)=\($0.value)" }.joined(separator: " "))")
        #expect(states.count == Order.State.allCases.count, "seed \(seed): states reached \(states)")
        for resultClass in [ResultCode.Class.success, .malformed, .cannotApplyNow, .retry, .appliedButFailed] {
            #expect(run.codeCounts.contains { $0.key.resultClass == resultClass && $0.value > 0 }, "\(resultClass) never seen")
        }

        // Replay in a child process with a fresh LMDB store: the same root at every height.
        let directory = try temporaryDirectory("ledger-replay")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let files = try run.write(to: directory)
        let replay = try ChildProcess(executable: "TradewindProbe",
                                      arguments: ["ledger-replay", files.genesis, files.blocks, directory + "/store"])
        defer { replay.kill() }
        let lines = replay.remainingLines()
        #expect(replay.wait(timeout: 300) == 0)
        #expect(lines.count == run.blocks.count)
        for (index, line) in lines.enumerated() {
            let expected = "height \(index + 1) root \(run.roots[index].hex)"
            guard line == expected else {
                Issue.record("seed \(seed): replay differs at height \(index + 1): \(line)")
                break
            }
        }
    }

    /// A process applying blocks is killed with SIGKILL at random moments; after each
    /// kill the store holds exactly the blocks whose commit returned (or one more,
    /// committed just before the kill), and its state equals the replay of exactly
    /// those blocks.
    @Test func killedWhileApplyingBlocksKeepsExactlyTheCommittedOnes() throws {
        var run = try RandomLedgerRun(seed: 77)
        try run.run(transactions: 3000)
        let directory = try temporaryDirectory("ledger-crash")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let files = try run.write(to: directory)
        let storePath = directory + "/store"
        var generator = SystemRandomNumberGenerator()
        var acknowledged: UInt64 = 0
        for round in 0..<4 {
            let child = try ChildProcess(executable: "TradewindProbe",
                                         arguments: ["ledger-replay", files.genesis, files.blocks, storePath, "262144"])
            defer { child.kill() }
            let target = Int.random(in: 5...40, using: &generator)
            var seen = 0
            while seen < target, let line = child.readLine() {
                acknowledged = UInt64(line.split(separator: " ")[1])!
                seen += 1
            }
            usleep(UInt32.random(in: 0...2000, using: &generator))
            child.kill()
            for line in child.remainingLines() { acknowledged = UInt64(line.split(separator: " ")[1])! }
            child.wait()

            let store = try ChainStore(directory: storePath)
            let head = try store.head()
            #expect(head.height >= acknowledged, "round \(round): acknowledged \(acknowledged), stored \(head.height)")
            #expect(head.height <= acknowledged + 1, "round \(round)")
            // The store's state equals an in-memory replay of exactly `head.height` blocks.
            var memory = MemoryState()
            memory.apply(run.ledger.genesisState().writes)
            var root = run.ledger.genesisState().root
            for block in run.blocks.prefix(Int(head.height)) {
                let chain = try ChainState(wireEncoded: memory.value(for: .chain)!)
                let execution = try run.ledger.apply(
                    block.transactions, context: .init(height: block.header.height, time: block.header.time,
                                                       parentTime: chain.lastBlockTime),
                    previousRoot: root, view: memory, signatures: .none)
                memory.apply(execution.writes)
                root = execution.stateRoot
            }
            #expect(head.stateRoot == root, "round \(round)")
            let stored = try store.stateEntries()
            #expect(stored.count == memory.entries.count, "round \(round)")
            #expect(stored.allSatisfy { memory.entries[$0.key] == $0.value }, "round \(round): state differs")
            #expect(try store.block(at: head.height)?.header.height == (head.height > 0 ? head.height : nil))
            #expect(try store.block(at: head.height + 1) == nil)
            if head.height == UInt64(run.blocks.count) { break }
        }
    }
}
