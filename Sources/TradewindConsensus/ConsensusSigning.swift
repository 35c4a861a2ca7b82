import TradewindCrypto
import TradewindWire

/// Signing domains of consensus messages: a vote's signature can never be replayed
/// as a proposal's or a transaction's, nor on another network.
public enum ConsensusDomain {
    public static let vote = SigningDomain("tradewind/vote/v1")
    public static let proposal = SigningDomain("tradewind/proposal/v1")
}

extension Vote {
    public func signed(by key: Ed25519.PrivateKey, network: Bytes32) -> Vote {
        var copy = self
        copy.signature = key.signature(domain: ConsensusDomain.vote, network: network, body: signingBody).bytes64
        return copy
    }

    public func hasValidSignature(network: Bytes32) -> Bool {
        Ed25519.PublicKey(validator.publicKey).isValidSignature(
            Ed25519.Signature(signature), domain: ConsensusDomain.vote, network: network, body: signingBody)
    }
}

extension SignedProposal {
    public func signed(by key: Ed25519.PrivateKey, network: Bytes32) -> SignedProposal {
        var copy = self
        copy.signature = key.signature(domain: ConsensusDomain.proposal, network: network, body: signingBody).bytes64
        return copy
    }

    public func hasValidSignature(network: Bytes32) -> Bool {
        Ed25519.PublicKey(proposer.publicKey).isValidSignature(
            Ed25519.Signature(signature), domain: ConsensusDomain.proposal, network: network, body: signingBody)
    }
}

extension Evidence {
    /// Well formed and both messages really signed by the offender.
    public func isValid(network: Bytes32) -> Bool {
        guard isWellFormed else { return false }
        switch self {
        case let .conflictingVotes(a, b):
            return a.hasValidSignature(network: network) && b.hasValidSignature(network: network)
        case let .conflictingProposals(a, b):
            return a.hasValidSignature(network: network) && b.hasValidSignature(network: network)
        }
    }
}

extension CommitCertificate {
    /// The hash a child block's header carries as `lastCommitHash`.
    public var hash: Bytes32 { Blake2b.hash256(wireEncoded) }
}
