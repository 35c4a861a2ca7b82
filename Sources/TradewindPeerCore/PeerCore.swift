import TradewindConsensus
import TradewindCrypto
import TradewindGossip
import TradewindLedger
import TradewindWire

/// Part-transfer tags: what a completed object is.
public enum PeerObjectTag {
    /// A committed block with its certificate (a `ConsensusMessage.committedBlock`), spread by gossip.
    public static let committedBlock: UInt64 = 0xB0
    /// A consensus message for one member that does not fit one transport message.
    public static let consensusMessage: UInt64 = 0xC0

    /// A disseminated message's id: BLAKE2b-256 of its payload (for a transaction, its id).
    @Sendable static func messageID(_ topic: GossipTopic, _ payload: [UInt8]) -> Bytes32 { Blake2b.hash256(payload) }
}

/// Everything a peer decides, as one value: the consensus engine, membership,
/// dissemination and part transfer, block prefetch, and the routing between them.
/// It is fed datagram payloads, time and checked signatures; it reads and writes
/// durable state through `PeerStorage`; it returns what to send. The running peer
/// (`PeerNode`, over NIO and LMDB) and the simulator drive the same value.
///
/// Who sends what:
/// - proposals and votes go directly to every authority of the height (a small
///   full mesh), as do consensus messages too large for one message (as parts);
/// - transactions, evidence and committed blocks with their certificates travel by
///   gossip: a push to a few members, digests to a few more, pulls and
///   anti-entropy; each peer relays only what it checked and would accept itself.
///   A block over 1 KiB travels compact (transaction ids), rebuilt from mempools
///   (`BlockAssembly`);
/// - requests (blocks, transaction bodies) go to a few members that can answer,
///   and answers go to whoever asked, at the address its datagram came from.
///
/// No message goes to every member: a peer's upload per block and per transaction
/// is bounded by the fan-outs, whatever the size of the mesh.
public struct PeerCore<Random: RandomNumberGenerator> {
    public typealias Topic = Dissemination<Address, Random>.Topic

    public struct Configuration: Sendable {
        public var membership = MembershipConfiguration()
        public var dissemination = Dissemination<Address, Random>.Configuration()
        public var parts = PartTransfer<Address, Random>.Configuration()
        public var prefetch = BlockPrefetch.Configuration()
        public var assembly = BlockAssembly.Configuration()
        /// Largest encoded message sent as one transport message; larger ones go as parts.
        public var maxDirectMessage = 60 * 1024 - 64
        /// Committed blocks up to this size are pushed whole; larger ones spread as
        /// compact blocks (or as parts, when even the compact form exceeds one message).
        public var maxPushedBlock = 1_024
        /// Larger blocks spread as header, transaction ids and certificate, rebuilt from
        /// mempools. Off only to measure the parts-only spreading of 0.3.0 against.
        public var compactBlocks = true
        /// How often the gossip cores (membership, dissemination, parts) get a tick;
        /// agreement gets every tick the shell gives.
        public var gossipTickInterval: Duration = .milliseconds(50)
        /// Members a block request goes to when the engine asks everyone.
        public var blockRequestFanout = 3
        /// How long after the last sign of work (a transaction, a proposal, a vote, a
        /// block, a gossip pull: a message this peer acted on) the peer counts as quiet
        /// (`isQuiet`): its shell may then tick less often.
        public var quietAfter: Duration = .seconds(1)
        /// Routing kept only to measure against: every message straight to every
        /// member, as peers did before 0.3. Never for a running peer.
        public var allToAllBaseline = false

        public init() {}
    }

    /// What the shell does for the core.
    public enum Output {
        /// Encrypt and send to one member (at the address its last datagram came from).
        case send(GossipEnvelope, to: Address)
        /// Check these transactions' signatures (off the event loop) and hand them
        /// back with `checked`.
        case verify([Transaction])
        /// A member advertises this endpoint; reach it there unless it has been heard
        /// from elsewhere (roaming).
        case learn(Address, PeerEndpoint)
        /// A block the storage has committed (for metrics and logs).
        case committed(Block, CommitCertificate, Ledger.Execution)
        /// A member sent a message of another gossip version (`GossipEnvelope.version`):
        /// it runs another release and is not understood. Given once per member.
        case refusedVersion(Address, version: UInt8)

        /// Whether this is agreement, dissemination or a commit at work (membership's
        /// steady probing and learnt endpoints are not).
        var isWork: Bool {
            switch self {
            case let .send(envelope, _):
                if case .membership = envelope { return false }
                return true
            case .verify, .committed: return true
            case .learn, .refusedVersion: return false
            }
        }
    }

    /// A transaction with its signature checked by the shell.
    public struct CheckedTransaction: Sendable {
        public var identified: IdentifiedTransaction
        public var signatureValid: Bool

        public init(identified: IdentifiedTransaction, signatureValid: Bool) {
            self.identified = identified
            self.signatureValid = signatureValid
        }
    }

    /// Counters for status and metrics.
    public struct Counters: Sendable {
        public var undecodable: UInt64 = 0
        public var oversizeDrops: UInt64 = 0
        public var largeMessages: UInt64 = 0
        public var committedTransactions: UInt64 = 0
        public var blocksRelayed: UInt64 = 0
        public var transactionsRelayed: UInt64 = 0
        public var reannounced: UInt64 = 0
        /// Compact blocks rebuilt from the mempool alone, and those that needed bodies
        /// fetched (counted when the fetch starts).
        public var compactBlocksFromMempool: UInt64 = 0
        public var compactBlocksFetched: UInt64 = 0
        /// Messages refused for being of another gossip version (another release).
        public var otherVersion: UInt64 = 0
    }

    /// Where a transaction awaiting its signature check came from.
    enum Origin {
        /// Pushed by gossip: settle it once checked.
        case gossip(payload: [UInt8])
        /// An answer to a transaction request.
        case direct
    }

    public let identity: Address
    public let configuration: Configuration
    public internal(set) var engine: ConsensusEngine
    public internal(set) var membership: Membership<Address, PeerEndpoint, Random>
    public internal(set) var dissemination: Dissemination<Address, Random>
    var parts: PartTransfer<Address, Random>
    public internal(set) var prefetch: BlockPrefetch
    /// Compact blocks from gossip waiting for transaction bodies.
    public internal(set) var assembly: BlockAssembly
    var random: Random
    var awaitingSignature: [Bytes32: Origin] = [:]
    /// Committed blocks this peer published or relayed, by height (the last 64).
    var spreadBlocks: [UInt64: Bytes32] = [:]
    /// Transactions submitted here and not yet committed, announced again until they
    /// are (PeerCore+OwnTransactions.swift).
    var submittedHere: [Bytes32: OwnTransaction] = [:]
    /// The earliest time one of them is due to be announced again.
    var nextReannounce: MonotonicInstant = .zero
    /// The transaction ids of the last block whose bodies were asked for (`answerCommittedTransactions`).
    var answeredBlock: (blockID: Bytes32, transactionIDs: [Bytes32])?
    /// Members that sent a message of another gossip version (reported once each).
    var refusedVersion: Set<Address> = []
    /// Endpoints handed to the shell (`learn`), so each is handed over once.
    var learned: [Address: PeerEndpoint] = [:]
    /// When each member was last heard from: any authenticated message counts.
    public internal(set) var lastHeard: [Address: MonotonicInstant] = [:]
    public internal(set) var counters = Counters()
    var now: PeerTime
    var nextGossipTick: MonotonicInstant = .zero
    /// The last sign of work: a message that set this peer to work, a submission, or
    /// a transaction waiting in the mempool.
    var lastActivity: MonotonicInstant = .zero

    /// - Parameters:
    ///   - seeds: members to join through (from the configuration), with their endpoints.
    ///   - random: makes a generator for each gossip core and the router (index 0 to 3).
    public init(engine: ConsensusEngine, endpoint: PeerEndpoint, role: MemberRole, seeds: [Address: PeerEndpoint],
                now: PeerTime, configuration: Configuration = .init(), random: (Int) -> Random) {
        identity = engine.me
        self.engine = engine
        self.configuration = configuration
        self.now = now
        membership = Membership(id: engine.me, address: endpoint, role: role, seeds: seeds,
                                configuration: configuration.membership, random: random(0))
        dissemination = Dissemination(me: engine.me, hooks: .init(id: PeerObjectTag.messageID),
                                      configuration: configuration.dissemination, random: random(1))
        parts = PartTransfer(configuration: configuration.parts, random: random(2))
        prefetch = BlockPrefetch(configuration: configuration.prefetch)
        assembly = BlockAssembly(configuration: configuration.assembly)
        self.random = random(3)
        membership.setHeight(engine.head.height)
        for (member, seedEndpoint) in seeds.sorted(by: { $0.key < $1.key }) where member != identity {
            learned[member] = seedEndpoint
        }
    }

    // MARK: Inputs

    /// A datagram payload `sender` sent (authenticated by the transport).
    public mutating func receive<Storage: PeerStorage>(_ bytes: [UInt8], from sender: Address, now: PeerTime,
                                                       storage: inout Storage) throws(PeerStorageError) -> [Output] {
        let envelope: GossipEnvelope
        do {
            envelope = try GossipEnvelope(wireEncoded: bytes)
        } catch {
            if case let .unsupportedVersion(_, version) = error {
                counters.otherVersion += 1
                // Told once per member: a peer of another release is not one to follow.
                // Bounded: past 1,024 members the record starts again (each is told once more).
                if refusedVersion.count >= 1_024 { refusedVersion.removeAll() }
                if refusedVersion.insert(sender).inserted { return [.refusedVersion(sender, version: version)] }
            } else {
                counters.undecodable += 1
            }
            return []
        }
        return try receive(envelope, from: sender, now: now, storage: &storage)
    }

    public mutating func receive<Storage: PeerStorage>(_ envelope: GossipEnvelope, from sender: Address, now: PeerTime,
                                                       storage: inout Storage) throws(PeerStorageError) -> [Output] {
        advance(to: now)
        lastHeard[sender] = self.now.monotonic
        let out = try handle(envelope, from: sender, storage: &storage)
        // A message that set this peer to work (it answered, relayed, pulled or committed)
        // ends the quiet; a digest of what it already holds does not.
        if out.contains(where: { $0.isWork }) { lastActivity = self.now.monotonic }
        return out
    }

    private mutating func handle<Storage: PeerStorage>(_ envelope: GossipEnvelope, from sender: Address,
                                                       storage: inout Storage) throws(PeerStorageError) -> [Output] {
        var out: [Output] = []
        let monotonic = self.now.monotonic
        switch envelope {
        case let .membership(message):
            for outgoing in membership.receive(message, from: sender, now: monotonic) {
                out.append(.send(.membership(outgoing.message), to: outgoing.to))
            }
            learnMembers(into: &out)
        case let .dissemination(message):
            try perform(dissemination.receive(message, from: sender, now: monotonic), storage: &storage, into: &out)
        case let .parts(message):
            try perform(parts.receive(message, from: sender, now: monotonic), storage: &storage, into: &out)
        case let .direct(payload):
            guard let message = try? ConsensusMessage(wireEncoded: payload) else {
                counters.undecodable += 1
                return out
            }
            try receiveDirect(message, from: sender, storage: &storage, into: &out)
        }
        return out
    }

    /// Time passes: agreement's timers and resends, membership probes, gossip
    /// digests and retries, part requests, prefetch.
    public mutating func tick<Storage: PeerStorage>(now: PeerTime, storage: inout Storage) throws(PeerStorageError) -> [Output] {
        advance(to: now)
        let monotonic = self.now.monotonic
        var out: [Output] = []
        if monotonic >= nextGossipTick {
            nextGossipTick = monotonic + max(.nanoseconds(1), configuration.gossipTickInterval)
            try tickGossip(storage: &storage, into: &out)
        }
        let actions = try storage.read { view in engine.tick(now: self.now, state: view) }
        try perform(actions, storage: &storage, into: &out)
        requestPrefetch(into: &out)
        if engine.hasWork { lastActivity = monotonic }
        return out
    }

    /// Nothing is under way: no transaction waits that a block could take (one parked
    /// behind a missing sequence or deferred to its deadline does not), and for `Configuration.quietAfter`
    /// no message has set this peer to work (membership's probes and digests of what it
    /// holds do not). Agreement then waits only for a heartbeat (seconds away) and its
    /// timers, gossip only for its periodic rounds: the shell may tick every few
    /// hundred milliseconds instead of every few. Work or a submission ends it.
    public var isQuiet: Bool { now.monotonic >= lastActivity + configuration.quietAfter }

    mutating func tickGossip<Storage: PeerStorage>(storage: inout Storage, into out: inout [Output]) throws(PeerStorageError) {
        let monotonic = now.monotonic
        for outgoing in membership.tick(now: monotonic) {
            out.append(.send(.membership(outgoing.message), to: outgoing.to))
        }
        learnMembers(into: &out)
        if lastHeard.count > membership.members.count {
            lastHeard = lastHeard.filter { membership.members[$0.key] != nil }
        }
        let alive = membership.members.values.filter { $0.status == .alive }.map { $0.id }
        dissemination.setPeers(alive)
        parts.setPeers(alive)
        try perform(dissemination.tick(now: monotonic), storage: &storage, into: &out)
        try perform(parts.tick(now: monotonic), storage: &storage, into: &out)
        try tickAssembly(storage: &storage, into: &out)
        reannounceOwn(afterCommit: false, into: &out)
    }

    /// Transactions a client handed to this peer, signatures already checked by the
    /// shell: admitted to the mempool and published to the mesh.
    public mutating func submit<Storage: PeerStorage>(_ transactions: [CheckedTransaction], now: PeerTime,
                                                      storage: inout Storage) throws(PeerStorageError)
        -> (submissions: [ConsensusEngine.Submission], outputs: [Output]) {
        advance(to: now)
        lastActivity = self.now.monotonic
        var submissions: [ConsensusEngine.Submission] = []
        var actions: [ConsensusEngine.Action] = []
        try storage.read { view in
            for checked in transactions {
                let (submission, more) = engine.submit(checked.identified, verified: checked.signatureValid, now: self.now,
                                                       state: view)
                submissions.append(submission)
                actions += more
                if let id = submission.acceptedID {
                    recordSubmitted(id, payload: checked.identified.transaction.wireEncoded)
                }
            }
        }
        var out: [Output] = []
        try perform(actions, storage: &storage, into: &out)
        return (submissions, out)
    }

    /// Transactions from the network, back from the shell's signature check.
    public mutating func checked<Storage: PeerStorage>(_ transactions: [CheckedTransaction], now: PeerTime,
                                                       storage: inout Storage) throws(PeerStorageError) -> [Output] {
        advance(to: now)
        var out: [Output] = []
        for checked in transactions {
            let id = checked.identified.id
            guard let origin = awaitingSignature.removeValue(forKey: id) else { continue }
            try settleChecked(checked, origin: origin, storage: &storage, into: &out)
        }
        return out
    }

    // MARK: Views

    /// Members as the membership protocol sees them.
    public var members: [Member<Address, PeerEndpoint>] { Array(membership.members.values) }

    mutating func advance(to time: PeerTime) {
        now.advance(to: time)
    }

    /// Hands the shell endpoints of members it has not been told about, or that moved.
    mutating func learnMembers(into out: inout [Output]) {
        let unlearned = membership.members.values.filter { $0.id != identity && learned[$0.id] != $0.address }
        for member in unlearned.sorted(by: { $0.id < $1.id }) {
            // An unspecified address (0.0.0.0 or ::) is no way to reach anyone.
            guard !member.address.ip.allSatisfy({ $0 == 0 }) else { continue }
            learned[member.id] = member.address
            out.append(.learn(member.id, member.address))
        }
    }
}
