import Testing
import TradewindCrypto
import TradewindWire

@Suite struct KeyTests {
    /// RFC 8032 §7.1, test 1.
    @Test func rfc8032Vector() throws {
        let seed = Hex.decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")!
        let key = try Ed25519.PrivateKey(seed: seed)
        #expect(key.publicKey.bytes32.hex == "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
        #expect(key.signature(for: [UInt8]()).bytes64.hex == "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
            + "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")
        #expect(key.seed.withUnsafeBytes { Array($0) } == seed)
    }

    @Test func rejectsWrongLengths() {
        #expect(throws: CryptoError.self) { try Ed25519.PrivateKey(seed: [UInt8](repeating: 1, count: 31)) }
        #expect(throws: CryptoError.self) { try Ed25519.PublicKey(bytes: [UInt8](repeating: 1, count: 33)) }
        #expect(throws: CryptoError.self) { try Ed25519.Signature(bytes: [UInt8](repeating: 1, count: 63)) }
        #expect(throws: CryptoError.self) { try X25519.PrivateKey(secretBytes: [UInt8](repeating: 1, count: 16)) }
    }

    @Test func signatureFailsOnAnyChange() {
        let key = Ed25519.PrivateKey.generate()
        let message = Array("pay 12.50 USD".utf8)
        let signature = key.signature(for: message)
        #expect(key.publicKey.isValidSignature(signature, for: message))
        #expect(!key.publicKey.isValidSignature(signature, for: Array("pay 12.51 USD".utf8)))
        #expect(!Ed25519.PrivateKey.generate().publicKey.isValidSignature(signature, for: message))
    }

    /// The Noise static key is the identity key converted to Montgomery form: both
    /// sides compute the same shared secret from each other's Ed25519 public keys.
    @Test func ed25519ToX25519Agreement() throws {
        let alice = Ed25519.PrivateKey.generate()
        let bob = Ed25519.PrivateKey.generate()
        let aliceStatic = alice.curve25519()
        let bobStatic = bob.curve25519()
        #expect(try alice.publicKey.curve25519() == aliceStatic.publicKey)
        let one = try aliceStatic.sharedSecret(with: try bob.publicKey.curve25519())
        let two = try bobStatic.sharedSecret(with: try alice.publicKey.curve25519())
        #expect(one.isEqual(to: two))
    }

    @Test func lowOrderPublicKeyRefused() throws {
        let key = X25519.PrivateKey.generate()
        #expect(throws: CryptoError.lowOrderPoint) { try key.sharedSecret(with: X25519.PublicKey(.zero)) }
    }

    @Test func secretsNeverPrinted() throws {
        let seed = [UInt8](repeating: 0xab, count: 32)
        let key = try Ed25519.PrivateKey(seed: seed)
        let secret = SecureBytes(copying: seed)
        for text in [String(describing: key), String(reflecting: secret), "\(secret)", "\(key.curve25519())"] {
            #expect(!text.contains("abab"), "secret bytes printed: \(text)")
        }
        #expect("\(secret)".contains("redacted"))
    }

    @Test func domainSeparatedSignatures() {
        let key = Ed25519.PrivateKey.generate()
        let network = Blake2b.hash256(Array("test network".utf8))
        let otherNetwork = Blake2b.hash256(Array("other network".utf8))
        let body = Array("body".utf8)
        let vote = SigningDomain("tradewind/test/vote")
        let proposal = SigningDomain("tradewind/test/proposal")
        let signature = key.signature(domain: vote, network: network, body: body)
        #expect(key.publicKey.isValidSignature(signature, domain: vote, network: network, body: body))
        #expect(!key.publicKey.isValidSignature(signature, domain: proposal, network: network, body: body))
        #expect(!key.publicKey.isValidSignature(signature, domain: vote, network: otherNetwork, body: body))
        #expect(!key.publicKey.isValidSignature(signature, domain: vote, network: network, body: body + [0]))
        // The raw body alone is not what was signed.
        #expect(!key.publicKey.isValidSignature(signature, for: body))
    }
}
