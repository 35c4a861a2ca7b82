import TradewindWire

/// Domain separation for signatures: every signature is over
/// BLAKE2b-256(len(tag) ‖ tag ‖ network id ‖ body), so a signature made for one kind
/// of message (a vote, a transaction, a quote) or one network is never valid for
/// another. The tag's one-byte length prefix keeps tag and network id unambiguous.
public struct SigningDomain: Hashable, Sendable, CustomStringConvertible {
    public let tag: String
    /// len(tag) ‖ tag, built once: digests are computed for every transaction.
    private let prefix: [UInt8]

    /// `tag` is ASCII, 1 to 64 bytes; tags are constants chosen by the protocol.
    public init(_ tag: String) {
        precondition(!tag.isEmpty && tag.utf8.count <= 64 && tag.allSatisfy(\.isASCII), "invalid signing tag")
        self.tag = tag
        self.prefix = [UInt8(tag.utf8.count)] + Array(tag.utf8)
    }

    /// The 32-byte digest that is actually signed.
    public func digest(network: Bytes32, body: some ByteSource) -> Bytes32 {
        var hasher: Blake2bHasher
        do {
            hasher = try Blake2bHasher(outputLength: 32)
        } catch {
            preconditionFailure("BLAKE2b-256 parameters are constant")
        }
        hasher.update(prefix)
        hasher.update(network)
        hasher.update(body)
        return Bytes32(hasher.finalize()) ?? .zero
    }

    public var description: String { tag }
}

extension Ed25519.PrivateKey {
    public func signature(domain: SigningDomain, network: Bytes32, body: some ByteSource) -> Ed25519.Signature {
        signature(for: domain.digest(network: network, body: body))
    }
}

extension Ed25519.PublicKey {
    public func isValidSignature(
        _ signature: Ed25519.Signature, domain: SigningDomain, network: Bytes32, body: some ByteSource
    ) -> Bool {
        isValidSignature(signature, for: domain.digest(network: network, body: body))
    }
}
