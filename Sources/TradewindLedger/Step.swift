import TradewindCrypto
import TradewindWire

/// One transaction's execution against the state of the block being built.
struct Step {
    let ledger: Ledger
    let context: Ledger.BlockContext
    var chain: ChainState
    /// Set when an authority vote reached its quorum in this transaction.
    var scheduledSet: [Address]?

    init(ledger: Ledger, context: Ledger.BlockContext, chain: ChainState) {
        self.ledger = ledger
        self.context = context
        self.chain = chain
    }

    /// "t": deadlines compare against the parent block's time.
    var now: UInt64 { context.parentTime }
    var parameters: Genesis.Parameters { ledger.parameters }

    /// What a transaction must pass before its body runs.
    enum Precheck {
        case fails(TransactionResult)
        /// The sender's account as it stands.
        case passes(AccountState)
    }

    /// Checks, in order: size and form (tem), signature, expiry, sender account and
    /// sequence (tef/ter). A transaction that passes is applied: its body decides
    /// between tes and tec.
    func precheck<Base: StateView>(
        _ transaction: Transaction, size: Int, verifySignature: Bool, state: StateOverlay<Base>
    ) throws(LedgerError) -> Precheck {
        guard size <= Int(parameters.maxTransactionBytes) else {
            return .fails(TransactionResult(.temTOO_LARGE, "\(size) bytes, the maximum is \(parameters.maxTransactionBytes)"))
        }
        if let malformed = ledger.staticCheck(transaction) { return .fails(malformed) }
        if verifySignature {
            let key = Ed25519.PublicKey(transaction.sender.publicKey)
            let signature = Ed25519.Signature(transaction.signature)
            guard key.isValidSignature(signature, domain: Ledger.transactionDomain, network: ledger.networkID,
                                       body: transaction.signingBody) else {
                return .fails(TransactionResult(.temBAD_SIGNATURE, "sender \(transaction.sender)"))
            }
        }
        guard context.height <= transaction.lastValidHeight else {
            return .fails(TransactionResult(.tefEXPIRED, "last valid height \(transaction.lastValidHeight), block height \(context.height)"))
        }
        guard let account = try state.record(.account(transaction.sender), as: AccountState.self) else {
            return .fails(TransactionResult(.tefNO_ACCOUNT, "\(transaction.sender)"))
        }
        if transaction.sequence < account.nextSequence {
            return .fails(TransactionResult(.tefPAST_SEQ, "sequence \(transaction.sequence), next is \(account.nextSequence)"))
        }
        if transaction.sequence > account.nextSequence {
            return .fails(TransactionResult(.terPRE_SEQ, "sequence \(transaction.sequence), next is \(account.nextSequence)"))
        }
        return .passes(account)
    }

    /// The prechecks, then the body. A body that fails (tec) is rolled back but the
    /// sequence is still consumed; one that is too early (ter) leaves no trace.
    mutating func run<Base: StateView>(
        _ transaction: Transaction, id: Bytes32, size: Int, verifySignature: Bool, state: inout StateOverlay<Base>
    ) throws(LedgerError) -> TransactionResult {
        var account: AccountState
        switch try precheck(transaction, size: size, verifySignature: verifySignature, state: state) {
        case let .fails(result): return result
        case let .passes(current): account = current
        }
        account.nextSequence += 1
        state.begin()
        let result: TransactionResult
        let savedChain = chain
        if account.frozen && !Self.allowedWhileFrozen(transaction.body) {
            result = TransactionResult(.tecFROZEN, "sender \(transaction.sender)")
        } else {
            result = try body(transaction, id: id, state: &state)
        }
        if result.code == .tesSUCCESS {
            state.commit()
        } else {
            state.rollback()
            chain = savedChain
            scheduledSet = nil
            // A body that says "not yet" (ter) changes nothing, not even the sequence: it is not applied.
            if !result.code.isApplied { return result }
        }
        // The body may have changed the sender's own account record (settings); re-read it.
        var latest = try state.record(.account(transaction.sender), as: AccountState.self) ?? account
        latest.nextSequence = account.nextSequence
        state.set(.account(transaction.sender), latest)
        return result
    }

    /// A frozen account may still act as an authority (freezing is about its funds).
    static func allowedWhileFrozen(_ body: TransactionBody) -> Bool {
        switch body {
        case .freeze, .unfreeze, .merchantAttest, .merchantRevoke, .authorityVote: return true
        default: return false
        }
    }

    // MARK: Shared helpers

    func balance<B>(_ account: Address, _ asset: AssetCode, _ state: StateOverlay<B>) throws(LedgerError) -> UInt64 {
        try state.record(.balance(account, asset), as: UInt64.self) ?? 0
    }

    func accountState<B>(_ account: Address, _ state: StateOverlay<B>) throws(LedgerError) -> AccountState? {
        try state.record(.account(account), as: AccountState.self)
    }

    func isAuthority(_ address: Address) -> Bool { chain.authorities.contains(address) }

    mutating func debit<B>(_ account: Address, _ asset: AssetCode, _ amount: UInt64, _ state: inout StateOverlay<B>)
        throws(LedgerError) -> TransactionResult? {
        let current = try balance(account, asset, state)
        guard current >= amount else {
            return TransactionResult(.tecINSUFFICIENT_FUNDS, "\(account) has \(current) of \(asset), needs \(amount)")
        }
        setBalance(account, asset, current - amount, &state)
        return nil
    }

    func setBalance<B>(_ account: Address, _ asset: AssetCode, _ amount: UInt64, _ state: inout StateOverlay<B>) {
        if amount == 0 { state.remove(.balance(account, asset)) } else { state.set(.balance(account, asset), amount) }
    }

    /// Credits `account`, creating its account record if it has none.
    mutating func credit<B>(_ account: Address, _ asset: AssetCode, _ amount: UInt64, _ state: inout StateOverlay<B>)
        throws(LedgerError) -> TransactionResult? {
        let current = try balance(account, asset, state)
        let (sum, overflow) = current.addingReportingOverflow(amount)
        guard !overflow else { return TransactionResult(.tecOVERFLOW, "balance of \(account) in \(asset)") }
        if try accountState(account, state) == nil { state.set(.account(account), AccountState()) }
        setBalance(account, asset, sum, &state)
        return nil
    }

    /// An order payout: to the balance, or held if the account is frozen. Deposit
    /// authorization does not apply to an order's parties.
    mutating func payout<B>(_ account: Address, _ asset: AssetCode, _ amount: UInt64, _ state: inout StateOverlay<B>)
        throws(LedgerError) {
        guard amount > 0 else { return }
        let escrow = try state.record(.escrow(asset), as: UInt64.self) ?? 0
        state.set(.escrow(asset), escrow - min(escrow, amount))
        if try accountState(account, state)?.frozen == true {
            let held = try state.record(.held(account, asset), as: UInt64.self) ?? 0
            state.set(.held(account, asset), held &+ amount)
        } else {
            // Escrowed amounts came out of balances, so they cannot overflow one.
            _ = try credit(account, asset, amount, &state)
        }
    }

    mutating func touchCredit<B>(_ account: Address, _ state: inout StateOverlay<B>, _ update: (inout CreditRecord) -> Void)
        throws(LedgerError) {
        var record = try state.record(.credit(account), as: CreditRecord.self) ?? CreditRecord()
        if record.firstActivityHeight == 0 { record.firstActivityHeight = context.height }
        record.lastActivityHeight = context.height
        update(&record)
        state.set(.credit(account), record)
    }
}

extension Ledger {
    /// Rules that need no state: a transaction failing one of these can never be valid.
    func staticCheck(_ transaction: Transaction) -> TransactionResult? {
        func known(_ asset: AssetCode) -> Bool { assets[asset] != nil }
        switch transaction.body {
        case let .transfer(to, asset, amount, _):
            if !known(asset) { return TransactionResult(.temUNKNOWN_ASSET, "\(asset)") }
            if amount == 0 { return TransactionResult(.temBAD_AMOUNT) }
            if to == transaction.sender { return TransactionResult(.temREDUNDANT) }
        case let .issue(_, asset, amount), let .redeem(asset, amount):
            if !known(asset) { return TransactionResult(.temUNKNOWN_ASSET, "\(asset)") }
            if amount == 0 { return TransactionResult(.temBAD_AMOUNT) }
        case let .claim(asset):
            if !known(asset) { return TransactionResult(.temUNKNOWN_ASSET, "\(asset)") }
        case let .preauthorize(account, _):
            if account == transaction.sender { return TransactionResult(.temREDUNDANT) }
        case let .orderCreate(terms):
            return staticCheck(terms, buyer: transaction.sender)
        case let .orderResolve(_, basisPoints):
            if basisPoints > 10_000 { return TransactionResult(.temBAD_FRACTION, "\(basisPoints)") }
        default:
            break
        }
        return nil
    }

    private func staticCheck(_ terms: OrderTerms, buyer: Address) -> TransactionResult? {
        guard assets[terms.asset] != nil else { return TransactionResult(.temUNKNOWN_ASSET, "\(terms.asset)") }
        guard terms.price > 0 else { return TransactionResult(.temBAD_AMOUNT) }
        guard terms.shipBy < terms.deliverBy else {
            return TransactionResult(.temBAD_DEADLINES, "ship-by \(terms.shipBy), deliver-by \(terms.deliverBy)")
        }
        var parties = [buyer, terms.seller]
        if let carrier = terms.carrier { parties.append(carrier) }
        if let arbiter = terms.arbiter { parties.append(arbiter) }
        guard Set(parties).count == parties.count else { return TransactionResult(.temBAD_PARTIES) }
        if let quote = terms.fxQuote, let refusal = staticCheck(quote, terms: terms, buyer: buyer) { return refusal }
        return nil
    }

    /// A quote's rules that need no state, each refusal naming the offending values.
    /// The signature is checked last, being the costliest.
    private func staticCheck(_ quote: FXQuote, terms: OrderTerms, buyer: Address) -> TransactionResult? {
        let name = "quote \(quote.quoteID) of \(quote.provider)"
        guard quote.buyer == buyer else {
            return TransactionResult(.temQUOTE_WRONG_BUYER, "\(name) is made out to \(quote.buyer), not to the sender \(buyer)")
        }
        guard quote.buyerAsset != quote.sellerAsset else {
            return TransactionResult(.temQUOTE_SAME_ASSET, "\(name) converts \(quote.buyerAsset) to \(quote.sellerAsset)")
        }
        guard quote.sellerAsset == terms.asset else {
            return TransactionResult(.temQUOTE_ASSETS,
                                     "\(name) converts \(quote.buyerAsset) to \(quote.sellerAsset); the order is priced in \(terms.asset)")
        }
        guard assets[quote.buyerAsset] != nil else {
            return TransactionResult(.temUNKNOWN_ASSET, "\(quote.buyerAsset), the asset \(name) is paid in")
        }
        guard quote.rateNumerator > 0, quote.rateDenominator > 0 else {
            return TransactionResult(.temBAD_QUOTE, "\(name) has the rate \(quote.rateNumerator)/\(quote.rateDenominator)")
        }
        guard quote.provider != buyer, quote.provider != terms.seller else {
            let role = quote.provider == buyer ? "buyer" : "seller"
            return TransactionResult(.temBAD_PARTIES, "FX provider \(quote.provider) is also the \(role)")
        }
        let key = Ed25519.PublicKey(quote.provider.publicKey)
        guard key.isValidSignature(Ed25519.Signature(quote.signature), domain: Ledger.quoteDomain,
                                   network: networkID, body: quote.signingBody) else {
            return TransactionResult(.temBAD_QUOTE, "the signature of \(name) does not verify")
        }
        return nil
    }
}
