import Testing
import TradewindGossip
import TradewindNoise
import TradewindWire

/// A transaction always travels in one datagram, wrapped as the gossip push that
/// carries it (docs/PROTOCOL.md §6.1, "Datagram floor").
@Suite struct DatagramFloorTests {
    @Test func aMaximalTransactionInItsPushFitsOneDatagram() throws {
        let largest = Int(Genesis.maxTransactionBytesLimit)
        let push = GossipEnvelope.dissemination(.push(.transactions, payload: [UInt8](repeating: 0xee, count: largest)))
        let wrapped = push.wireEncoded.count
        #expect(wrapped == largest + 5, "version, kind, topic, a two-byte length, the transaction")
        #expect(throws: Never.self) { try TransportConfiguration().validate(maxTransactionSize: wrapped) }
        #expect(wrapped + Datagram.messageOverhead <= TransportConfiguration().maxDatagramPayload)

        var tooSmall = TransportConfiguration()
        tooSmall.maxDatagramPayload = wrapped + Datagram.messageOverhead - 1
        #expect(throws: TransportConfiguration.Problem.self) { try tooSmall.validate(maxTransactionSize: wrapped) }
    }
}
