import Testing
import TradewindTestSupport
import TradewindCrypto
import TradewindWire

@Suite struct HashTests {
    /// RFC 7693, Appendix A: BLAKE2b-512("abc").
    @Test func rfc7693Vector() throws {
        let digest = try Blake2b.hash(Array("abc".utf8), outputLength: 64)
        #expect(Hex.encode(digest) == "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1"
            + "7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923")
        #expect(Blake2b.hash512(Array("abc".utf8)).bytes == digest)
    }

    @Test(arguments: [16, 20, 32, 48, 64])
    func streamingAgreesWithOneShot(outputLength: Int) throws {
        var generator = SeededGenerator(seed: UInt64(outputLength))
        for round in 0..<50 {
            let data = (0..<Int.random(in: 0...700, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let key: [UInt8]? = round % 2 == 0 ? nil : (0..<Int.random(in: 16...64, using: &generator)).map { UInt8($0) }
            let oneShot = try Blake2b.hash(data, outputLength: outputLength, key: key)
            var hasher = try Blake2bHasher(outputLength: outputLength, key: key)
            var start = 0
            while start < data.count {
                let end = min(data.count, start + Int.random(in: 0...200, using: &generator))
                hasher.update(Array(data[start..<end]))
                start = end
            }
            #expect(hasher.finalize() == oneShot, "round \(round)")
        }
    }

    @Test func rejectsOutOfRangeParameters() {
        #expect(throws: CryptoError.self) { try Blake2b.hash([1, 2, 3], outputLength: 15) }
        #expect(throws: CryptoError.self) { try Blake2b.hash([1, 2, 3], outputLength: 65) }
        #expect(throws: CryptoError.self) { try Blake2b.hash([1, 2, 3], outputLength: 32, key: [UInt8](repeating: 1, count: 8)) }
    }

    /// Expected values from Python's `hmac.new(key, msg, hashlib.blake2b)` (RFC 2104, 128-byte block).
    @Test func hmacBlake2bMatchesRFC2104() throws {
        let message = Array("Tradewind HMAC test".utf8)
        let mac = HMACBlake2b.authenticationCode(key: (0..<64).map { UInt8($0) }, data: message)
        #expect(mac.withUnsafeBytes { Hex.encode($0) } == "c7c333cea9967084caeb7c802c44821628ff2d58ac640b10fc040b5d9cb261ba"
            + "88d856e2a7793321c26e867dff317054a96a6accac5979bfd3bc35db6b2aeeeb")
        // A key longer than the block is hashed first.
        let long = HMACBlake2b.authenticationCode(key: (0..<200).map { UInt8($0) }, data: message)
        #expect(long.withUnsafeBytes { Hex.encode($0) } == "6c283c4a6bdca5b81d95733f15edd20be80812d8003a8b067f3c3632c35f4fe9"
            + "60b8b5e5e4e563849d0b401d8f4a8976c026e0189692a10d01dff91c8c95027a")
        let empty = HMACBlake2b.authenticationCode(key: [UInt8](), data: [UInt8]())
        #expect(empty.withUnsafeBytes { Hex.encode($0) } == "198cd2006f66ff83fbbd913f78aca2251caf4f19fe9475aade8cf2091b99a684"
            + "66775177424f58286886cbae8229644cec747237d4b721735485e17372fdf59c")
    }

    /// Noise rev. 34 §4.3 HKDF, against the same construction in Python's hmac module.
    @Test func noiseHKDF() {
        let outputs = NoiseHKDF.derive(
            chainingKey: [UInt8](repeating: 7, count: 64), inputKeyMaterial: (0..<32).map { UInt8($0) }, outputs: 3)
        let hexes = outputs.map { $0.withUnsafeBytes { Hex.encode($0) } }
        #expect(hexes == [
            "7b05f0398b703410212163b133a7e6e669e026a780725bfec147418266589d9e96fe303313f091e10a042baa0fcb9533d84cb369ac7c24a0d138242271c2ee29",
            "c6fdd0f91c6344feb0693d53ce061fb347fb65982289ae0c412f89d71371141dcecba8be9fd5af7f33fec86900376f6db6ca7ab547ec93fcea1a00960f5585d6",
            "ce7e5f263ecca2e2ee3bbdc206baea519bcc94b79931f694debf2527ac1de11f211f8ad3e0ee52472d9cc41855be0b0f57e66b4ccf3ff1487722bac0e7921d15",
        ])
        let two = NoiseHKDF.derive(
            chainingKey: [UInt8](repeating: 7, count: 64), inputKeyMaterial: (0..<32).map { UInt8($0) }, outputs: 2)
        #expect(two.map { $0.withUnsafeBytes { Hex.encode($0) } } == Array(hexes.prefix(2)))
    }
}

