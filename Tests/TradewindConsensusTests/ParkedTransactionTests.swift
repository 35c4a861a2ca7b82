import Testing
import TradewindConsensus
import TradewindCrypto
import TradewindLedger
import TradewindSimulation
import TradewindWire

/// Transactions that arrive ahead of their account's next sequence, through whole
/// engines: parked until the gap fills (then committed in order), kept across the
/// commits in between, and dropped if the gap stays open for the parked lifetime.
@Suite struct ParkedTransactionTests {
    static let roster = Roster(authorities: 4)

    static func transfer(_ account: Int, _ sequence: UInt64) -> Transaction {
        Transaction(sender: roster.accountKeys[account].publicKey.address, sequence: sequence, lastValidHeight: 1_000_000,
                    body: .transfer(to: roster.accountKeys[7].publicKey.address, asset: Roster.usd, amount: 1, memo: []))
            .signed(by: roster.accountKeys[account], network: roster.ledger.networkID)
    }

    static func submit(_ transaction: Transaction, to node: Int, in simulation: inout Simulation<ChainNode>) {
        let now = simulation.now
        if let out = simulation.with(node, { $0.submit(transaction, now: now) }) { simulation.send(out, from: node) }
    }

    static func nextSequence(_ account: Int, at node: Int, in simulation: Simulation<ChainNode>) -> UInt64 {
        guard let state = simulation.node(node)?.store.state else { return 0 }
        let address = roster.accountKeys[account].publicKey.address
        return (try? StateOverlay(base: state).record(.account(address), as: AccountState.self))??.nextSequence ?? 0
    }

    static func simulation() -> Simulation<ChainNode> {
        var simulation = Simulation<ChainNode>(seed: 5, profile: .init(delay: .milliseconds(2)),
                                               tickInterval: .milliseconds(10))
        for id in 0..<roster.count { simulation.add(id, ChainNode(id: id, roster: roster)) }
        simulation.run(for: .seconds(2))
        return simulation
    }

    @Test func parkedTransactionsSurviveCommitsAndApplyInOrderOnceTheGapFills() {
        var simulation = Self.simulation()
        let (t0, t1, t2, t3) = (Self.transfer(0, 0), Self.transfer(0, 1), Self.transfer(0, 2), Self.transfer(0, 3))
        Self.submit(t2, to: 0, in: &simulation)
        Self.submit(t3, to: 0, in: &simulation)
        simulation.run(for: .seconds(2))
        #expect(Self.nextSequence(0, at: 1, in: simulation) == 0)
        for node in 0..<4 {
            guard case .waiting(missing: 0, _)? = simulation.node(node)?.engine.mempool.standing(t2.id) else {
                Issue.record("peer \(node): \(String(describing: simulation.node(node)?.engine.mempool.standing(t2.id)))")
                continue
            }
        }

        // Sequence 0 commits; 2 and 3 stay through that commit, now waiting for 1.
        Self.submit(t0, to: 1, in: &simulation)
        simulation.run(for: .seconds(2))
        #expect(Self.nextSequence(0, at: 0, in: simulation) == 1)
        for node in 0..<4 {
            let mempool = simulation.node(node)?.engine.mempool
            #expect(mempool?.count == 2, "peer \(node)")
            guard case .waiting(missing: 1, _)? = mempool?.standing(t3.id) else {
                Issue.record("peer \(node): \(String(describing: mempool?.standing(t3.id)))")
                continue
            }
        }

        // The gap fills: 1, 2 and 3 commit, in sequence order.
        Self.submit(t1, to: 2, in: &simulation)
        simulation.run(for: .seconds(2))
        #expect(Self.nextSequence(0, at: 3, in: simulation) == 4)
        #expect((0..<4).allSatisfy { simulation.node($0)?.engine.mempool.isEmpty == true })
        let store = simulation.node(0)!.store
        let order = (1...store.head.height).flatMap { store.blocks[$0]?.block.transactions ?? [] }
            .filter { $0.sender == t0.sender }.map(\.sequence)
        #expect(order == [0, 1, 2, 3])
    }

    @Test func aParkedTransactionWhoseGapStaysOpenIsDroppedAfterSixtySeconds() {
        var simulation = Self.simulation()
        let parked = Self.transfer(1, 4)
        Self.submit(parked, to: 0, in: &simulation)
        simulation.run(for: .seconds(59))
        #expect((0..<4).allSatisfy { simulation.node($0)?.engine.mempool.contains(parked.id) == true })
        simulation.run(for: .seconds(2))
        #expect((0..<4).allSatisfy { simulation.node($0)?.engine.mempool.isEmpty == true })
        #expect(Self.nextSequence(1, at: 0, in: simulation) == 0)
        // Blocks kept coming meanwhile (at the heartbeat): a parked transaction is no reason for more.
        #expect((simulation.node(0)?.store.head.height ?? 0) > 10)
    }
}
