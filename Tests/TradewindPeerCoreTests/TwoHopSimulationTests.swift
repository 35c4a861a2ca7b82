import Testing
import TradewindConsensus
import TradewindLedger
import TradewindPeerCore
import TradewindSimulation
import TradewindWire

/// A participant whose datagrams reach one other member alone (index 4 reaches
/// index 5 only): everything it submits crosses two gossip hops, and all of it must
/// commit everywhere.
@Suite struct TwoHopSimulationTests {
    let roster = MeshRoster(authorities: 4, participants: 2)
    var isolated: Address { roster.addresses[4] }
    var relay: Address { roster.addresses[5] }

    /// The mesh after membership converged, with the isolated participant cut off
    /// from the authorities both ways.
    func mesh(seed: UInt64) -> Simulation<MeshNode> {
        var simulation = Simulation<MeshNode>(seed: seed, profile: .init(delay: .milliseconds(2), jitter: .milliseconds(3)),
                                              tickInterval: .milliseconds(50))
        for index in 0..<6 {
            simulation.add(roster.addresses[index], MeshNode(index: index, roster: roster, seeds: [0, 1], seed: seed))
        }
        simulation.run(for: .seconds(5))
        for other in roster.addresses[0..<4] {
            simulation.linkProfiles[[isolated, other]] = .init(loss: 1)
            simulation.linkProfiles[[other, isolated]] = .init(loss: 1)
        }
        simulation.run(for: .seconds(3))
        return simulation
    }

    func transfer(_ sequence: UInt64) -> Transaction {
        let key = roster.participantKeys[0]
        return Transaction(sender: key.publicKey.address, sequence: sequence, lastValidHeight: 1_000_000,
                           body: .transfer(to: relay, asset: MeshRoster.usd, amount: 1, memo: []))
            .signed(by: key, network: roster.ledger.networkID)
    }

    func submit(_ transaction: Transaction, in simulation: inout Simulation<MeshNode>) -> Bool {
        let now = simulation.now
        let isolated = isolated
        guard let (submission, out) = simulation.with(isolated, { $0.submit(transaction, now: now) }) else { return false }
        simulation.send(out, from: isolated)
        if case .accepted = submission { return true }
        return false
    }

    func expectCommittedEverywhere(_ count: UInt64, in simulation: Simulation<MeshNode>, _ context: String) {
        for address in roster.addresses {
            guard let node = simulation.node(address) else { continue }
            let committed = node.core.counters.committedTransactions
            #expect(committed == count, "\(context): \(address) committed \(committed) of \(count)")
        }
    }

    @Test(arguments: [UInt64(1), 2, 3])
    func transfersSentOneAfterAnotherCommitEverywhere(seed: UInt64) {
        var simulation = mesh(seed: seed)
        for sequence in 0..<UInt64(100) {
            #expect(submit(transfer(sequence), in: &simulation))
            // One after another, as a client's sends are.
            simulation.run(for: .milliseconds(100))
        }
        simulation.run(for: .seconds(20))
        expectCommittedEverywhere(100, in: simulation, "seed \(seed)")
    }

    /// Every copy is lost for longer than the digests and anti-entropy keep it
    /// announced (the relay's inbound link drops all for 6 s): only the submitting peer
    /// holds the transaction, and it announces it again until it commits.
    @Test func aTransactionWhoseEveryCopyWasLostIsAnnouncedAgainUntilItCommits() {
        var simulation = mesh(seed: 5)
        simulation.linkProfiles[[isolated, relay]] = .init(loss: 1)
        let transaction = transfer(0)
        #expect(submit(transaction, in: &simulation))
        simulation.run(for: .seconds(6))
        expectCommittedEverywhere(0, in: simulation, "while the link is down")
        for address in roster.addresses where address != isolated {
            #expect(simulation.node(address)?.core.dissemination.hasSeen(transaction.id) == false,
                    "\(address) heard of it through a link that drops everything")
        }
        let announcedWhileDown = simulation.node(isolated)?.core.counters.reannounced ?? 0
        simulation.linkProfiles[[isolated, relay]] = nil
        simulation.run(for: .seconds(20))
        expectCommittedEverywhere(1, in: simulation, "after the link is back")
        #expect(simulation.node(isolated)?.core.counters.reannounced ?? 0 > announcedWhileDown,
                "announced again after the link came back")
    }
}
