import TradewindConsensus
import TradewindCrypto
import TradewindLedger
import TradewindSimulation
import TradewindWire

/// The keys, addresses and genesis of a simulated network.
struct Roster: Sendable {
    static let genesisTime: UInt64 = 1_790_000_000_000
    static let usd = AssetCode("USD")!

    let authorityKeys: [Ed25519.PrivateKey]
    /// Keys of peers that run but do not sign at genesis (followers, future authorities).
    let otherKeys: [Ed25519.PrivateKey]
    let accountKeys: [Ed25519.PrivateKey]
    let ledger: Ledger

    static func key(_ label: String) -> Ed25519.PrivateKey {
        // Deterministic keys: the seed is the hash of the label.
        try! Ed25519.PrivateKey(seed: Blake2b.hash256(Array(label.utf8)))
    }

    init(authorities: Int, others: Int = 0, accounts: Int = 8) {
        authorityKeys = (0..<authorities).map { Self.key("authority-\($0)") }
        otherKeys = (0..<others).map { Self.key("peer-\($0)") }
        accountKeys = (0..<accounts).map { Self.key("account-\($0)") }
        let issuer = Self.key("issuer").publicKey.address
        let genesis = Genesis(
            chainName: "simulation", genesisTime: Self.genesisTime,
            authorities: authorityKeys.map(\.publicKey.address),
            assets: [.init(code: Self.usd, decimals: 2, issuer: issuer)],
            balances: (accountKeys + otherKeys).map { .init(account: $0.publicKey.address, asset: Self.usd, amount: 1_000_000_000) })
        ledger = try! Ledger(genesis: genesis)
    }

    var keys: [Ed25519.PrivateKey] { authorityKeys + otherKeys }
    var count: Int { authorityKeys.count + otherKeys.count }
    func address(_ id: Int) -> Address { keys[id].publicKey.address }
    func id(of address: Address) -> Int? { keys.firstIndex { $0.publicKey.address == address } }
}

/// What survives a crash: the committed chain and state, and the signed state.
struct DurableStore: Sendable {
    var state = MemoryState()
    var blocks: [UInt64: (block: Block, certificate: CommitCertificate)] = [:]
    var signed: ConsensusEngine.Core.SignedState?
    var head: ConsensusEngine.Head
}

/// A peer in the simulator: the consensus engine over an in-memory store with the
/// same contract as LMDB (a commit applies the block and its state atomically).
struct ChainNode: SimulatedNode {
    typealias ID = Int
    typealias Message = ConsensusMessage

    let id: Int
    let roster: Roster
    var engine: ConsensusEngine
    var store: DurableStore
    /// Committed (height, block id, state root, simulated time) in order, for the checks.
    var commits: [(height: UInt64, blockID: Bytes32, stateRoot: Bytes32, at: UInt64)] = []

    static func now(_ simulated: UInt64) -> UInt64 { Roster.genesisTime * 1_000_000 + simulated }

    init(id: Int, roster: Roster, configuration: ConsensusEngine.Configuration = .init(), now: UInt64 = 0) {
        let genesis = roster.ledger.genesisState()
        var state = MemoryState()
        state.apply(genesis.writes)
        let head = ConsensusEngine.Head(height: 0, blockID: .zero, stateRoot: genesis.root, time: Roster.genesisTime,
                                        certificate: nil)
        self.init(id: id, roster: roster, store: DurableStore(state: state, head: head), configuration: configuration, now: now)
    }

    /// A peer (re)started from what it had durably written.
    init(id: Int, roster: Roster, store: DurableStore, configuration: ConsensusEngine.Configuration, now: UInt64) {
        self.id = id
        self.roster = roster
        self.store = store
        let chain = try! StateOverlay(base: store.state).record(.chain, as: ChainState.self)!
        engine = ConsensusEngine(ledger: roster.ledger, key: roster.keys[id], me: roster.address(id), head: store.head,
                                 chain: chain, lastSigned: store.signed, now: Self.now(now), configuration: configuration)
    }

    mutating func perform(_ actions: [ConsensusEngine.Action]) -> [(to: Int, message: ConsensusMessage)] {
        var out: [(to: Int, message: ConsensusMessage)] = []
        var applied = false
        for action in actions {
            switch action {
            case let .persist(signed):
                store.signed = signed
            case let .broadcast(message):
                for other in 0..<roster.count where other != id { out.append((other, message)) }
            case let .send(message, to):
                if let other = roster.id(of: to) { out.append((other, message)) }
            case let .commit(block, certificate, execution):
                store.state.apply(execution.writes)
                store.blocks[block.header.height] = (block, certificate)
                store.head = ConsensusEngine.Head(height: block.header.height, blockID: block.header.id,
                                                  stateRoot: execution.stateRoot, time: block.header.time,
                                                  certificate: certificate)
                commits.append((block.header.height, block.header.id, execution.stateRoot, engine.now))
                applied = true
            case let .sendCommittedBlock(height, to):
                if let stored = store.blocks[height], let other = roster.id(of: to) {
                    out.append((other, .committedBlock(stored.block, stored.certificate)))
                }
            }
        }
        if applied { out += perform(engine.resume(now: engine.now, state: store.state)) }
        return out
    }

    mutating func receive(_ message: ConsensusMessage, from sender: Int, now: UInt64) -> [(to: Int, message: ConsensusMessage)] {
        let actions = engine.receive(message, from: roster.address(sender), now: Self.now(now), state: store.state)
        return perform(actions)
    }

    mutating func tick(now: UInt64) -> [(to: Int, message: ConsensusMessage)] {
        perform(engine.tick(now: Self.now(now), state: store.state))
    }

    mutating func submit(_ transaction: Transaction, now: UInt64) -> [(to: Int, message: ConsensusMessage)] {
        let (_, actions) = engine.submit(transaction, now: Self.now(now), state: store.state)
        return perform(actions)
    }
}
