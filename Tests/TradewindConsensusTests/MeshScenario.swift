import TradewindConsensus
import TradewindCrypto
import TradewindLedger
import TradewindSimulation
import TradewindWire

/// Transfers from the genesis accounts, submitted to random live peers: each
/// account sends its next transaction once the previous one committed (or after
/// a while, again, in case it was lost with a crashed peer).
struct Workload {
    let roster: Roster
    var lastSubmitted: [Int: (sequence: UInt64, at: MonotonicInstant)] = [:]
    var submitted = 0

    init(roster: Roster) { self.roster = roster }

    mutating func step(_ simulation: inout Simulation<ChainNode>, peers: [Int]) {
        let live = peers.filter { !simulation.isCrashed($0) }
        guard !live.isEmpty else { return }
        let account = Int.random(in: 0..<roster.accountKeys.count, using: &simulation.random)
        let key = roster.accountKeys[account]
        let sender = key.publicKey.address
        // The most advanced live peer's view of the account.
        let next = live.compactMap { id -> UInt64? in
            let state = simulation.node(id)!.store.state
            return try? StateOverlay(base: state).record(.account(sender), as: AccountState.self)?.nextSequence
        }.max() ?? 0
        if let last = lastSubmitted[account], last.sequence >= next, simulation.now < last.at + .seconds(3) {
            return
        }
        let receiver = roster.accountKeys[(account + 1) % roster.accountKeys.count].publicKey.address
        let amount = UInt64.random(in: 1...10_000, using: &simulation.random)
        let transaction = Transaction(sender: sender, sequence: next, lastValidHeight: 1_000_000,
                                      body: .transfer(to: receiver, asset: Roster.usd, amount: amount, memo: []))
            .signed(by: key, network: roster.ledger.networkID)
        let target = live[Int.random(in: 0..<live.count, using: &simulation.random)]
        let now = simulation.now
        if let out = simulation.with(target, { $0.submit(transaction, now: now) }) { simulation.send(out, from: target) }
        lastSubmitted[account] = (next, now)
        submitted += 1
    }
}

/// The checks run on a simulated mesh after every slice of time.
struct MeshChecker {
    /// Every block id committed at each height by anyone.
    var committed: [UInt64: Bytes32] = [:]
    var checkedCommits: [Int: Int] = [:]
    var violations: [String] = []

    /// Agreement: no two honest peers ever commit different blocks at one height.
    mutating func checkAgreement(_ simulation: Simulation<ChainNode>, honest: Set<Int>) {
        for id in honest.sorted() {
            guard let node = simulation.node(id) else { continue }
            let start = checkedCommits[id] ?? 0
            for commit in node.commits.dropFirst(start) {
                if let other = committed[commit.height], other != commit.blockID {
                    violations.append("agreement: peer \(id) committed \(commit.blockID.hex.prefix(12)) at height \(commit.height), another peer \(other.hex.prefix(12))")
                }
                committed[commit.height] = committed[commit.height] ?? commit.blockID
            }
            checkedCommits[id] = node.commits.count
        }
    }

    /// Validity: each peer's chain verifies by certificates from the genesis set,
    /// and the longest one replays through the ledger to the same state roots.
    mutating func checkValidity(_ simulation: Simulation<ChainNode>, honest: Set<Int>, roster: Roster) {
        let genesis = roster.ledger.genesis.authorities.map(\.address)
        var longest: DurableStore?
        for id in honest.sorted() {
            guard let store = simulation.node(id)?.store else { continue }
            var verifier = ChainVerifier(genesisAuthorities: genesis, network: roster.ledger.networkID)
            for height in 1...max(1, store.head.height) where store.head.height > 0 {
                guard let (block, certificate) = store.blocks[height] else {
                    violations.append("validity: peer \(id) lacks block \(height)")
                    break
                }
                do { try verifier.verify(block.header, certificate: certificate) } catch {
                    violations.append("validity: peer \(id) block \(height): \(error)")
                    break
                }
            }
            if store.head.height > longest?.head.height ?? 0 { longest = store }
        }
        guard let longest else { return }
        let initial = roster.ledger.genesisState()
        var state = MemoryState()
        state.apply(initial.writes)
        var root = initial.root
        var parent = Bytes32.zero
        for height in 1...max(1, longest.head.height) where longest.head.height > 0 {
            guard let block = longest.blocks[height]?.block else { break }
            do {
                let execution = try roster.ledger.validate(block, parentID: parent, previousRoot: root, view: state)
                state.apply(execution.writes)
                root = execution.stateRoot
                parent = block.header.id
            } catch {
                violations.append("validity: block \(height) does not replay: \(error)")
                return
            }
        }
    }
}

/// One randomized run: n authorities, loss, a partition that heals, a crash and
/// restart, and sometimes an equivocating authority — within the fault budget.
struct MeshScenario: CustomStringConvertible {
    let seed: UInt64
    let count: Int
    let loss: Double
    let equivocator: Int?
    let crash: (id: Int, at: MonotonicInstant, restartAt: MonotonicInstant)?
    let partition: (groups: [[Int]], at: MonotonicInstant, healAt: MonotonicInstant)?
    var faults = ConsensusEngine.Faults()

    init(seed: UInt64) {
        var random = SeededRandom(seed: seed &* 0x9E37_79B9_7F4A_7C15 ^ 0x5EED)
        self.seed = seed
        count = 4 + Int(seed % 4)
        loss = [0, 0.05, 0.1, 0.2, 0.3][Int.random(in: 0..<5, using: &random)]
        var budget = count - quorum(of: count)
        var ids = Array(0..<count)
        ids.shuffle(using: &random)
        if budget > 0 && Int.random(in: 0..<3, using: &random) == 0 {
            equivocator = ids.removeFirst()
            budget -= 1
        } else {
            equivocator = nil
        }
        if budget > 0 && Int.random(in: 0..<3, using: &random) > 0 {
            let at = MonotonicInstant.zero + .seconds(UInt64.random(in: 3...15, using: &random))
            crash = (ids.removeFirst(), at, at + .seconds(UInt64.random(in: 2...12, using: &random)))
        } else {
            crash = nil
        }
        if Int.random(in: 0..<4, using: &random) > 0 {
            var members = Array(0..<count)
            members.shuffle(using: &random)
            let cut = Int.random(in: 1..<count, using: &random)
            let at = MonotonicInstant.zero + .seconds(UInt64.random(in: 5...20, using: &random))
            partition = ([Array(members[..<cut]), Array(members[cut...])], at, at + .seconds(UInt64.random(in: 3...30, using: &random)))
        } else {
            partition = nil
        }
    }

    var description: String {
        var parts = ["seed \(seed): n=\(count) loss=\(Int(loss * 100))%"]
        if let equivocator { parts.append("equivocator \(equivocator)") }
        if let crash { parts.append("crash \(crash.id) at \(Self.seconds(crash.at))s, restart at \(Self.seconds(crash.restartAt))s") }
        if let partition {
            parts.append("partition \(partition.groups) at \(Self.seconds(partition.at))s, heal at \(Self.seconds(partition.healAt))s")
        }
        return parts.joined(separator: ", ")
    }

    /// When every fault is over; liveness is measured from here.
    var recoveredAt: MonotonicInstant { max(crash?.restartAt ?? .zero, partition?.healAt ?? .zero, .zero + .seconds(3)) }

    /// Whole seconds of simulated time, as the scenario's description gives them.
    static func seconds(_ instant: MonotonicInstant) -> Int64 { instant.sinceStart.nanoseconds / 1_000_000_000 }

    struct Outcome {
        var violations: [String]
        /// Seconds from recovery to each live honest peer's first commit after it.
        var recovery: [Double]
        var height: UInt64
        var evidenceCommitted: Bool
    }

    func run(observe: (Simulation<ChainNode>) -> Void = { _ in }) -> Outcome {
        let roster = Roster(authorities: count)
        var simulation = Simulation<ChainNode>(
            seed: seed, profile: .init(loss: loss, delay: .milliseconds(5), jitter: .milliseconds(20)),
            tickInterval: .milliseconds(10))
        for id in 0..<count {
            var configuration = ConsensusEngine.Configuration()
            if id == equivocator { configuration.faults.equivocate = true }
            configuration.faults.core = faults.core
            simulation.add(id, ChainNode(id: id, roster: roster, configuration: configuration, seed: seed))
        }
        let honest = Set((0..<count).filter { $0 != equivocator })
        var checker = MeshChecker()
        var workload = Workload(roster: roster)
        let slice: Duration = .milliseconds(250)
        let end = recoveredAt + .seconds(12)
        var crashed = false, restarted = false, partitioned = false, healed = false
        var commitsAtRecovery: [Int: Int] = [:]
        var firstCommitAfterRecovery: [Int: MonotonicInstant] = [:]
        while simulation.now < end {
            let now = simulation.now
            if let crash, !crashed, now >= crash.at {
                crashed = true
                simulation.crash(crash.id)
            }
            if let crash, crashed, !restarted, now >= crash.restartAt {
                restarted = true
                let store = simulation.node(crash.id)!.store
                var configuration = ConsensusEngine.Configuration()
                configuration.faults.core = faults.core
                simulation.restart(crash.id, as: ChainNode(id: crash.id, roster: roster, store: store,
                                                           configuration: configuration, seed: seed, now: now))
            }
            if let partition, !partitioned, now >= partition.at {
                partitioned = true
                simulation.partition(partition.groups)
            }
            if let partition, partitioned, !healed, now >= partition.healAt {
                healed = true
                simulation.heal()
            }
            if now >= recoveredAt && commitsAtRecovery.isEmpty {
                for id in honest { commitsAtRecovery[id] = simulation.node(id)!.commits.count }
            }
            workload.step(&simulation, peers: Array(0..<count))
            simulation.run(for: slice)
            checker.checkAgreement(simulation, honest: honest)
            observe(simulation)
            if !commitsAtRecovery.isEmpty {
                for id in honest where firstCommitAfterRecovery[id] == nil && !simulation.isCrashed(id) {
                    let node = simulation.node(id)!
                    if node.commits.count > commitsAtRecovery[id]! {
                        firstCommitAfterRecovery[id] = node.commits[commitsAtRecovery[id]!].at
                    }
                }
            }
        }
        checker.checkValidity(simulation, honest: honest, roster: roster)
        for id in honest.sorted() {
            if let failure = simulation.node(id)?.failures.first {
                checker.violations.append("storage: peer \(id) failed to read or write its store: \(failure)")
            }
        }
        var recovery: [Double] = []
        for id in honest.sorted() {
            guard let at = firstCommitAfterRecovery[id] else {
                checker.violations.append("liveness: peer \(id) committed nothing within 12 s of recovery")
                continue
            }
            let seconds = Double(max(.zero, at - recoveredAt).nanoseconds) / 1e9
            recovery.append(seconds)
            if seconds > 10 { checker.violations.append("liveness: peer \(id) first committed \(seconds) s after recovery") }
        }
        var evidenceCommitted = false
        if let equivocator {
            let offender = roster.address(equivocator)
            let longest = honest.compactMap { simulation.node($0)?.store }.max { $0.head.height < $1.head.height }
            for (_, stored) in longest?.blocks ?? [:] {
                if (try? stored.block.offenses())?.contains(where: { $0.authority == offender }) == true { evidenceCommitted = true }
            }
        }
        let height = honest.compactMap { simulation.node($0)?.store.head.height }.max() ?? 0
        return Outcome(violations: checker.violations, recovery: recovery, height: height, evidenceCommitted: evidenceCommitted)
    }
}
