import Testing
import TradewindGossip
import TradewindWire

/// The gossip messages of docs/PROTOCOL.md §6, byte for byte: a client written from
/// the document sends these.
@Suite struct GossipProtocolExampleTests {
    static let member = Address(publicKey: Bytes32([UInt8](repeating: 0x11, count: 32))!)
    static let endpoint = PeerEndpoint(ip: [192, 0, 2, 10], port: 7001)!
    static let root = Bytes32([UInt8](repeating: 0xab, count: 32))!

    static let examples: [(name: String, envelope: GossipEnvelope, hex: String)] = [
        ("join: sync with the newcomer's own update",
         .membership(.sync(members: [.init(id: member, incarnation: 0, status: .alive, address: endpoint, role: .participant,
                                           height: 0, reporter: nil)], isReply: false)),
         "0205011111111111111111111111111111111111111111111111111111111111111111000004c000020a1b5900000000"),
        ("ping, sequence 1, no updates", .membership(.ping(sequence: 1, updates: [])), "02000100"),
        ("push of a 3-byte transaction payload", .dissemination(.push(.transactions, payload: [0xaa, 0xbb, 0xcc])),
         "020a0003aabbcc"),
        ("ihave, blocks topic, one id", .dissemination(.ihave(.blocks, ids: [root])),
         "020b0201abababababababababababababababababababababababababababababababab"),
        ("part announce: 3 parts, 2000 bytes, tag 0xB0 (a committed block)",
         .parts(.announce(root: root, count: 3, size: 2000, tag: 0xB0)),
         "0214abababababababababababababababababababababababababababababababab00000003000007d0b001"),
        ("direct: block request for height 7", .direct([6, 7]), "021e020607"),
    ]

    @Test func documentedBytes() throws {
        for example in Self.examples {
            let bytes = example.envelope.wireEncoded
            #expect(Hex.encode(bytes) == example.hex, "\(example.name): \(Hex.encode(bytes))")
            #expect(try GossipEnvelope(wireEncoded: Hex.decode(example.hex) ?? []).wireEncoded == bytes)
        }
    }
}
