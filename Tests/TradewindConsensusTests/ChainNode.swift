import TradewindConsensus
import TradewindCrypto
import TradewindGossip
import TradewindLedger
import TradewindPeerCore
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

    init(authorities: Int, others: Int = 0, accounts: Int = 8, parameters: Genesis.Parameters = .init()) {
        authorityKeys = (0..<authorities).map { Self.key("authority-\($0)") }
        otherKeys = (0..<others).map { Self.key("peer-\($0)") }
        accountKeys = (0..<accounts).map { Self.key("account-\($0)") }
        let issuer = Self.key("issuer").publicKey.address
        let genesis = Genesis(
            chainName: "simulation", genesisTime: Self.genesisTime,
            authorities: authorityKeys.map(\.publicKey.address),
            assets: [.init(code: Self.usd, decimals: 2, issuer: issuer)],
            balances: (accountKeys + otherKeys).map { .init(account: $0.publicKey.address, asset: Self.usd, amount: 1_000_000_000) },
            parameters: parameters)
        ledger = try! Ledger(genesis: genesis)
    }

    var keys: [Ed25519.PrivateKey] { authorityKeys + otherKeys }
    var count: Int { authorityKeys.count + otherKeys.count }
    func address(_ id: Int) -> Address { keys[id].publicKey.address }
    func id(of address: Address) -> Int? { keys.firstIndex { $0.publicKey.address == address } }

    /// A placeholder endpoint per peer: the simulated network routes by identity.
    func endpoint(_ id: Int) -> PeerEndpoint { PeerEndpoint(ip: [10, 1, UInt8(id / 256), UInt8(id % 256)], port: 7000)! }
}

/// What survives a crash: the committed chain and state, and the signed state,
/// with LMDB's contract (a commit applies block, certificate and state at once).
struct DurableStore: PeerStorage, Sendable {
    var state = MemoryState()
    var blocks: [UInt64: (block: Block, certificate: CommitCertificate)] = [:]
    var signed: ConsensusEngine.Core.SignedState?
    var head: ConsensusEngine.Head

    func read<T>(_ body: (MemoryState) -> T) -> T { body(state) }
    mutating func persist(_ signed: ConsensusEngine.Core.SignedState) { self.signed = signed }
    mutating func commit(_ block: Block, certificate: CommitCertificate, execution: Ledger.Execution) {
        state.apply(execution.writes)
        blocks[block.header.height] = (block, certificate)
        head = ConsensusEngine.Head(height: block.header.height, blockID: block.header.id, stateRoot: execution.stateRoot,
                                    time: block.header.time, certificate: certificate)
    }
    func committedBlock(at height: UInt64) -> (block: Block, certificate: CommitCertificate)? { blocks[height] }
}

/// A whole peer in the simulator: `PeerCore` (agreement, gossip, routing) over an
/// in-memory store, exactly as the running peer drives it over LMDB and UDP.
struct ChainNode: SimulatedNode {
    typealias ID = Int
    typealias Message = [UInt8]
    typealias Core = PeerCore<SeededRandom>

    let id: Int
    let roster: Roster
    var core: Core
    var store: DurableStore
    /// Committed (height, block id, state root, simulated time) in order, for the checks.
    var commits: [(height: UInt64, blockID: Bytes32, stateRoot: Bytes32, at: MonotonicInstant)] = []
    var failures: [String] = []
    var clock: MonotonicInstant = .zero

    var engine: ConsensusEngine { core.engine }

    /// The simulator's clock as both of a peer's clocks: the wall clock starts at genesis.
    static func time(_ simulated: MonotonicInstant) -> PeerTime {
        PeerTime(wall: UnixInstant(milliseconds: Roster.genesisTime) + simulated.sinceStart, monotonic: simulated)
    }

    init(id: Int, roster: Roster, configuration: ConsensusEngine.Configuration = .init(), seed: UInt64 = 0, now: MonotonicInstant = .zero) {
        let genesis = roster.ledger.genesisState()
        var state = MemoryState()
        state.apply(genesis.writes)
        let head = ConsensusEngine.Head(height: 0, blockID: .zero, stateRoot: genesis.root, time: Roster.genesisTime,
                                        certificate: nil)
        self.init(id: id, roster: roster, store: DurableStore(state: state, head: head), configuration: configuration, seed: seed, now: now)
    }

    /// A peer (re)started from what it had durably written.
    /// `seed` is the scenario's: each peer's generators differ from one scenario to the next.
    init(id: Int, roster: Roster, store: DurableStore, configuration: ConsensusEngine.Configuration, seed: UInt64, now: MonotonicInstant) {
        self.id = id
        self.roster = roster
        self.store = store
        clock = now
        let chain = try! StateOverlay(base: store.state).record(.chain, as: ChainState.self)!
        let engine = ConsensusEngine(ledger: roster.ledger, key: roster.keys[id], me: roster.address(id), head: store.head,
                                     chain: chain, lastSigned: store.signed, now: Self.time(now), configuration: configuration)
        // Every peer knows every other from its configuration, as in a configured mesh.
        let seeds = Dictionary(uniqueKeysWithValues: (0..<roster.count).filter { $0 != id }.map {
            (roster.address($0), roster.endpoint($0))
        })
        let role: MemberRole = roster.ledger.genesis.authorities.map(\.address).contains(roster.address(id)) ? .authority : .participant
        let generation = UInt64(now.sinceStart.nanoseconds / 1_000_000)
        core = Core(engine: engine, endpoint: roster.endpoint(id), role: role, seeds: seeds, now: Self.time(now),
                    random: { stream in SeededRandom(mixing: seed, UInt64(id), UInt64(stream), generation) })
    }

    mutating func receive(_ message: [UInt8], from sender: Int, now: MonotonicInstant) -> [(to: Int, message: [UInt8])] {
        clock = now
        let address = roster.address(sender)
        return step { core, store throws(PeerStorageError) in
            try core.receive(message, from: address, now: Self.time(now), storage: &store)
        }
    }

    mutating func tick(now: MonotonicInstant) -> [(to: Int, message: [UInt8])] {
        clock = now
        return step { core, store throws(PeerStorageError) in try core.tick(now: Self.time(now), storage: &store) }
    }

    mutating func submit(_ transaction: Transaction, now: MonotonicInstant) -> [(to: Int, message: [UInt8])] {
        clock = now
        let checked = Core.CheckedTransaction(identified: IdentifiedTransaction(transaction),
                                              signatureValid: transaction.hasValidSignature(network: roster.ledger.networkID))
        return step { core, store throws(PeerStorageError) in
            try core.submit([checked], now: Self.time(now), storage: &store).outputs
        }
    }

    /// One input through the core; its outputs carried out as the peer's shell does
    /// (signatures checked here at once).
    mutating func step(_ body: (inout Core, inout DurableStore) throws(PeerStorageError) -> [Core.Output])
        -> [(to: Int, message: [UInt8])] {
        var pending: [Core.Output]
        do { pending = try body(&core, &store) } catch {
            failures.append("\(error)")
            return []
        }
        var sends: [(to: Int, message: [UInt8])] = []
        var index = 0
        while index < pending.count {
            switch pending[index] {
            case let .send(envelope, to):
                if let other = roster.id(of: to) { sends.append((other, envelope.wireEncoded)) }
            case let .verify(transactions):
                let network = roster.ledger.networkID
                let checked = transactions.map {
                    Core.CheckedTransaction(identified: IdentifiedTransaction($0), signatureValid: $0.hasValidSignature(network: network))
                }
                do { pending += try core.checked(checked, now: Self.time(clock), storage: &store) } catch {
                    failures.append("\(error)")
                }
            case .learn, .refusedVersion:
                break
            case let .committed(block, _, execution):
                commits.append((block.header.height, block.header.id, execution.stateRoot, clock))
            }
            index += 1
        }
        return sends
    }
}
