import TradewindCrypto
import TradewindLedger
import TradewindWire

/// A ledger over an in-memory state, with named, deterministic keys, driven block
/// by block with explicit times.
struct LedgerHarness {
    static let usd = AssetCode("USD")!
    static let eur = AssetCode("EUR")!
    static let genesisTime: UInt64 = 1_800_000_000_000
    static let day: UInt64 = 24 * 3600 * 1000

    var keys: [String: Ed25519.PrivateKey] = [:]
    var ledger: Ledger
    var state = MemoryState()
    var root: Bytes32
    var height: UInt64 = 0
    var time: UInt64 = genesisTime
    var sequences: [Address: UInt64] = [:]
    var nextAuthorities: [[Address]] = []

    static func key(_ name: String) -> Ed25519.PrivateKey {
        let seed = Blake2b.hash256(Array(name.utf8))
        return try! Ed25519.PrivateKey(seed: seed)
    }

    init(authorities: [String] = ["auth1", "auth2", "auth3", "auth4"],
         funded: [String] = ["buyer", "seller", "fx", "carrier", "arbiter", "alice", "bob"]) {
        var keys: [String: Ed25519.PrivateKey] = [:]
        for name in authorities + funded + ["usdIssuer", "eurIssuer"] { keys[name] = Self.key(name) }
        self.keys = keys
        let usdIssuer = keys["usdIssuer"]!.publicKey.address
        let eurIssuer = keys["eurIssuer"]!.publicKey.address
        var balances: [Genesis.Balance] = []
        for name in funded {
            let address = keys[name]!.publicKey.address
            balances.append(.init(account: address, asset: Self.usd, amount: 1_000_000))
            balances.append(.init(account: address, asset: Self.eur, amount: 1_000_000))
        }
        var parameters = Genesis.Parameters()
        parameters.disputeWindowMs = 2 * Self.day
        parameters.arbitrationWindowMs = 3 * Self.day
        let genesis = Genesis(
            chainName: "ledger-tests", genesisTime: Self.genesisTime,
            authorities: authorities.map { keys[$0]!.publicKey.address },
            assets: [.init(code: Self.usd, decimals: 2, issuer: usdIssuer), .init(code: Self.eur, decimals: 2, issuer: eurIssuer)],
            balances: balances, parameters: parameters)
        ledger = try! Ledger(genesis: genesis)
        let initial = ledger.genesisState()
        state.apply(initial.writes)
        root = initial.root
    }

    func address(_ name: String) -> Address { keys[name]!.publicKey.address }
    var network: Bytes32 { ledger.networkID }

    /// A signed transaction from `name` with its next sequence number.
    mutating func tx(_ name: String, _ body: TransactionBody, sequence: UInt64? = nil, lastValid: UInt64 = 1_000_000) -> Transaction {
        let sender = address(name)
        let next = sequence ?? sequences[sender, default: 0]
        if sequence == nil { sequences[sender] = next + 1 }
        return Transaction(sender: sender, sequence: next, lastValidHeight: lastValid, body: body)
            .signed(by: keys[name]!, network: network)
    }

    /// Applies a block at `blockTime` (default: 1 s after the previous block), so its
    /// transactions see t = the previous block's time. Returns each one's result.
    @discardableResult
    mutating func block(_ transactions: [Transaction], at blockTime: UInt64? = nil,
                        signatures: SignatureChecks = .all) throws -> [TransactionResult] {
        let context = Ledger.BlockContext(height: height + 1, time: blockTime ?? time + 1000, parentTime: time)
        let execution = try ledger.execute(transactions, context: context, previousRoot: root, view: state,
                                           signatures: signatures)
        state.apply(execution.writes)
        root = execution.stateRoot
        height = context.height
        time = context.time
        if let next = execution.nextAuthorities { nextAuthorities.append(next) }
        // A transaction left out of the block did not consume its sequence number
        // (unless that number was already used).
        for outcome in execution.excluded where outcome.result.code != .tefPAST_SEQ {
            let sender = outcome.transaction.sender
            sequences[sender] = min(sequences[sender] ?? 0, outcome.transaction.sequence)
        }
        return execution.results
    }

    /// One transaction in its own block; its result.
    mutating func run(_ name: String, _ body: TransactionBody, at blockTime: UInt64? = nil) throws -> TransactionResult {
        try block([tx(name, body)], at: blockTime)[0]
    }

    /// Advances the chain so that the next block's t equals `t` exactly.
    mutating func advance(toParentTime t: UInt64) throws {
        precondition(t > time)
        try block([], at: t)
    }

    func record<T: WireDecodable>(_ key: StateKey, as type: T.Type = T.self) -> T? {
        state.value(for: key).flatMap { try? T(wireEncoded: $0) }
    }

    func balance(_ name: String, _ asset: AssetCode = usd) -> UInt64 { record(.balance(address(name), asset)) ?? 0 }
    func held(_ name: String, _ asset: AssetCode = usd) -> UInt64 { record(.held(address(name), asset)) ?? 0 }
    func order(_ id: Bytes32) -> Order? { record(.order(id)) }
    func credit(_ name: String) -> CreditRecord { record(.credit(address(name))) ?? CreditRecord() }
    var chain: ChainState { record(.chain)! }

    /// Σ balances + Σ held + Σ escrow for `asset`, and issued − redeemed.
    func supplyCheck(_ asset: AssetCode) -> (accounted: UInt64, outstanding: UInt64) {
        var total: UInt64 = 0
        for (key, value) in state.entries {
            guard let table = key.table else { continue }
            let suffix = [UInt8(asset.rawValue.utf8.count)] + Array(asset.rawValue.utf8)
            switch table {
            case .balance, .held:
                if Array(key.bytes.suffix(suffix.count)) == suffix && key.bytes.count == 1 + 32 + suffix.count {
                    total += (try? UInt64(wireEncoded: value)) ?? 0
                }
            case .escrow:
                if Array(key.bytes.dropFirst()) == suffix { total += (try? UInt64(wireEncoded: value)) ?? 0 }
            default:
                break
            }
        }
        let supply: Supply = record(.supply(asset)) ?? Supply()
        return (total, supply.issued - supply.redeemed)
    }
}
