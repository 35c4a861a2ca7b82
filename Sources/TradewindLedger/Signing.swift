import TradewindCrypto
import TradewindWire

extension Transaction {
    /// The transaction id: BLAKE2b-256 of the full signed encoding, so a verified
    /// signature cache keyed by id cannot be poisoned by a different signature.
    public var id: Bytes32 { Blake2b.hash256(wireEncoded) }

    /// This transaction signed by `key` (which must be the sender's) for `network`.
    public func signed(by key: Ed25519.PrivateKey, network: Bytes32) -> Transaction {
        var copy = self
        copy.signature = key.signature(domain: Ledger.transactionDomain, network: network, body: signingBody).bytes64
        return copy
    }

    public func hasValidSignature(network: Bytes32) -> Bool {
        Ed25519.PublicKey(sender.publicKey).isValidSignature(
            Ed25519.Signature(signature), domain: Ledger.transactionDomain, network: network, body: signingBody)
    }
}

extension FXQuote {
    /// This quote signed by the provider's `key` for `network`.
    public func signed(by key: Ed25519.PrivateKey, network: Bytes32) -> FXQuote {
        var copy = self
        copy.signature = key.signature(domain: Ledger.quoteDomain, network: network, body: signingBody).bytes64
        return copy
    }
}
