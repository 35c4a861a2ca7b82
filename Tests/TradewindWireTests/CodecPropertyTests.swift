import Testing
import TradewindTestSupport
import TradewindWire

/// Canonical encoding as a property: one value, one encoding, and no input ever
/// traps the decoder.
@Suite struct CodecPropertyTests {
    static let seeds: [UInt64] = Array(1...8)

    @Test(arguments: seeds)
    func randomValuesRoundTrip(seed: UInt64) throws {
        var generator = SeededGenerator(seed: seed)
        for index in 0..<250 {
            let value = Sample.random(using: &generator)
            let bytes = value.wireEncoded
            let decoded = try Sample(wireEncoded: bytes)
            #expect(decoded == value, "seed \(seed) value \(index)")
            #expect(decoded.wireEncoded == bytes, "seed \(seed) value \(index)")
        }
    }

    /// Every strict prefix of an encoding fails (the decoder needs every byte) —
    /// or, if it ever decoded, it would have to re-encode to the same bytes.
    @Test(arguments: seeds)
    func everyTruncationFails(seed: UInt64) {
        var generator = SeededGenerator(seed: seed &+ 1000)
        for _ in 0..<20 {
            let bytes = Sample.random(using: &generator).wireEncoded
            for length in 0..<bytes.count {
                let prefix = Array(bytes.prefix(length))
                do {
                    let decoded = try Sample(wireEncoded: prefix)
                    #expect(decoded.wireEncoded == prefix, "seed \(seed): prefix \(length) decoded non-canonically")
                } catch {
                    // Expected: a WireError, never a trap.
                }
            }
        }
    }

    /// Every single-byte corruption either fails or decodes to a value whose
    /// encoding is exactly the corrupted bytes: no value has two encodings.
    @Test(arguments: seeds)
    func everySingleByteCorruptionIsCanonicalOrRejected(seed: UInt64) {
        var generator = SeededGenerator(seed: seed &+ 2000)
        var accepted = 0
        var rejected = 0
        for _ in 0..<6 {
            let bytes = Sample.random(using: &generator).wireEncoded
            for position in bytes.indices {
                for replacement in [UInt8](arrayLiteral: 0x00, 0x01, 0x02, 0x7f, 0x80, 0xff, bytes[position] ^ 0x01)
                where replacement != bytes[position] {
                    var corrupted = bytes
                    corrupted[position] = replacement
                    do {
                        let decoded = try Sample(wireEncoded: corrupted)
                        #expect(decoded.wireEncoded == corrupted, "seed \(seed): byte \(position) = \(replacement)")
                        accepted += 1
                    } catch {
                        rejected += 1
                    }
                }
            }
        }
        // Both outcomes occur, so neither branch is vacuous.
        #expect(accepted > 0 && rejected > 0)
    }

    @Test(arguments: seeds)
    func randomBytesNeverTrap(seed: UInt64) {
        var generator = SeededGenerator(seed: seed &+ 3000)
        for _ in 0..<2000 {
            let bytes = (0..<Int.random(in: 0...200, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if let decoded = try? Sample(wireEncoded: bytes) {
                #expect(decoded.wireEncoded == bytes)
            }
        }
    }
}
