import Foundation
import TradewindTestSupport
import Testing
import TradewindCrypto
import TradewindWire

@Suite struct KeystoreTests {
    let passphrase = SecureBytes(copying: Array("correct horse battery staple".utf8))

    private func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tw-keystore-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Rewrites the checksum after an edit, as an attacker (not an accident) would.
    private func reseal(_ object: inout [String: Any]) throws -> [UInt8] {
        var file = object
        file["checksum"] = ""
        let data = try JSONSerialization.data(withJSONObject: file)
        let decoded = try JSONDecoder().decode(KeystoreFields.self, from: data)
        object["checksum"] = decoded.checksumHex
        return Array(try JSONSerialization.data(withJSONObject: object))
    }

    @Test func roundTripThroughFile() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let key = Ed25519.PrivateKey.generate()
        let path = directory + "/key.json"
        try Keystore.write(key: key, passphrase: passphrase, to: path, limits: .minimum)
        let read = try Keystore.read(from: path, passphrase: passphrase)
        #expect(read.publicKey == key.publicKey)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(try Keystore.address(in: Array(Data(contentsOf: URL(fileURLWithPath: path)))) == key.publicKey.address)
        // Never overwrites, and leaves no temporary file behind.
        #expect(throws: KeystoreError.self) {
            try Keystore.write(key: Ed25519.PrivateKey.generate(), passphrase: passphrase, to: path, limits: .minimum)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["key.json"])
        #expect(try Keystore.read(from: path, passphrase: passphrase).publicKey == key.publicKey)
    }

    @Test func wrongPassphrase() throws {
        let bytes = try Keystore.encode(key: .generate(), passphrase: passphrase, limits: .minimum)
        #expect(throws: KeystoreError.wrongPassphrase) {
            try Keystore.decode(bytes, passphrase: SecureBytes(copying: Array("wrong".utf8)))
        }
    }

    @Test func truncatedFile() throws {
        let bytes = try Keystore.encode(key: .generate(), passphrase: passphrase, limits: .minimum)
        for length in [0, 1, bytes.count / 2, bytes.count - 3] {
            #expect {
                try Keystore.decode(Array(bytes.prefix(length)), passphrase: passphrase)
            } throws: { error in
                if case .truncated = error as? KeystoreError { return true }
                return false
            }
        }
    }

    @Test func tamperedFile() throws {
        let bytes = try Keystore.encode(key: .generate(), passphrase: passphrase, limits: .minimum)
        // Any changed byte inside the JSON is caught: as damage by the checksum, or
        // (for structural bytes) as invalid JSON. Never accepted.
        var generator = SeededGenerator(seed: 42)
        for _ in 0..<40 {
            var damaged = bytes
            let index = Int.random(in: 0..<(bytes.count - 2), using: &generator)
            damaged[index] ^= UInt8.random(in: 1...255, using: &generator)
            #expect {
                try Keystore.decode(damaged, passphrase: passphrase)
            } throws: { error in
                switch error as? KeystoreError {
                case .corrupted, .truncated, .unsupportedVersion, .kdfLimitsOutOfBounds: return true
                default: return false
                }
            }
        }
        // A deliberate edit of the ciphertext with a recomputed checksum fails authentication.
        var object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        var cipher = try #require(object["cipher"] as? [String: Any])
        let ciphertextHex = try #require(cipher["ciphertext"] as? String)
        var ciphertext = try #require(Hex.decode(ciphertextHex))
        ciphertext[0] ^= 1
        cipher["ciphertext"] = Hex.encode(ciphertext)
        object["cipher"] = cipher
        #expect(throws: KeystoreError.wrongPassphrase) { try Keystore.decode(try reseal(&object), passphrase: passphrase) }
    }

    @Test func absurdKDFLimitsRefusedBeforeDerivation() throws {
        let bytes = try Keystore.encode(key: .generate(), passphrase: passphrase, limits: .minimum)
        for (ops, memory) in [(UInt64(1), UInt64(1) << 40), (UInt64(1_000_000), UInt64(8192)), (UInt64(0), UInt64(8192))] {
            var object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
            var kdf = try #require(object["kdf"] as? [String: Any])
            kdf["opsLimit"] = ops
            kdf["memLimitBytes"] = memory
            object["kdf"] = kdf
            #expect(throws: KeystoreError.kdfLimitsOutOfBounds(opsLimit: ops, memLimitBytes: memory)) {
                try Keystore.decode(try reseal(&object), passphrase: passphrase)
            }
        }
    }

    @Test func unsupportedVersion() throws {
        let bytes = try Keystore.encode(key: .generate(), passphrase: passphrase, limits: .minimum)
        var object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        object["version"] = 9
        #expect(throws: KeystoreError.unsupportedVersion(9)) { try Keystore.decode(try reseal(&object), passphrase: passphrase) }
    }
}

/// The fields the keystore checksums, decoded independently of the implementation
/// to recompute the checksum the way the format documents it.
private struct KeystoreFields: Decodable {
    struct KDF: Decodable {
        var algorithm: String
        var opsLimit: UInt64
        var memLimitBytes: UInt64
        var salt: String
    }

    struct Cipher: Decodable {
        var algorithm: String
        var nonce: String
        var ciphertext: String
    }

    var version: Int
    var address: String
    var kdf: KDF
    var cipher: Cipher

    var checksumHex: String {
        let fields = [String(version), address, kdf.algorithm, String(kdf.opsLimit), String(kdf.memLimitBytes),
                      kdf.salt, cipher.algorithm, cipher.nonce, cipher.ciphertext]
        var writer = WireWriter()
        writer.writeArray(fields) { $0.writeString($1) }
        return Blake2b.hash256(writer.bytes).hex
    }
}
