import CSodium
import Foundation
import TradewindWire

/// One Ed25519 key per JSON file, its seed encrypted with XChaCha20-Poly1305 under a
/// key that Argon2id derives from a passphrase.
///
/// The file also carries a BLAKE2b checksum of its own fields, so that damage to the
/// file is reported as damage rather than as a wrong passphrase. (The checksum is
/// not a security measure: the AEAD tag is. Someone who edits the file and fixes
/// the checksum gets "wrong passphrase", and still learns nothing.)
public enum Keystore {
    public static let formatVersion = 1
    static let kdfName = "argon2id13"
    static let cipherName = "xchacha20poly1305-ietf"

    /// The file as JSON; field names are the on-disk format (docs/OPERATIONS.md).
    struct File: Codable, Equatable {
        struct KDF: Codable, Equatable {
            var algorithm: String
            var opsLimit: UInt64
            var memLimitBytes: UInt64
            var salt: String
        }

        struct Cipher: Codable, Equatable {
            var algorithm: String
            var nonce: String
            var ciphertext: String
        }

        var version: Int
        var address: String
        var kdf: KDF
        var cipher: Cipher
        var checksum: String

        /// BLAKE2b-256 of every other field, in a fixed order.
        var computedChecksum: String {
            let fields = [String(version), address, kdf.algorithm, String(kdf.opsLimit),
                          String(kdf.memLimitBytes), kdf.salt, cipher.algorithm, cipher.nonce, cipher.ciphertext]
            var writer = WireWriter()
            writer.writeArray(fields) { $0.writeString($1) }
            return Blake2b.hash256(writer.bytes).hex
        }
    }

    /// The associated data binds the ciphertext to this format and to the address.
    private static func associatedData(address: Address) -> [UInt8] {
        Array("tradewind-keystore-v1".utf8) + address.publicKey.bytes
    }

    /// Encrypts `key` into the bytes of a keystore file.
    public static func encode(
        key: Ed25519.PrivateKey, passphrase: SecureBytes, limits: Argon2id.Limits = .interactive
    ) throws(KeystoreError) -> [UInt8] {
        let salt = SecureRandom.bytes(count: Argon2id.saltBytes)
        let nonce = SecureRandom.bytes(count: XChaChaPoly.nonceBytes)
        let address = key.publicKey.address
        let ciphertext: [UInt8]
        do {
            let derived = try Argon2id.deriveKey(passphrase: passphrase, salt: salt, limits: limits)
            ciphertext = try XChaChaPoly.seal(
                key.seed, key: derived, nonce: nonce, associatedData: associatedData(address: address))
        } catch {
            throw .kdfFailed(error.description)
        }
        var file = File(
            version: formatVersion, address: address.description,
            kdf: .init(algorithm: kdfName, opsLimit: limits.opsLimit, memLimitBytes: limits.memLimitBytes,
                       salt: Hex.encode(salt)),
            cipher: .init(algorithm: cipherName, nonce: Hex.encode(nonce), ciphertext: Hex.encode(ciphertext)),
            checksum: "")
        file.checksum = file.computedChecksum
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            return Array(try encoder.encode(file)) + [0x0a]
        } catch {
            throw .io(path: "", reason: "cannot encode keystore JSON: \(error)")
        }
    }

    /// Decrypts the bytes of a keystore file.
    public static func decode(_ bytes: [UInt8], passphrase: SecureBytes) throws(KeystoreError) -> Ed25519.PrivateKey {
        let file = try parse(bytes)
        let limits = Argon2id.Limits(opsLimit: file.kdf.opsLimit, memLimitBytes: file.kdf.memLimitBytes)
        guard limits.isAcceptable else {
            throw .kdfLimitsOutOfBounds(opsLimit: limits.opsLimit, memLimitBytes: limits.memLimitBytes)
        }
        guard let salt = Hex.decode(file.kdf.salt), salt.count == Argon2id.saltBytes else {
            throw .corrupted("salt is not \(Argon2id.saltBytes) bytes of hex")
        }
        guard let nonce = Hex.decode(file.cipher.nonce), nonce.count == XChaChaPoly.nonceBytes else {
            throw .corrupted("nonce is not \(XChaChaPoly.nonceBytes) bytes of hex")
        }
        guard let ciphertext = Hex.decode(file.cipher.ciphertext),
              ciphertext.count == Ed25519.seedBytes + XChaChaPoly.tagBytes else {
            throw .corrupted("ciphertext is not \(Ed25519.seedBytes + XChaChaPoly.tagBytes) bytes of hex")
        }
        let address: Address
        do {
            address = try Address(parsing: file.address)
        } catch {
            throw .corrupted(error.description)
        }
        let derived: SecureBytes
        do {
            derived = try Argon2id.deriveKey(passphrase: passphrase, salt: salt, limits: limits)
        } catch {
            throw .kdfFailed(error.description)
        }
        let seed: SecureBytes
        do {
            var plaintext = try XChaChaPoly.open(
                ciphertext, key: derived, nonce: nonce, associatedData: associatedData(address: address))
            seed = SecureBytes(copying: plaintext)
            plaintext.withUnsafeMutableBytes { buffer in sodium_memzero(buffer.baseAddress, buffer.count) }
        } catch {
            throw .wrongPassphrase
        }
        let key: Ed25519.PrivateKey
        do {
            key = try Ed25519.PrivateKey(seed: seed)
        } catch {
            throw .corrupted("decrypted seed has the wrong length")
        }
        guard key.publicKey.address == address else {
            throw .corrupted("the decrypted key does not belong to address \(address)")
        }
        return key
    }

    private static func parse(_ bytes: [UInt8]) throws(KeystoreError) -> File {
        let trimmed = bytes.reversed().drop { $0 == 0x20 || $0 == 0x0a || $0 == 0x0d || $0 == 0x09 }
        guard !trimmed.isEmpty else { throw .truncated("the file is empty") }
        // A JSON object that stops before its closing brace was cut short.
        guard trimmed.first == UInt8(ascii: "}") else { throw .truncated("the JSON object is not closed") }
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: Data(bytes))
        } catch {
            throw .corrupted("not a keystore JSON object (\(error.localizedDescription))")
        }
        guard file.version == formatVersion else { throw .unsupportedVersion(file.version) }
        guard file.kdf.algorithm == kdfName, file.cipher.algorithm == cipherName else {
            throw .corrupted("unknown algorithms \(file.kdf.algorithm) / \(file.cipher.algorithm)")
        }
        guard file.checksum == file.computedChecksum else {
            throw .corrupted("checksum mismatch: the file was modified or damaged")
        }
        return file
    }

    /// Writes a keystore file atomically: to a temporary file (mode 0600), synced,
    /// read back and decrypted to prove it, then renamed into place and the directory
    /// synced. An existing file at `path` is never overwritten.
    public static func write(
        key: Ed25519.PrivateKey, passphrase: SecureBytes, to path: String,
        limits: Argon2id.Limits = .interactive
    ) throws(KeystoreError) {
        let bytes = try encode(key: key, passphrase: passphrase, limits: limits)
        let directory = (path as NSString).deletingLastPathComponent
        guard !FileManager.default.fileExists(atPath: path) else {
            throw .io(path: path, reason: "a file already exists there")
        }
        let temporary = (directory.isEmpty ? "." : directory) + "/.keystore-\(Hex.encode(SecureRandom.bytes(count: 8))).tmp"
        do {
            try FileIO.writeSynced(bytes, to: temporary, mode: 0o600)
            let reread = try FileIO.read(temporary, limit: 1 << 20)
            let check = try decode(reread, passphrase: passphrase)
            guard check.publicKey == key.publicKey else { throw KeystoreError.corrupted("verification read-back differs") }
            try FileIO.renameNoReplace(temporary, to: path)
            FileIO.syncDirectory(directory.isEmpty ? "." : directory)
        } catch let error as KeystoreError {
            unlink(temporary)
            throw error
        } catch {
            unlink(temporary)
            throw .io(path: path, reason: "\(error)")
        }
    }

    /// Reads and decrypts the keystore file at `path`.
    public static func read(from path: String, passphrase: SecureBytes) throws(KeystoreError) -> Ed25519.PrivateKey {
        let bytes: [UInt8]
        do {
            bytes = try FileIO.read(path, limit: 1 << 20)
        } catch {
            throw .io(path: path, reason: error.description)
        }
        return try decode(bytes, passphrase: passphrase)
    }

    /// The address in a keystore file, without decrypting it.
    public static func address(in bytes: [UInt8]) throws(KeystoreError) -> Address {
        let file = try parse(bytes)
        do {
            return try Address(parsing: file.address)
        } catch {
            throw .corrupted(error.description)
        }
    }
}

public enum KeystoreError: Error, Equatable, Sendable, CustomStringConvertible {
    case wrongPassphrase
    case truncated(String)
    case corrupted(String)
    case unsupportedVersion(Int)
    case kdfLimitsOutOfBounds(opsLimit: UInt64, memLimitBytes: UInt64)
    case kdfFailed(String)
    case io(path: String, reason: String)

    public var description: String {
        switch self {
        case .wrongPassphrase:
            return "wrong passphrase: the key could not be decrypted"
        case let .truncated(reason):
            return "keystore file is truncated: \(reason)"
        case let .corrupted(reason):
            return "keystore file is corrupted: \(reason)"
        case let .unsupportedVersion(version):
            return "keystore version \(version) is not supported (this build reads version \(Keystore.formatVersion))"
        case let .kdfLimitsOutOfBounds(ops, mem):
            return "keystore asks for Argon2id opsLimit \(ops) and memLimit \(mem) bytes; accepted are opsLimit "
                + "\(Argon2id.Limits.acceptableOps) and memLimit \(Argon2id.Limits.acceptableMemory) bytes"
        case let .kdfFailed(reason):
            return "key derivation failed: \(reason)"
        case let .io(path, reason):
            return "cannot access keystore file \(path): \(reason)"
        }
    }
}
