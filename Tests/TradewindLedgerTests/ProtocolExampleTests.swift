import Foundation
import Testing
import TradewindCrypto
import TradewindLedger
import TradewindWire

/// The transaction example of docs/PROTOCOL.md §5, byte for byte.
@Suite struct LedgerProtocolExampleTests {
    static func example() throws -> Transaction {
        let sender = try Ed25519.PrivateKey(seed: [UInt8](repeating: 0x33, count: 32))
        let receiver = try Ed25519.PrivateKey(seed: [UInt8](repeating: 0x44, count: 32))
        let network = Blake2b.hash256(Array("doc network".utf8))
        return Transaction(
            sender: sender.publicKey.address, sequence: 0, lastValidHeight: 100,
            body: .transfer(to: receiver.publicKey.address, asset: AssetCode("USD")!, amount: 1250, memo: Array("inv-7".utf8))
        ).signed(by: sender, network: network)
    }

    @Test func documentShowsThisTransaction() throws {
        let transaction = try Self.example()
        let hex = Hex.encode(transaction.wireEncoded)
        let id = transaction.id.hex
        if ProcessInfo.processInfo.environment["TRADEWIND_PRINT_EXAMPLE"] != nil {
            print("tx \(hex)\nid \(id)\nnetwork \(Blake2b.hash256(Array("doc network".utf8)).hex)")
            print("sender \(transaction.sender) receiver \(try Ed25519.PrivateKey(seed: [UInt8](repeating: 0x44, count: 32)).publicKey.address)")
        }
        let docURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/PROTOCOL.md")
        let document = try String(contentsOf: docURL, encoding: .utf8)
            .replacingOccurrences(of: " ", with: "").replacingOccurrences(of: "\n", with: "")
        let hasTransaction = document.contains(hex)
        let hasID = document.contains(id)
        #expect(hasTransaction, "docs/PROTOCOL.md lacks the example transaction \(hex)")
        #expect(hasID, "docs/PROTOCOL.md lacks the example id \(id)")
        #expect(try Transaction(wireEncoded: transaction.wireEncoded) == transaction)
    }
}
