import Testing
import TradewindConsensus
import TradewindGossip
import TradewindLedger
import TradewindPeerCore
import TradewindWire

/// A transaction pushed by gossip while the same one, answered to a request, is at
/// the signature check is settled when that check returns: delivered and relayed,
/// not left pending until the prune.
@Suite struct PushDuringDirectCheckTests {
    @Test func aPushOfATransactionAlreadyBeingCheckedIsSettledByThatCheck() throws {
        let roster = MeshRoster(authorities: 4, participants: 2)
        var node = MeshNode(index: 4, roster: roster, seeds: [0], seed: 3)
        let key = roster.participantKeys[1]
        let transaction = Transaction(sender: key.publicKey.address, sequence: 0, lastValidHeight: 1_000,
                                      body: .transfer(to: roster.addresses[0], asset: MeshRoster.usd, amount: 1, memo: []))
            .signed(by: key, network: roster.ledger.networkID)
        var (core, storage) = (node.core, node.storage)
        let time = MeshNode.time(.zero + .seconds(1))
        let answered = GossipEnvelope.direct(ConsensusMessage.transactions([transaction]).wireEncoded)
        let first = try core.receive(answered.wireEncoded, from: roster.addresses[0], now: time, storage: &storage)
        #expect(first.contains { if case .verify = $0 { return true } else { return false } })
        let pushed = GossipEnvelope.dissemination(.push(.transactions, payload: transaction.wireEncoded))
        let second = try core.receive(pushed.wireEncoded, from: roster.addresses[1], now: time, storage: &storage)
        #expect(!second.contains { if case .verify = $0 { return true } else { return false } }, "checked once")
        _ = try core.checked([.init(identified: IdentifiedTransaction(transaction), signatureValid: true)], now: time,
                             storage: &storage)
        (node.core, node.storage) = (core, storage)
        #expect(node.core.engine.mempool.contains(transaction.id))
        #expect(node.core.dissemination.delivered == 1, "the push was settled (accepted) by the one check")
    }
}
