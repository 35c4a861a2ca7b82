import Testing
import TradewindConsensus
import TradewindLedger
import TradewindPeerCore
import TradewindWire

/// A peer counts as quiet (and its shell ticks slowly) only when nothing a block
/// could take waits: a transaction parked behind a missing sequence keeps no peer busy,
/// a ready one does until a block takes it.
@Suite struct QuietTickTests {
    static let roster = MeshRoster(authorities: 4, participants: 1)

    /// The participant alone: the authorities it knows never answer, so no block comes.
    static func participant() -> MeshNode {
        MeshNode(index: 4, roster: roster, seeds: [0, 1, 2, 3], seed: 7)
    }

    static func transfer(sequence: UInt64) -> Transaction {
        let key = roster.participantKeys[0]
        return Transaction(sender: key.publicKey.address, sequence: sequence, lastValidHeight: 1_000,
                           body: .transfer(to: roster.authorityKeys[0].publicKey.address, asset: MeshRoster.usd,
                                           amount: 1, memo: []))
            .signed(by: key, network: roster.ledger.networkID)
    }

    /// Ticks every 10 ms up to `seconds`.
    static func run(_ node: inout MeshNode, until seconds: Int) {
        var now = node.clock
        while now < .zero + .seconds(seconds) {
            now = now + .milliseconds(10)
            _ = node.tick(now: now)
        }
    }

    @Test func aParkedTransactionLetsThePeerGoQuiet() {
        var node = Self.participant()
        let (submission, _) = node.submit(Self.transfer(sequence: 1), now: .zero + .milliseconds(10))
        #expect(submission?.acceptedID != nil)
        let busyAtFirst = !node.core.isQuiet
        #expect(busyAtFirst)
        Self.run(&node, until: 3)
        #expect(node.core.engine.mempool.count == 1 && !node.core.engine.hasWork)
        let quiet = node.core.isQuiet
        #expect(quiet)
    }

    @Test func aReadyTransactionKeepsThePeerBusy() {
        var node = Self.participant()
        let (submission, _) = node.submit(Self.transfer(sequence: 0), now: .zero + .milliseconds(10))
        #expect(submission?.acceptedID != nil)
        Self.run(&node, until: 3)
        #expect(node.core.engine.hasWork)
        let quiet = node.core.isQuiet
        #expect(!quiet)
    }
}
