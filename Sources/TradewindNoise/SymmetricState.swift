import TradewindCrypto
import TradewindWire

/// Noise's SymmetricState (§5.2) with BLAKE2b: chaining key, handshake hash and a
/// CipherState.
struct SymmetricState: Sendable {
    static let hashLength = 64

    private(set) var chainingKey: SecureBytes
    private(set) var handshakeHash: [UInt8]
    private(set) var cipher = CipherState()

    /// InitializeSymmetric(protocol_name).
    init(protocolName: String) {
        let name = Array(protocolName.utf8)
        if name.count <= Self.hashLength {
            handshakeHash = name + [UInt8](repeating: 0, count: Self.hashLength - name.count)
        } else {
            handshakeHash = Blake2b.hash512(name).bytes
        }
        chainingKey = SecureBytes(copying: handshakeHash)
    }

    mutating func mixHash(_ data: some ByteSource) {
        var hasher = blake2b512()
        hasher.update(handshakeHash)
        hasher.update(data)
        handshakeHash = hasher.finalize()
    }

    mutating func mixKey(_ inputKeyMaterial: some ByteSource) {
        let outputs = NoiseHKDF.derive(chainingKey: chainingKey, inputKeyMaterial: inputKeyMaterial, outputs: 2)
        chainingKey = outputs[0]
        cipher = CipherState(key: outputs[1].slice(0..<32))
    }

    mutating func mixKeyAndHash(_ inputKeyMaterial: some ByteSource) {
        let outputs = NoiseHKDF.derive(chainingKey: chainingKey, inputKeyMaterial: inputKeyMaterial, outputs: 3)
        chainingKey = outputs[0]
        mixHash(outputs[1])
        cipher = CipherState(key: outputs[2].slice(0..<32))
    }

    mutating func encryptAndHash(_ plaintext: some ByteSource) throws(NoiseError) -> [UInt8] {
        let ciphertext = try cipher.encrypt(associatedData: handshakeHash, plaintext: plaintext)
        mixHash(ciphertext)
        return ciphertext
    }

    mutating func decryptAndHash(_ ciphertext: [UInt8]) throws(NoiseError) -> [UInt8] {
        let plaintext = try cipher.decrypt(associatedData: handshakeHash, ciphertext: ciphertext)
        mixHash(ciphertext)
        return plaintext
    }

    /// Split(): the initiator-to-responder and responder-to-initiator ciphers.
    func split() -> (CipherState, CipherState) {
        let outputs = NoiseHKDF.derive(chainingKey: chainingKey, inputKeyMaterial: [UInt8](), outputs: 2)
        return (CipherState(key: outputs[0].slice(0..<32)), CipherState(key: outputs[1].slice(0..<32)))
    }

    var hasKey: Bool { cipher.hasKey }

    private func blake2b512() -> Blake2bHasher {
        do {
            return try Blake2bHasher(outputLength: 64)
        } catch {
            preconditionFailure("BLAKE2b-512 parameters are constant")
        }
    }
}
