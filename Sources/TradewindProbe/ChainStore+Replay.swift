import TradewindChainStore
import TradewindLedger
import TradewindWire

extension ChainStore {
    /// Validates `block` against the head and the ledger, then commits it with its
    /// receipts and state changes (no certificate: the probe replays uncertified
    /// blocks). The probe is the store's only writer, so reading the head and
    /// committing in two transactions cannot interleave with another commit; the
    /// commit itself refuses a block that does not extend the head.
    @discardableResult
    func apply(_ block: Block, ledger: Ledger, signatures: SignatureChecks = .all) throws -> Ledger.Execution {
        let head = try head()
        guard block.header.height == head.height + 1 else {
            throw LedgerError.invalidBlock("block \(block.header.height) does not extend the head at \(head.height)")
        }
        let execution = try withState { view in
            try ledger.validate(block, parentID: head.blockID, previousRoot: head.stateRoot, view: view,
                                signatures: signatures)
        }
        try commit(block, certificate: nil, execution: execution)
        return execution
    }
}
