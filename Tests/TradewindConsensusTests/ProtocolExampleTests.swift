import Foundation
import Testing
import TradewindConsensus
import TradewindCrypto
import TradewindWire

/// The vote example of docs/PROTOCOL.md §7, byte for byte.
@Suite struct ConsensusProtocolExampleTests {
    static func example() throws -> Vote {
        let validator = try Ed25519.PrivateKey(seed: [UInt8](repeating: 0x55, count: 32))
        let network = Blake2b.hash256(Array("doc network".utf8))
        return Vote(kind: .precommit, height: 7, round: 1, blockID: Blake2b.hash256(Array("doc block".utf8)),
                    validator: validator.publicKey.address).signed(by: validator, network: network)
    }

    @Test func documentShowsThisVote() throws {
        let vote = try Self.example()
        let hex = Hex.encode(vote.wireEncoded)
        let digest = ConsensusDomain.vote.digest(network: Blake2b.hash256(Array("doc network".utf8)), body: vote.signingBody).hex
        if ProcessInfo.processInfo.environment["TRADEWIND_PRINT_EXAMPLE"] != nil {
            print("vote \(hex)\ndigest \(digest)\nvalidator \(vote.validator)")
        }
        let docURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/PROTOCOL.md")
        let document = try String(contentsOf: docURL, encoding: .utf8)
            .replacingOccurrences(of: " ", with: "").replacingOccurrences(of: "\n", with: "")
        let hasVote = document.contains(hex)
        let hasDigest = document.contains(digest)
        #expect(hasVote, "docs/PROTOCOL.md lacks the example vote \(hex)")
        #expect(hasDigest, "docs/PROTOCOL.md lacks the example digest \(digest)")
        #expect(vote.hasValidSignature(network: Blake2b.hash256(Array("doc network".utf8))))
        #expect(try Vote(wireEncoded: vote.wireEncoded) == vote)
    }
}
