import TradewindConsensus
import TradewindCrypto
import TradewindGossip
import TradewindLedger
import TradewindPeerCore
import TradewindSimulation
import TradewindWire

/// The keys, addresses and genesis of a simulated network.
struct MeshRoster: Sendable {
    static let genesisTime: UInt64 = 1_790_000_000_000
    static let usd = AssetCode("USD")!

    let authorityKeys: [Ed25519.PrivateKey]
    let participantKeys: [Ed25519.PrivateKey]
    let ledger: Ledger

    static func key(_ label: String) -> Ed25519.PrivateKey {
        // Deterministic keys: the seed is the hash of the label.
        try! Ed25519.PrivateKey(seed: Blake2b.hash256(Array(label.utf8)))
    }

    init(authorities: Int, participants: Int) {
        authorityKeys = (0..<authorities).map { Self.key("authority-\($0)") }
        participantKeys = (0..<participants).map { Self.key("participant-\($0)") }
        let issuer = Self.key("issuer").publicKey.address
        let genesis = Genesis(
            chainName: "mesh", genesisTime: Self.genesisTime, authorities: authorityKeys.map(\.publicKey.address),
            assets: [.init(code: Self.usd, decimals: 2, issuer: issuer)],
            balances: participantKeys.map { .init(account: $0.publicKey.address, asset: Self.usd, amount: 1_000_000_000) })
        ledger = try! Ledger(genesis: genesis)
    }

    var keys: [Ed25519.PrivateKey] { authorityKeys + participantKeys }
    var addresses: [Address] { keys.map(\.publicKey.address) }

    /// A placeholder endpoint per peer: the simulated network routes by identity.
    func endpoint(_ index: Int) -> PeerEndpoint {
        PeerEndpoint(ip: [10, 0, UInt8(index / 256), UInt8(index % 256)], port: 7000)!
    }
}

/// Committed chain and state in memory, with LMDB's contract: a commit applies the
/// block, its certificate and the state writes at once.
struct MemoryStorage: PeerStorage {
    var state = MemoryState()
    var blocks: [UInt64: (block: Block, certificate: CommitCertificate)] = [:]
    var signed: ConsensusEngine.Core.SignedState?
    /// The last committed block as the engine restarts from it (nil: genesis).
    var head: ConsensusEngine.Head?

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

/// What a whole simulated mesh shares: one signature cache keyed by transaction id
/// (so a run measures the protocol, not libsodium), and when each transaction and
/// each block reached each peer.
final class MeshObserver {
    struct Spread {
        var first: MonotonicInstant
        var last: MonotonicInstant
        var peers: Int
    }

    private var signatures: [Bytes32: Bool] = [:]
    private(set) var transactions: [Bytes32: Spread] = [:]
    private(set) var blocks: [UInt64: Spread] = [:]

    func isValid(_ transaction: Transaction, id: Bytes32, network: Bytes32) -> Bool {
        if let known = signatures[id] { return known }
        let valid = transaction.hasValidSignature(network: network)
        signatures[id] = valid
        return valid
    }

    /// A peer learned of a transaction (each peer reports each id once).
    func learned(_ id: Bytes32, at time: MonotonicInstant) {
        Self.record(&transactions[id], at: time)
    }

    /// A peer committed the block at `height`.
    func committed(_ height: UInt64, at time: MonotonicInstant) {
        Self.record(&blocks[height], at: time)
    }

    private static func record(_ spread: inout Spread?, at time: MonotonicInstant) {
        if spread == nil { spread = Spread(first: time, last: time, peers: 0) }
        spread?.last = time
        spread?.peers += 1
    }
}

/// A whole peer in the simulator: `PeerCore` over memory, the network carrying the
/// encoded envelopes it sends. Counts the bytes it uploads.
struct MeshNode: SimulatedNode {
    typealias ID = Address
    typealias Message = [UInt8]
    typealias Core = PeerCore<SeededRandom>

    var core: Core
    var storage = MemoryStorage()
    let network: Bytes32
    /// Bytes of envelopes this peer sent, in all and by kind.
    var uploaded = 0
    var uploadedByKind: [String: Int] = [:]
    var commits: [(height: UInt64, blockID: Bytes32, size: Int)] = []
    var failures: [String] = []
    /// Shared with the rest of the mesh, when measuring at scale.
    let observer: MeshObserver?
    /// Transactions this peer has learned of (reported to the observer once each).
    var known = Set<Bytes32>()
    /// The simulated time of the input being handled.
    var clock: MonotonicInstant = .zero
    /// Drops every transaction pushed or announced to this peer, as if it had been
    /// away while they spread: it learns of them only from blocks and requests.
    var deafToTransactionGossip = false
    /// Bytes of envelopes received, by kind, when `countsReceived`.
    var countsReceived = false
    var receivedByKind: [String: Int] = [:]

    /// The simulator's clock as both of a peer's clocks: the wall clock starts at genesis.
    static func time(_ simulated: MonotonicInstant) -> PeerTime {
        PeerTime(wall: UnixInstant(milliseconds: MeshRoster.genesisTime) + simulated.sinceStart, monotonic: simulated)
    }

    /// Peer `index`, new from genesis, or restarted at `now` from what it had stored.
    init(index: Int, roster: MeshRoster, seeds: [Int], seed: UInt64, configuration: Core.Configuration = .init(),
         observer: MeshObserver? = nil, restartingFrom stored: MemoryStorage? = nil, now: MonotonicInstant = .zero) {
        self.observer = observer
        clock = now
        let key = roster.keys[index]
        let genesis = roster.ledger.genesisState()
        if let stored {
            storage = stored
        } else {
            storage.state.apply(genesis.writes)
        }
        let head = storage.head ?? ConsensusEngine.Head(height: 0, blockID: .zero, stateRoot: genesis.root,
                                                         time: MeshRoster.genesisTime, certificate: nil)
        let chain = try! StateOverlay(base: storage.state).record(.chain, as: ChainState.self)!
        let engine = ConsensusEngine(ledger: roster.ledger, key: key, me: key.publicKey.address, head: head, chain: chain,
                                     lastSigned: storage.signed, now: Self.time(now))
        let seedEndpoints = Dictionary(uniqueKeysWithValues: seeds.filter { $0 != index }.map {
            (roster.addresses[$0], roster.endpoint($0))
        })
        network = roster.ledger.networkID
        core = Core(engine: engine, endpoint: roster.endpoint(index),
                    role: index < roster.authorityKeys.count ? .authority : .participant, seeds: seedEndpoints,
                    now: Self.time(now), configuration: configuration,
                    random: { stream in SeededRandom(mixing: seed, UInt64(index), UInt64(stream), now.nanoseconds) })
    }

    mutating func receive(_ message: [UInt8], from sender: Address, now: MonotonicInstant) -> [(to: Address, message: [UInt8])] {
        clock = now
        if countsReceived || deafToTransactionGossip, let envelope = try? GossipEnvelope(wireEncoded: message) {
            if countsReceived { receivedByKind[Self.kind(envelope), default: 0] += message.count }
            if deafToTransactionGossip, case let .dissemination(gossip) = envelope {
                switch gossip {
                case .push(.transactions, _), .ihave(.transactions, _): return []
                default: break
                }
            }
        }
        return step { core, storage throws(PeerStorageError) in try core.receive(message, from: sender, now: Self.time(now), storage: &storage) }
    }

    mutating func tick(now: MonotonicInstant) -> [(to: Address, message: [UInt8])] {
        clock = now
        return step { core, storage throws(PeerStorageError) in try core.tick(now: Self.time(now), storage: &storage) }
    }

    mutating func submit(_ transaction: Transaction, now: MonotonicInstant) -> (ConsensusEngine.Submission?, [(to: Address, message: [UInt8])]) {
        clock = now
        var submission: ConsensusEngine.Submission?
        let identified = IdentifiedTransaction(transaction)
        learn(identified.id)
        let checked = Core.CheckedTransaction(identified: identified, signatureValid: isValid(identified))
        let out = step { core, storage throws(PeerStorageError) in
            let (submissions, outputs) = try core.submit([checked], now: Self.time(now), storage: &storage)
            submission = submissions.first
            return outputs
        }
        return (submission, out)
    }

    /// Runs one input through the core and carries out its outputs as the peer's
    /// shell does: sends leave, signatures are checked (here, at once), commits recorded.
    mutating func step(_ body: (inout Core, inout MemoryStorage) throws(PeerStorageError) -> [Core.Output])
        -> [(to: Address, message: [UInt8])] {
        var pending: [Core.Output]
        do { pending = try body(&core, &storage) } catch {
            failures.append("\(error)")
            return []
        }
        var sends: [(to: Address, message: [UInt8])] = []
        var index = 0
        while index < pending.count {
            switch pending[index] {
            case let .send(envelope, to):
                let bytes = envelope.wireEncoded
                uploaded += bytes.count
                uploadedByKind[Self.kind(envelope), default: 0] += bytes.count
                sends.append((to, bytes))
            case let .verify(transactions):
                let checked = transactions.map { transaction in
                    let identified = IdentifiedTransaction(transaction)
                    learn(identified.id)
                    return Core.CheckedTransaction(identified: identified, signatureValid: isValid(identified))
                }
                do { pending += try core.checked(checked, now: Self.time(clock), storage: &storage) } catch {
                    failures.append("\(error)")
                }
            case .learn, .refusedVersion:
                break
            case let .committed(block, certificate, _):
                commits.append((block.header.height, block.header.id,
                                ConsensusMessage.committedBlock(block, certificate).wireEncoded.count))
                observer?.committed(block.header.height, at: clock)
                if observer != nil { for transaction in block.transactions { learn(transaction.id) } }
            }
            index += 1
        }
        return sends
    }

    func isValid(_ identified: IdentifiedTransaction) -> Bool {
        observer?.isValid(identified.transaction, id: identified.id, network: network)
            ?? identified.transaction.hasValidSignature(network: network)
    }

    /// Reports a transaction this peer sees for the first time (submitted here, asked to
    /// verify, or in a committed block).
    mutating func learn(_ id: Bytes32) {
        guard let observer, known.insert(id).inserted else { return }
        observer.learned(id, at: clock)
    }

    /// What an envelope is, for the upload figures: read from the topic and the
    /// consensus tag alone (every send is counted, so nothing is decoded).
    static func kind(_ envelope: GossipEnvelope) -> String {
        switch envelope {
        case .membership: return "membership"
        case let .dissemination(message):
            switch message {
            case .push(.transactions, _): return "push transactions"
            case .push(.consensus, _): return "push consensus"
            case .push(.blocks, _): return "push blocks"
            case .ihave: return "ihave"
            case .iwant: return "iwant"
            }
        case .parts: return "parts"
        case let .direct(payload):
            // Direct consensus messages by kind: votes and proposals among authorities,
            // blocks answered to peers behind, transactions answered to a proposal's voters.
            switch payload.first {
            case 1: return "direct proposal"
            case 2: return "direct vote"
            case 3: return "direct evidence"
            case 4: return "direct transactions"
            case 5, 6, 9: return "direct request"
            case 7: return "direct block"
            case 8: return "direct compact block"
            default: return "direct (unknown tag)"
            }
        }
    }
}
