import Testing
import TradewindCrypto
import TradewindWire

/// Every vector of the Wycheproof files for the primitives Tradewind uses.
@Suite struct WycheproofTests {
    @Test func ed25519() throws {
        let file = try WycheproofFile.load("wycheproof-ed25519_test")
        var run = 0
        for group in file.testGroups {
            let keyBytes = try hex(group.publicKey?.pk)
            for test in group.tests {
                run += 1
                let message = try hex(test.msg, test.tcId)
                let signatureBytes = try hex(test.sig, test.tcId)
                var valid = false
                if let key = try? Ed25519.PublicKey(bytes: keyBytes),
                   let signature = try? Ed25519.Signature(bytes: signatureBytes) {
                    valid = key.isValidSignature(signature, for: message)
                }
                #expect(valid == (test.result == "valid"), "tcId \(test.tcId): \(test.comment)")
            }
        }
        #expect(run == 151)
        #expect(file.numberOfTests == run)
    }

    @Test func x25519() throws {
        let file = try WycheproofFile.load("wycheproof-x25519_test")
        var run = 0
        var lowOrderRejected = 0
        for group in file.testGroups {
            for test in group.tests {
                run += 1
                let privateKey = try X25519.PrivateKey(secretBytes: try hex(test.private, test.tcId))
                let publicKey = try X25519.PublicKey(bytes: try hex(test.public, test.tcId))
                let expected = try hex(test.shared, test.tcId)
                let result = try? privateKey.sharedSecret(with: publicKey)
                switch test.result {
                case "valid":
                    #expect(result.map { $0.withUnsafeBytes { Array($0) } } == expected, "tcId \(test.tcId)")
                case "acceptable" where test.flags.contains("ZeroSharedSecret"):
                    // Low-order public keys give an all-zero secret: refused.
                    #expect(result == nil, "tcId \(test.tcId): low-order point accepted")
                    #expect(expected.allSatisfy { $0 == 0 })
                    if result == nil { lowOrderRejected += 1 }
                case "acceptable":
                    #expect(result.map { $0.withUnsafeBytes { Array($0) } } == expected, "tcId \(test.tcId)")
                default:
                    #expect(result == nil, "tcId \(test.tcId): invalid vector accepted")
                }
            }
        }
        #expect(run == 518)
        #expect(lowOrderRejected == 31)
    }

    @Test func chaCha20Poly1305() throws {
        #expect(try runAEAD(ChaChaPoly.self, file: "wycheproof-chacha20_poly1305_test") == 325)
    }

    @Test func xChaCha20Poly1305() throws {
        #expect(try runAEAD(XChaChaPoly.self, file: "wycheproof-xchacha20_poly1305_test") == 315)
    }

    /// Valid vectors must seal to the listed ciphertext and open back; invalid ones
    /// (wrong tag, wrong nonce size, altered data) must fail to open.
    private func runAEAD<C: AEADCipher>(_ cipher: C.Type, file name: String) throws -> Int {
        let file = try WycheproofFile.load(name)
        var run = 0
        for group in file.testGroups {
            for test in group.tests {
                run += 1
                let key = try hex(test.key, test.tcId)
                let nonce = try hex(test.iv, test.tcId)
                let aad = try hex(test.aad, test.tcId)
                let message = try hex(test.msg, test.tcId)
                let sealedExpected = try hex(test.ct, test.tcId) + hex(test.tag, test.tcId)
                let opened = try? C.open(sealedExpected, key: key, nonce: nonce, associatedData: aad)
                if test.result == "valid" {
                    let sealed = try C.seal(message, key: key, nonce: nonce, associatedData: aad)
                    #expect(sealed == sealedExpected, "tcId \(test.tcId): \(test.comment)")
                    #expect(opened == message, "tcId \(test.tcId): \(test.comment)")
                } else {
                    #expect(opened == nil, "tcId \(test.tcId): invalid vector opened (\(test.comment))")
                }
            }
        }
        #expect(file.numberOfTests == run)
        return run
    }
}
