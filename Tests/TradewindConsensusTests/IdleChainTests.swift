import Testing
import TradewindConsensus
import TradewindCrypto
import TradewindLedger
import TradewindSimulation
import TradewindWire

/// A chain whose heartbeat is long (10 s, `tradewind genesis`'s default): an idle
/// network makes few empty blocks, yet a deadline transition sent just after its
/// deadline applies, and a crashed round-0 proposer costs a waiting transaction one
/// propose timeout, not a heartbeat.
@Suite struct IdleChainTests {
    static let roster: Roster = {
        var parameters = Genesis.Parameters()
        parameters.blockIntervalMs = 200
        parameters.heartbeatIntervalMs = 10_000
        return Roster(authorities: 4, parameters: parameters)
    }()

    static func signed(_ account: Int, _ sequence: UInt64, _ body: TransactionBody) -> Transaction {
        Transaction(sender: roster.accountKeys[account].publicKey.address, sequence: sequence, lastValidHeight: 1_000_000,
                    body: body)
            .signed(by: roster.accountKeys[account], network: roster.ledger.networkID)
    }

    static func submit(_ transaction: Transaction, to node: Int, in simulation: inout Simulation<ChainNode>) {
        let now = simulation.now
        if let out = simulation.with(node, { $0.submit(transaction, now: now) }) { simulation.send(out, from: node) }
    }

    static func simulation() -> Simulation<ChainNode> {
        var simulation = Simulation<ChainNode>(seed: 11, profile: .init(delay: .milliseconds(2)), tickInterval: .milliseconds(10))
        for id in 0..<roster.count { simulation.add(id, ChainNode(id: id, roster: roster)) }
        simulation.run(for: .seconds(1))
        return simulation
    }

    static func wallMilliseconds(_ simulation: Simulation<ChainNode>) -> UInt64 {
        ChainNode.time(simulation.now).wall.milliseconds
    }

    /// Where `transaction` committed at `node`, if it did.
    static func committedHeight(_ transaction: Transaction, at node: Int, in simulation: Simulation<ChainNode>) -> UInt64? {
        guard let store = simulation.node(node)?.store, store.head.height > 0 else { return nil }
        return (1...store.head.height).first { store.blocks[$0]?.block.transactions.contains(transaction) == true }
    }

    @Test func anIdleChainMakesAHeartbeatBlockEveryTenSeconds() {
        var simulation = Self.simulation()
        simulation.run(for: .seconds(40))
        let heights = (0..<4).compactMap { simulation.node($0)?.store.head.height }
        // 41 s from genesis: heartbeats at about 10, 20, 30 and 40 s.
        #expect(heights.allSatisfy { (3...4).contains($0) }, "\(heights)")
    }

    /// An order created and accepted, shipping by `shippingIn` ms from now; the
    /// simulation, the order id and ship-by.
    static func acceptedOrder(shippingIn: UInt64 = 5_000) -> (Simulation<ChainNode>, Bytes32, UInt64) {
        var simulation = Self.simulation()
        let shipBy = Self.wallMilliseconds(simulation) + shippingIn
        let terms = OrderTerms(seller: Self.roster.accountKeys[1].publicKey.address, asset: Roster.usd, price: 1_000,
                               goodsHash: .zero, shipBy: shipBy, deliverBy: shipBy + 60_000)
        let create = Self.signed(0, 0, .orderCreate(terms))
        Self.submit(create, to: 0, in: &simulation)
        simulation.run(for: .seconds(1))
        Self.submit(Self.signed(1, 0, .orderAccept(order: create.id)), to: 1, in: &simulation)
        simulation.run(for: .seconds(1))
        return (simulation, create.id, shipBy)
    }

    static func expectRefunded(_ refund: Transaction, _ order: Bytes32, in simulation: Simulation<ChainNode>) {
        for node in 0..<4 {
            #expect(Self.committedHeight(refund, at: node, in: simulation) != nil, "peer \(node)")
            let stored = simulation.node(node).flatMap { try? StateOverlay(base: $0.store.state).record(.order(order), as: Order.self) }
            #expect(stored?.state == .refunded, "peer \(node): \(String(describing: stored?.state))")
        }
    }

    @Test func aRefundSentOneSecondAfterShipByCommitsWithSuccess() {
        var (simulation, order, shipBy) = Self.acceptedOrder()
        simulation.run(until: .zero + .milliseconds(Int64(shipBy - Roster.genesisTime) + 1_000))
        // The last block (the accept's) predates ship-by: the refund is too early for
        // the next block's t and waits for the block after it.
        let parentTime = simulation.node(0)?.store.head.time ?? 0
        #expect(parentTime < shipBy, "the last block (t = \(parentTime)) should predate ship-by \(shipBy)")
        let sentAt = simulation.now
        let refund = Self.signed(0, 1, .orderRefund(order: order))
        Self.submit(refund, to: 3, in: &simulation)
        simulation.run(for: .seconds(2))
        Self.expectRefunded(refund, order, in: simulation)
        let committedAt = simulation.node(0)?.commits.first { $0.height == Self.committedHeight(refund, at: 0, in: simulation) }?.at
        #expect(committedAt.map { $0 - sentAt < .seconds(1) } == true, "\(String(describing: committedAt)) sent \(sentAt)")
    }

    /// Sent before ship-by, a refund waits in every mempool (its sequence unused)
    /// and commits, successfully, in the first block whose parent is past ship-by.
    @Test func aRefundSentBeforeShipByWaitsForItAndThenCommits() {
        var (simulation, order, shipBy) = Self.acceptedOrder()
        let refund = Self.signed(0, 1, .orderRefund(order: order))
        Self.submit(refund, to: 2, in: &simulation)
        simulation.run(for: .seconds(1))
        for node in 0..<4 {
            #expect(simulation.node(node)?.engine.mempool.standing(refund.id) == .deferred(until: shipBy), "peer \(node)")
        }
        #expect(Self.committedHeight(refund, at: 0, in: simulation) == nil)
        simulation.run(until: .zero + .milliseconds(Int64(shipBy - Roster.genesisTime) + 1_000))
        Self.expectRefunded(refund, order, in: simulation)
        let height = Self.committedHeight(refund, at: 0, in: simulation) ?? 0
        let parent = simulation.node(0)?.store.blocks[height - 1]?.block.header.time ?? 0
        #expect(parent >= shipBy, "committed in block \(height) whose parent's t = \(parent) < ship-by \(shipBy)")
    }

    /// What a peer answers the buyer who sends a refund now (on a copy of its engine).
    static func submission(of refund: Transaction, at node: Int, in simulation: Simulation<ChainNode>) throws
        -> ConsensusEngine.Submission {
        let peer = try #require(simulation.node(node))
        var engine = peer.engine
        return engine.submit(refund, now: ChainNode.time(simulation.now), state: peer.store.state).0
    }

    /// Sent early, a refund is kept with the time it applies from; sent more than the
    /// parked lifetime (60 s) early it is refused with the same code, naming when to
    /// send it: kept, it would hold back every later transaction of its sender.
    @Test func aRefundIsKeptOnlyWhenItsDeadlineIsWithinAMinute() throws {
        let (near, nearOrder, nearShipBy) = Self.acceptedOrder(shippingIn: 5_000)
        let kept = try Self.submission(of: Self.signed(0, 1, .orderRefund(order: nearOrder)), at: 2, in: near)
        guard case let .deferred(_, result) = kept else {
            Issue.record("\(kept)")
            return
        }
        #expect(result.code == .terTOO_EARLY && result.appliesFrom == nearShipBy, "\(result)")

        let (far, farOrder, farShipBy) = Self.acceptedOrder(shippingIn: 65_000)
        let refused = try Self.submission(of: Self.signed(0, 1, .orderRefund(order: farOrder)), at: 2, in: far)
        guard case let .rejected(reason) = refused else {
            Issue.record("\(refused)")
            return
        }
        #expect(reason.code == .terTOO_EARLY && reason.appliesFrom == farShipBy, "\(reason)")
        #expect(reason.message.contains("ship-by \(farShipBy)") && reason.message.contains("send it within 60"), "\(reason.message)")
    }

    /// A refund that skipped admission's look at its deadline (sent right behind
    /// another transaction of its sender) and whose deadline is minutes away is dropped
    /// by the proposers that find it too early, not kept to hold its sender back.
    @Test func aFarRefundSentBehindAnotherTransactionIsDroppedByTheProposers() {
        var (simulation, order, _) = Self.acceptedOrder(shippingIn: 300_000)
        let transfer = Self.signed(0, 1, .transfer(to: Self.roster.accountKeys[5].publicKey.address, asset: Roster.usd,
                                                   amount: 1, memo: []))
        let refund = Self.signed(0, 2, .orderRefund(order: order))
        Self.submit(transfer, to: 2, in: &simulation)
        Self.submit(refund, to: 2, in: &simulation)
        // Every authority proposes at least once over a few heartbeat blocks.
        simulation.run(for: .seconds(50))
        #expect(Self.committedHeight(transfer, at: 0, in: simulation) != nil)
        #expect(Self.committedHeight(refund, at: 0, in: simulation) == nil)
        for node in 0..<4 {
            #expect(simulation.node(node)?.engine.mempool.contains(refund.id) == false, "peer \(node) still holds the refund")
        }
    }

    /// The round-0 proposer of the next height is down: validators give up on it one
    /// propose timeout after the block interval, not after the 10 s heartbeat.
    @Test func aTransferCommitsWithinTheBlockIntervalAndTwoSecondsWhenRoundZerosProposerIsDown() throws {
        var simulation = Self.simulation()
        simulation.run(for: .seconds(12))
        let engine = try #require(simulation.node(0)?.engine)
        #expect(engine.head.height >= 1, "no heartbeat block in 13 s")
        let proposer = try #require(Self.roster.id(of: engine.proposer(round: 0)))
        simulation.crash(proposer)
        let submitter = (proposer + 1) % 4
        let sentAt = simulation.now
        let transfer = Self.signed(3, 0, .transfer(to: Self.roster.accountKeys[4].publicKey.address, asset: Roster.usd,
                                                   amount: 1, memo: []))
        Self.submit(transfer, to: submitter, in: &simulation)
        simulation.run(for: .seconds(5))
        let committed = Self.committedHeight(transfer, at: submitter, in: simulation)
        let height = try #require(committed, "not committed within 5 s")
        let commitTimes = simulation.node(submitter)?.commits.filter { $0.height == height }.map(\.at) ?? []
        let committedAt = try #require(commitTimes.first)
        let limit = Duration.milliseconds(Int64(Self.roster.ledger.parameters.blockIntervalMs)) + .seconds(2)
        #expect(committedAt - sentAt <= limit, "committed \(committedAt - sentAt) after it was sent; limit \(limit)")
    }
}
