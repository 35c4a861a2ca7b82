import TradewindCrypto
import TradewindWire

/// The ledger's state machine: pure, reading through a `StateView`, returning a
/// write set, receipts and the next state root. It never touches storage itself.
public struct Ledger: Sendable {
    public static let transactionDomain = SigningDomain("tradewind/transaction/v1")
    public static let quoteDomain = SigningDomain("tradewind/fx-quote/v1")
    public static let basisPoints: UInt64 = 10_000

    public let genesis: Genesis
    public let networkID: Bytes32
    let assets: [AssetCode: AssetInfo]

    public init(genesis: Genesis) throws(WireError) {
        try genesis.validate()
        self.genesis = genesis
        networkID = Blake2b.hash256(genesis.wireEncoded)
        assets = Dictionary(uniqueKeysWithValues: genesis.assets.map {
            ($0.code, AssetInfo(decimals: $0.decimals, issuer: $0.issuer.address))
        })
    }

    public var parameters: Genesis.Parameters { genesis.parameters }

    /// The writes that create the genesis state, and its root (height 0).
    public func genesisState() -> (writes: [(key: StateKey, value: [UInt8]?)], root: Bytes32) {
        var writes: [StateKey: [UInt8]] = [:]
        var supply: [AssetCode: UInt64] = [:]
        for balance in genesis.balances {
            writes[.balance(balance.account.address, balance.asset)] = balance.amount.wireVarint
            writes[.account(balance.account.address)] = AccountState().wireEncoded
            supply[balance.asset, default: 0] += balance.amount
        }
        for asset in genesis.assets {
            writes[.asset(asset.code)] = AssetInfo(decimals: asset.decimals, issuer: asset.issuer.address).wireEncoded
            writes[.supply(asset.code)] = Supply(issued: supply[asset.code, default: 0]).wireEncoded
            writes[.account(asset.issuer.address)] = writes[.account(asset.issuer.address)] ?? AccountState().wireEncoded
        }
        let authorities = genesis.authorities.map(\.address)
        for authority in authorities where writes[.account(authority)] == nil {
            writes[.account(authority)] = AccountState().wireEncoded
        }
        writes[.chain] = ChainState(height: 0, lastBlockTime: genesis.genesisTime, authorities: authorities).wireEncoded
        let sorted = writes.map { (key: $0.key, value: Optional($0.value)) }.sorted { $0.key < $1.key }
        return (sorted, StateRoot.next(previous: .zero, writes: sorted))
    }

    /// Where a block sits: its height and time, and the parent's time (the "t" that
    /// deadlines compare against).
    public struct BlockContext: Sendable {
        public var height: UInt64
        public var time: UInt64
        public var parentTime: UInt64

        public init(height: UInt64, time: UInt64, parentTime: UInt64) {
            self.height = height
            self.time = time
            self.parentTime = parentTime
        }
    }

    public struct Outcome: Sendable {
        public var transaction: Transaction
        public var id: Bytes32
        public var result: TransactionResult
    }

    public struct Execution: Sendable {
        /// The transactions in the block, in order (all applied: tes or tec).
        public var included: [Outcome]
        /// Candidates left out (tem, tef, ter), with why.
        public var excluded: [Outcome]
        /// Every candidate's result, in candidate order.
        public var results: [TransactionResult]
        public var writes: [(key: StateKey, value: [UInt8]?)]
        public var stateRoot: Bytes32
        /// The authority set from height + 2 on, if this block changed it.
        public var nextAuthorities: [Address]?
        public var chain: ChainState
    }

    /// Executes `candidates` in order for a block at `context`: transactions that can
    /// be applied go in (up to the genesis caps); the rest are left out with their
    /// result. This is what a proposer does; a validator calls `apply`.
    public func execute(
        _ candidates: [Transaction], context: BlockContext, previousRoot: Bytes32, view: some StateView,
        signatures: SignatureChecks = .all, offenses: [Offense] = []
    ) throws(LedgerError) -> Execution {
        try execute(identified: candidates.map(IdentifiedTransaction.init), context: context, previousRoot: previousRoot,
                    view: view, signatures: signatures, offenses: offenses)
    }

    /// `execute` for candidates whose ids and sizes are already known (the mempool's).
    public func execute(
        identified candidates: [IdentifiedTransaction], context: BlockContext, previousRoot: Bytes32, view: some StateView,
        signatures: SignatureChecks = .all, offenses: [Offense] = []
    ) throws(LedgerError) -> Execution {
        var state = StateOverlay(base: view)
        guard var chain = try state.record(.chain, as: ChainState.self) else { throw .missingChainState }
        guard context.height == chain.height + 1 else {
            throw .invalidBlock("height \(context.height) does not follow \(chain.height)")
        }
        guard context.parentTime == chain.lastBlockTime, context.time > chain.lastBlockTime else {
            throw .invalidBlock("block time \(context.time) must be after the parent's \(chain.lastBlockTime)")
        }
        var included: [Outcome] = []
        var excluded: [Outcome] = []
        var results: [TransactionResult] = []
        results.reserveCapacity(candidates.count)
        var bytes: UInt64 = 0
        var scheduledChange: [Address]?
        for candidate in candidates {
            let (transaction, id, size) = (candidate.transaction, candidate.id, candidate.size)
            if included.count >= Int(parameters.maxTransactionsPerBlock)
                || bytes + UInt64(size) > parameters.maxBlockBytes {
                let full = TransactionResult(.terPRE_SEQ, "block full")
                excluded.append(Outcome(transaction: transaction, id: id, result: full))
                results.append(full)
                continue
            }
            var step = Step(ledger: self, context: context, chain: chain)
            let result = try step.run(transaction, id: id, size: size, verifySignature: signatures.required(for: id),
                                      state: &state)
            let outcome = Outcome(transaction: transaction, id: id, result: result)
            results.append(result)
            if result.code.isApplied {
                included.append(outcome)
                bytes += UInt64(size)
                chain = step.chain
                if let change = step.scheduledSet { scheduledChange = change }
            } else {
                excluded.append(outcome)
            }
        }
        // Evidence in the block: each offence is recorded once, against an authority of this height's set.
        let signers = Set(chain.authorities(at: context.height))
        for offense in offenses {
            guard signers.contains(offense.authority) else {
                throw .invalidBlock("evidence against \(offense.authority), not an authority at height \(context.height)")
            }
            guard try state.value(for: .offense(offense)) == nil else {
                throw .invalidBlock("evidence against \(offense.authority) at height \(offense.height) round \(offense.round) is already recorded")
            }
            state.set(.offense(offense), context.height)
        }
        // The block itself: advance the chain and bring scheduled authority sets into force.
        chain.height = context.height
        chain.lastBlockTime = context.time
        if let due = chain.scheduled.last(where: { $0.height <= context.height }) {
            chain.authorities = due.authorities
            chain.scheduled.removeAll { $0.height <= context.height }
        }
        state.set(.chain, chain)
        let writes = state.sortedWrites
        return Execution(
            included: included, excluded: excluded, results: results, writes: writes,
            stateRoot: StateRoot.next(previous: previousRoot, writes: writes),
            nextAuthorities: scheduledChange, chain: chain)
    }

    /// Applies a block's transactions as a validator: every one must apply (tes or
    /// tec), or the block is invalid.
    public func apply(
        _ transactions: [Transaction], context: BlockContext, previousRoot: Bytes32, view: some StateView,
        signatures: SignatureChecks = .all, offenses: [Offense] = []
    ) throws(LedgerError) -> Execution {
        guard transactions.count <= Int(parameters.maxTransactionsPerBlock) else {
            throw .invalidBlock("\(transactions.count) transactions exceed the cap of \(parameters.maxTransactionsPerBlock)")
        }
        let execution = try execute(transactions, context: context, previousRoot: previousRoot, view: view,
                                    signatures: signatures, offenses: offenses)
        if let bad = execution.excluded.first {
            throw .invalidBlock("transaction \(bad.id.hex) cannot be applied: \(bad.result)")
        }
        return execution
    }

    /// Mempool admission: whether `transaction` (with its id and encoded size) passes
    /// every check before its body on top of `view` in the next block — form, signature
    /// (unless already verified), expiry, account and sequence — and, for a deadline
    /// transition, whether its deadline has passed (else `terTOO_EARLY` with the time
    /// it applies from). Nil if it passes: it would then be applied, its body deciding
    /// between tes and tec. `chain` is the chain state `view` holds, if the caller has it.
    public func check(_ transaction: Transaction, size: Int, view: some StateView, at context: BlockContext,
                      chain knownChain: ChainState? = nil, verifySignature: Bool = true) throws(LedgerError) -> TransactionResult? {
        let state = StateOverlay(base: view)
        let chain: ChainState
        if let knownChain {
            chain = knownChain
        } else {
            guard let stored = try state.record(.chain, as: ChainState.self) else { throw .missingChainState }
            chain = stored
        }
        var step = Step(ledger: self, context: context, chain: chain)
        switch try step.precheck(transaction, size: size, verifySignature: verifySignature, state: state) {
        case let .fails(result): return result
        case .passes: break
        }
        // A deadline transition runs its body on a scratch copy: before its deadline it
        // waits in the mempool (terTOO_EARLY) rather than committing as a failure.
        guard transaction.body.waitsForDeadline else { return nil }
        var scratch = state
        let result = try step.run(transaction, id: .zero, size: size, verifySignature: false, state: &scratch)
        return result.code == .terTOO_EARLY ? result : nil
    }
}

/// An authority's proven equivocation, as the ledger records it (the evidence
/// itself is checked by consensus before the block is built or accepted).
public struct Offense: Hashable, Sendable {
    public var authority: Address
    public var height: UInt64
    public var round: UInt32
    /// 0 proposal, 1 prevote, 2 precommit.
    public var step: UInt8

    public init(authority: Address, height: UInt64, round: UInt32, step: UInt8) {
        self.authority = authority
        self.height = height
        self.round = round
        self.step = step
    }
}

extension UInt64 {
    /// This integer as a canonical varint (how balances are stored).
    var wireVarint: [UInt8] {
        var writer = WireWriter(reservingCapacity: 10)
        writer.writeVarint(self)
        return writer.bytes
    }
}
