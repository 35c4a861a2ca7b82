import TradewindWire

/// Which transactions' signatures a block's execution checks. Ed25519 verification
/// is most of a block's replay cost, and a peer has usually checked a transaction
/// already, on its way into the mempool.
public enum SignatureChecks: Sendable, Equatable {
    /// Every transaction's: a block from elsewhere.
    case all
    /// None: every transaction came from this peer's mempool, checked on admission.
    case none
    /// All but these, whose signatures this peer checked already.
    case allExcept(Set<Bytes32>)

    /// Whether the transaction with `id` needs its signature checked.
    public func required(for id: Bytes32) -> Bool {
        switch self {
        case .all: true
        case .none: false
        case let .allExcept(checked): !checked.contains(id)
        }
    }
}
