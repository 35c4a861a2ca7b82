import Testing
import TradewindTestSupport
import TradewindWire

@Suite struct AddressTests {
    /// Valid Bech32m strings from BIP-350.
    @Test(arguments: [
        "A1LQFN3A", "a1lqfn3a",
        "an83characterlonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11sg7hg6",
        "abcdef1l7aum6echk45nj3s0wdvt2fg8x9yrzpqzd3ryx",
        "split1checkupstagehandshakeupstreamerranterredcaperredlc445v", "?1v759aa",
    ])
    func bip350Valid(text: String) throws {
        _ = try Bech32m.decode(text)
    }

    /// Invalid strings from BIP-350 (and a Bech32, not Bech32m, checksum).
    @Test(arguments: [
        "an84characterslonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11429s8rcc",
        "qyrz8wqd2c9m", "1qyrz8wqd2c9m", "y1b0jsk6g", "lt1igcx5c0", "in1muywd", "mm1crxm3i", "au1s5cgom",
        "M1VUXWEZ", "16plkw9", "1p2gdwpf", "a1lqfn3A", "a12uel5l",
    ])
    func bip350Invalid(text: String) {
        #expect(throws: Bech32m.DecodingError.self) { try Bech32m.decode(text) }
    }

    @Test func addressRoundTripAndTypos() throws {
        var generator = SeededGenerator(seed: 7)
        for _ in 0..<50 {
            let key = Bytes32((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })!
            let address = Address(publicKey: key)
            let text = address.description
            #expect(text.hasPrefix("tw1") && text.count == 61)
            #expect(try Address(parsing: text) == address)
            #expect(try Address(parsing: text.uppercased()) == address)
            // Any single substituted character is caught by the checksum.
            var characters = Array(text)
            let position = Int.random(in: 3..<characters.count, using: &generator)
            characters[position] = characters[position] == "q" ? "p" : "q"
            #expect(throws: AddressError.self) { try Address(parsing: String(characters)) }
        }
    }

    @Test func addressErrorsNameTheProblem() {
        #expect {
            try Address(parsing: "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4")
        } throws: { error in
            "\(error)".contains("bc1qw508") && "\(error)".contains("tw") || "\(error)".contains("checksum")
        }
        #expect {
            try Address(parsing: Bech32m.encode(prefix: "tw", data: [1, 2, 3]))
        } throws: { error in
            "\(error)".contains("holds 3 bytes, expected 32")
        }
    }

    @Test func bytes32OrderIsByteOrder() {
        var generator = SeededGenerator(seed: 9)
        for _ in 0..<500 {
            let a = (0..<32).map { _ in UInt8.random(in: 0...3, using: &generator) }
            let b = (0..<32).map { _ in UInt8.random(in: 0...3, using: &generator) }
            #expect((Bytes32(a)! < Bytes32(b)!) == a.lexicographicallyPrecedes(b))
            #expect((Bytes32(a)! == Bytes32(b)!) == (a == b))
        }
    }
}
