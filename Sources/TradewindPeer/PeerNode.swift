import Foundation
import Logging
import NIOCore
import NIOPosix
import TradewindChainStore
import TradewindConsensus
import TradewindCrypto
import TradewindGossip
import TradewindLedger
import TradewindNoise
import TradewindPeerCore
import TradewindStore
import TradewindTransport
import TradewindWire

/// A running peer: `PeerCore` (which decides everything) on the event loop of its
/// Noise/UDP transport, over the LMDB store. This shell only does IO: it feeds the
/// core datagrams, the clock and checked signatures, and carries out its outputs
/// (sends, signature checks on all cores, endpoints to reach members at).
public final class PeerNode: Sendable {
    public let home: PeerHome
    public let configuration: PeerConfiguration
    public let ledger: Ledger
    public let store: ChainStore
    public let transport: UDPTransport
    public let identity: Address
    let state: NIOLoopBound<State>
    let logger: Logger
    let lock: HomeLock
    let verifier: SignatureVerifier

    typealias Core = PeerCore<SystemRandomNumberGenerator>

    final class State {
        var core: Core
        var storage: ChainStorage
        /// The next tick, and when it is due.
        var timer: Scheduled<Void>?
        var tickDue = NIODeadline.distantFuture
        /// Set by `close`: no tick is scheduled after it.
        var closed = false
        var submittedAt: [Bytes32: MonotonicInstant] = [:]
        var latencies: [Double] = []
        /// Messages sent since start, by `GossipEnvelope.kind`.
        var messagesSent: [String: UInt64] = [:]
        let started = SystemClock.monotonic

        init(core: Core, storage: ChainStorage) {
            self.core = core
            self.storage = storage
        }
    }

    /// Routes the transport's deliveries to the node once it exists (both on the event loop).
    final class Router: @unchecked Sendable {
        var target: ((_ message: [UInt8], _ from: Ed25519.PublicKey) -> Void)?
    }

    /// Opens the home (refusing if another process holds it), the store and the
    /// transport, and starts agreement.
    public static func start(home: PeerHome, passphrase: SecureBytes?, logger: Logger,
                             group: EventLoopGroup? = nil) async throws -> PeerNode {
        // Test meshes: one-way latency added to every datagram this peer sends.
        var emulatedDelay = TimeAmount.zero
        if let text = ProcessInfo.processInfo.environment["TRADEWIND_EMULATED_DELAY_MS"] {
            guard let milliseconds = Int64(text), (0...10_000).contains(milliseconds) else {
                throw PeerError.startup("TRADEWIND_EMULATED_DELAY_MS must be milliseconds from 0 to 10000, got '\(text)'")
            }
            emulatedDelay = .milliseconds(milliseconds)
            logger.warning("emulating \(milliseconds) ms of one-way latency on every datagram sent")
        }
        let lock = try HomeLock(home: home)
        let configuration = try home.configuration().applyingEnvironment()
        let genesis = try home.genesis()
        let ledger: Ledger
        do { ledger = try Ledger(genesis: genesis) } catch { throw PeerError.invalid(home.genesisFile, error.description) }
        let networkKey = try home.networkKey()
        let key = try KeyFile.read(home.nodeKeyFile, passphrase: passphrase)
        try? FileManager.default.createDirectory(atPath: home.dataDirectory, withIntermediateDirectories: true)
        let store = try ChainStore(directory: home.dataDirectory)
        try store.initialize(ledger: ledger)

        let head = try store.head()
        let headBlock = try head.height > 0 ? store.block(at: head.height) : nil
        let certificate = try head.height > 0 ? store.certificate(at: head.height) : nil
        guard let chain = try store.withState({ try $0.chain() }) else { throw PeerError.startup("the store has no chain state") }
        let signed = try store.signedState().map { try ConsensusEngine.decodeSignedState($0) }
        let engineHead = ConsensusEngine.Head(
            height: head.height, blockID: head.blockID, stateRoot: head.stateRoot,
            time: headBlock?.header.time ?? genesis.genesisTime, certificate: certificate)
        let engine = ConsensusEngine(ledger: ledger, key: key, me: key.publicKey.address, head: engineHead, chain: chain,
                                     lastSigned: signed, now: SystemClock.now)
        let crashAfterVotes = ProcessInfo.processInfo.environment["TRADEWIND_CRASH_AFTER_PERSISTED_VOTES"].flatMap(Int.init)

        var seeds: [Address: PeerEndpoint] = [:]
        for peer in configuration.peers where peer.address.address != key.publicKey.address {
            // Host names (container service names) are resolved once, at start.
            guard let resolved = try? SocketAddress.makeAddressResolvingHost(peer.host, port: peer.port),
                  let ip = resolved.ipBytes, let endpoint = PeerEndpoint(ip: ip, port: UInt16(clamping: peer.port)) else {
                throw PeerError.invalid(home.configFile, "peer \(peer.name) has an unusable address \(peer.host):\(peer.port)")
            }
            seeds[peer.address.address] = endpoint
        }
        let role: MemberRole = chain.authorities.contains(key.publicKey.address) ? .authority : .participant
        var advertise: PeerEndpoint?
        if let advertised = configuration.advertise {
            guard let resolved = try? SocketAddress.makeAddressResolvingHost(advertised.host, port: advertised.port),
                  let ip = resolved.ipBytes, let endpoint = PeerEndpoint(ip: ip, port: UInt16(clamping: advertised.port)) else {
                throw PeerError.invalid(home.configFile, "advertise address \(advertised.host):\(advertised.port) does not resolve")
            }
            advertise = endpoint
        }
        // The datagram floor: a maximal transaction, pushed by gossip, fits one datagram.
        let largestPush = GossipEnvelope.dissemination(.push(
            .transactions, payload: [UInt8](repeating: 0, count: Int(ledger.parameters.maxTransactionBytes)))).wireEncoded.count
        do {
            try TransportConfiguration().validate(maxTransactionSize: largestPush)
        } catch {
            throw PeerError.startup("the transport cannot carry this network's transactions: \(error)")
        }
        let router = Router()
        let transport: UDPTransport
        do {
            transport = try await UDPTransport.bind(
                host: configuration.listen.host, port: configuration.listen.port, identity: key, networkKey: networkKey,
                networkID: ledger.networkID, group: group, emulatedDelay: emulatedDelay) { message, from in
                router.target?(message, from)
            }
        } catch {
            throw PeerError.startup("cannot listen on UDP \(configuration.listen.host):\(configuration.listen.port): \(error)")
        }
        // A socket bound to the unspecified address is advertised by its configured address.
        guard let ip = transport.localAddress.ipBytes, let boundPort = transport.localAddress.port,
              let endpoint = advertise ?? PeerEndpoint(ip: ip, port: UInt16(boundPort)) else {
            await transport.close()
            throw PeerError.startup("the UDP socket has no usable local address")
        }
        let storage = ChainStorage(store: store, crashAfterVotes: crashAfterVotes, logger: logger)
        let configuredSeeds = seeds
        let node = try await transport.eventLoop.submit {
            let core = Core(engine: engine, endpoint: endpoint, role: role, seeds: configuredSeeds, now: SystemClock.now,
                            random: { _ in SystemRandomNumberGenerator() })
            let state = State(core: core, storage: storage)
            let node = PeerNode(home: home, configuration: configuration, ledger: ledger, store: store, transport: transport,
                                identity: key.publicKey.address,
                                state: NIOLoopBound(state, eventLoop: transport.eventLoop),
                                logger: logger, lock: lock, verifier: SignatureVerifier(network: ledger.networkID))
            for (member, memberEndpoint) in configuredSeeds.sorted(by: { $0.key < $1.key }) {
                node.learn(member, at: memberEndpoint)
            }
            router.target = { message, from in node.receive(message, from: from.address) }
            node.scheduleTick()
            return node
        }.get()
        logger.info("peer started", metadata: [
            "name": "\(configuration.name)", "address": "\(key.publicKey.address)", "height": "\(head.height)",
            "udp": "\(transport.localAddress)", "authority": "\(role == .authority)",
        ])
        return node
    }

    private init(home: PeerHome, configuration: PeerConfiguration, ledger: Ledger, store: ChainStore, transport: UDPTransport,
                 identity: Address, state: NIOLoopBound<State>, logger: Logger, lock: HomeLock, verifier: SignatureVerifier) {
        self.home = home
        self.configuration = configuration
        self.ledger = ledger
        self.store = store
        self.transport = transport
        self.identity = identity
        self.state = state
        self.logger = logger
        self.lock = lock
        self.verifier = verifier
    }

    public func close() async {
        let state = self.state
        try? await transport.eventLoop.submit {
            state.value.timer?.cancel()
            state.value.timer = nil
            state.value.closed = true
        }.get()
        await transport.close()
        await verifier.shutdown()
    }

    // MARK: Operations (any thread)

    /// Checks and admits a signed transaction (its signature on the verifier's
    /// threads); it then spreads to the mesh.
    public func submit(_ transaction: Transaction) async -> ConsensusEngine.Submission {
        await submit(batch: [transaction]).first ?? .unavailable("the peer is shutting down")
    }

    /// Many transactions at once: verified together on all cores, admitted in one
    /// hop to the event loop (how load generators and batching clients submit).
    public func submit(batch transactions: [Transaction]) async -> [ConsensusEngine.Submission] {
        let unavailable = transactions.map { _ in ConsensusEngine.Submission.unavailable("the peer is shutting down") }
        guard let checked = try? await verifier.check(transactions, on: transport.eventLoop).get() else {
            return unavailable
        }
        return (try? await transport.eventLoop.submit {
            let state = self.state.value
            let submitted = self.run { core, storage throws(PeerStorageError) in
                try core.submit(checked.map { Core.CheckedTransaction(identified: $0.identified, signatureValid: $0.isValid) },
                                now: SystemClock.now, storage: &storage)
            }
            guard let (submissions, outputs) = submitted else { return unavailable }
            let at = SystemClock.monotonic
            // A deferred transaction waits for its deadline on purpose: its wait is not latency.
            for case let .accepted(id) in submissions { state.submittedAt[id] = at }
            self.carryOut(outputs)
            self.scheduleTick()
            return submissions
        }.get()) ?? unavailable
    }

    /// A transaction waiting in this peer's mempool, and whether it is ready or parked.
    public func pending(_ id: Bytes32) async -> (transaction: Transaction, standing: Mempool.Standing)? {
        let state = self.state
        return try? await transport.eventLoop.submit { () -> (Transaction, Mempool.Standing)? in
            let mempool = state.value.core.engine.mempool
            guard let transaction = mempool.transaction(id), let standing = mempool.standing(id) else { return nil }
            return (transaction, standing)
        }.get()
    }

    /// The sequence `account`'s next transaction should take: past its committed next
    /// and the unbroken run of its transactions in this peer's mempool. Read on the
    /// event loop, where commits happen, so the store and the mempool agree.
    public func nextSequence(for account: Address) async throws -> UInt64 {
        let state = self.state
        let store = self.store
        return try await transport.eventLoop.submit {
            let committed = try store.withState { try $0.record(.account(account), as: AccountState.self) }?.nextSequence ?? 0
            return state.value.core.engine.mempool.nextSequence(for: account, committedNext: committed)
        }.get()
    }

    public func status() async -> StatusView? {
        let state = self.state
        let name = configuration.name
        let identity = self.identity
        let ledger = self.ledger
        let store = self.store
        return try? await transport.eventLoop.submit {
            let core = state.value.core
            let engine = core.engine
            let members = core.members.filter { $0.status != .dead }.count
            return StatusView(
                name: name, address: identity.description, version: Release.version, network: ledger.networkID.hex,
                chain: ledger.genesis.chainName, height: engine.head.height, blockID: engine.head.blockID.hex,
                stateRoot: engine.head.stateRoot.hex, blockTime: engine.head.time, round: engine.round,
                step: engine.core.map { "\($0.step)" } ?? "following", authority: engine.isAuthority,
                authorities: engine.validators.count, mempool: engine.mempool.count, members: members,
                highestSeen: max(engine.highestSeen, engine.head.height),
                uptimeSeconds: Double((SystemClock.monotonic - state.value.started).nanoseconds) / 1e9,
                committedTransactions: core.counters.committedTransactions,
                blocksPrefetched: core.prefetch.answered,
                assets: Dictionary(uniqueKeysWithValues: ledger.genesis.assets.map { ($0.code.rawValue, $0.decimals) }),
                storeBytes: store.environment.usedBytes)
        }.get()
    }

    public struct Metrics: Sendable {
        public var latencies: [Double]
        public var messagesSent: [String: UInt64]
        public var counters: PeerCore<SystemRandomNumberGenerator>.Counters
        public var invalidMessages: UInt64
        public var evidence: UInt64
    }

    public func metrics() async -> Metrics? {
        let state = self.state
        return try? await transport.eventLoop.submit {
            Metrics(latencies: state.value.latencies, messagesSent: state.value.messagesSent, counters: state.value.core.counters,
                    invalidMessages: state.value.core.engine.invalidMessages, evidence: state.value.core.engine.evidenceSeen)
        }.get()
    }

    /// Members as the membership protocol sees them, named by this peer's config.json,
    /// with their role in the current authority set and when this peer last heard from them.
    public func members() async -> [MemberView] {
        let state = self.state
        let names = Dictionary(configuration.peers.map { ($0.address.address, $0.name) }, uniquingKeysWith: { first, _ in first })
        return (try? await transport.eventLoop.submit {
            let core = state.value.core
            let authorities = Set(core.engine.validators)
            // Contact times are monotonic; shown as wall-clock milliseconds.
            let now = SystemClock.now
            return core.members.sorted { $0.id < $1.id }.map { member in
                MemberView(address: member.id.description, name: names[member.id],
                           role: authorities.contains(member.id) ? "authority" : "participant",
                           endpoint: "\(member.address.host):\(member.address.port)", status: "\(member.status)",
                           incarnation: member.incarnation, height: member.height,
                           lastContact: core.lastHeard[member.id].map { (now.wall - max(.zero, now.monotonic - $0)).milliseconds })
            }
        }.get()) ?? []
    }

    // MARK: On the event loop

    /// Runs one step of the core against the store; a storage failure stops the peer
    /// (never sign or send what could not be made durable).
    private func run<T>(_ step: (inout Core, inout ChainStorage) throws(PeerStorageError) -> T) -> T? {
        let state = self.state.value
        do {
            return try step(&state.core, &state.storage)
        } catch {
            logger.critical("stopping: \(error)")
            exit(1)
        }
    }

    private func receive(_ bytes: [UInt8], from sender: Address) {
        guard let outputs = run({ core, storage throws(PeerStorageError) in
            try core.receive(bytes, from: sender, now: SystemClock.now, storage: &storage)
        }) else { return }
        carryOut(outputs)
        scheduleTick()
    }

    private func tick() {
        guard let outputs = run({ core, storage throws(PeerStorageError) in
            try core.tick(now: SystemClock.now, storage: &storage)
        }) else { return }
        carryOut(outputs)
    }

    /// Ticks every `tickMilliseconds` (10) while work is under way and every
    /// `quietTickMilliseconds` (250) while the core is quiet: an idle peer wakes 4
    /// times a second instead of 100. Called on the event loop after every tick and input.
    private func scheduleTick() {
        let state = self.state.value
        guard !state.closed else { return }
        let fast = TimeAmount.milliseconds(Int64(max(1, configuration.tickMilliseconds)))
        let quiet = TimeAmount.milliseconds(Int64(max(configuration.tickMilliseconds,
                                                      configuration.quietTickMilliseconds ?? PeerConfiguration.defaultQuietTickMilliseconds)))
        let due = NIODeadline.now() + (state.core.isQuiet ? quiet : fast)
        // An input that ends the quiet brings the next tick forward; nothing pushes it back.
        if let timer = state.timer {
            guard due < state.tickDue else { return }
            timer.cancel()
        }
        state.tickDue = due
        state.timer = transport.eventLoop.scheduleTask(deadline: due) { [self] in
            let state = self.state.value
            state.timer = nil
            state.tickDue = .distantFuture
            tick()
            scheduleTick()
        }
    }

    private func carryOut(_ outputs: [Core.Output]) {
        for output in outputs {
            switch output {
            case let .send(envelope, to):
                state.value.messagesSent[envelope.kind, default: 0] += 1
                transport.sendOnEventLoop(envelope.wireEncoded, to: Ed25519.PublicKey(to.publicKey))
            case let .verify(transactions):
                verifier.check(transactions, on: transport.eventLoop).whenSuccess { checked in
                    guard let outputs = self.run({ core, storage throws(PeerStorageError) in
                        try core.checked(checked.map { Core.CheckedTransaction(identified: $0.identified, signatureValid: $0.isValid) },
                                         now: SystemClock.now, storage: &storage)
                    }) else { return }
                    self.carryOut(outputs)
                }
            case let .learn(member, endpoint):
                learn(member, at: endpoint)
            case let .committed(block, certificate, execution):
                record(block, certificate: certificate, execution: execution)
            case let .refusedVersion(member, version):
                logger.warning("""
                    refused messages from \(member): gossip version \(version) \
                    (\(GossipEnvelope.releases(speaking: version))); this peer speaks version \
                    \(GossipEnvelope.version) (Tradewind \(Release.version)): run one release across the mesh
                    """)
            }
        }
    }

    /// Makes a member reachable where it says it is, unless it was heard from elsewhere.
    /// An address of the other family than this peer's socket is ignored: a datagram
    /// to it could not leave, and a send error would close the socket.
    private func learn(_ member: Address, at endpoint: PeerEndpoint) {
        let family = transport.localAddress.protocol == .inet6 ? 16 : 4
        guard member != identity, endpoint.ip.count == family, !endpoint.ip.allSatisfy({ $0 == 0 }),
              let socket = endpoint.socketAddress else { return }
        try? transport.learnOnEventLoop(Ed25519.PublicKey(member.publicKey), at: socket)
    }

    /// Figures for a block just committed: submission-to-commit latency, the log line.
    private func record(_ block: Block, certificate: CommitCertificate, execution: Ledger.Execution) {
        let state = self.state.value
        let now = SystemClock.monotonic
        for outcome in execution.included {
            if let at = state.submittedAt.removeValue(forKey: outcome.id) {
                state.latencies.append(Double((now - at).nanoseconds) / 1e9)
            }
        }
        if state.latencies.count > 10_000 { state.latencies.removeFirst(state.latencies.count - 10_000) }
        if state.submittedAt.count > 100_000 { state.submittedAt.removeAll() }
        logger.debug("committed", metadata: [
            "height": "\(block.header.height)", "id": "\(block.header.id.hex.prefix(16))",
            "transactions": "\(block.transactions.count)", "round": "\(certificate.round)",
        ])
    }
}

extension SocketAddress {
    /// The address bytes in network order (4 for IPv4, 16 for IPv6).
    public var ipBytes: [UInt8]? {
        switch self {
        case let .v4(address):
            return withUnsafeBytes(of: address.address.sin_addr.s_addr) { Array($0) }
        case let .v6(address):
            return withUnsafeBytes(of: address.address.sin6_addr) { Array($0) }
        default:
            return nil
        }
    }
}

extension PeerEndpoint {
    var socketAddress: SocketAddress? {
        try? SocketAddress(ipAddress: host, port: Int(port))
    }
}
