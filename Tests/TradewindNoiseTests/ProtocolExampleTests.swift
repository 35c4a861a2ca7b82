import Foundation
import TradewindTestSupport
import Testing
import TradewindCrypto
import TradewindNoise
import TradewindWire

/// The worked example of docs/PROTOCOL.md §4: fixed keys, a seeded generator and a
/// fixed clock give fixed datagrams; the document must show exactly these bytes.
@Suite struct ProtocolExampleTests {
    static func exampleDatagrams() throws -> (initiation: [UInt8], response: [UInt8], data: [UInt8]) {
        var network = TestNetwork()
        let initiator = try Ed25519.PrivateKey(seed: [UInt8](repeating: 0x11, count: 32))
        let responder = try Ed25519.PrivateKey(seed: [UInt8](repeating: 0x22, count: 32))
        network.addNode(1, seed: 1, identity: initiator)
        network.addNode(2, seed: 2, identity: responder)
        try network.connectAll()
        network.send(Array("hello".utf8), from: 1, to: 2)
        network.run()
        let sent = network.sent.map(\.datagram)
        let initiation = try #require(sent.first { $0[0] == 1 })
        let response = try #require(sent.first { $0[0] == 2 })
        let data = try #require(sent.first { $0[0] == 4 })
        #expect(network.messages(at: 2) == [Array("hello".utf8)])
        return (initiation, response, data)
    }

    /// The ephemeral secrets the seeded generators give (the first 32 draws of each),
    /// listed in the document so the example can be reproduced with any Noise library.
    @Test func documentedEphemeralKeysAreTheOnesUsed() throws {
        let (initiation, response, _) = try Self.exampleDatagrams()
        for (seed, datagram, offset) in [(UInt64(1), initiation, 8), (UInt64(2), response, 12)] {
            var generator = SeededGenerator(seed: seed)
            let secret = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let key = try X25519.PrivateKey(secretBytes: secret)
            if ProcessInfo.processInfo.environment["TRADEWIND_PRINT_EXAMPLE"] != nil {
                print("ephemeral seed \(seed) secret \(Hex.encode(secret)) public \(key.publicKey)")
            }
            #expect(Array(datagram[offset..<(offset + 32)]) == key.publicKey.bytes32.bytes)
        }
    }

    @Test func documentShowsTheseBytes() throws {
        let (initiation, response, data) = try Self.exampleDatagrams()
        let docURL = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/PROTOCOL.md")
        let document = try String(contentsOf: docURL, encoding: .utf8)
            .replacingOccurrences(of: " ", with: "").replacingOccurrences(of: "\n", with: "")
        for (name, datagram) in [("initiation", initiation), ("response", response), ("data", data)] {
            let hex = Hex.encode(datagram)
            if ProcessInfo.processInfo.environment["TRADEWIND_PRINT_EXAMPLE"] != nil { print("\(name) \(hex)") }
            let documented = document.contains(hex)
            #expect(documented, "docs/PROTOCOL.md lacks the \(name) datagram \(hex)")
        }
    }
}
