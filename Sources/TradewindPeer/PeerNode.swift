import Foundation
import Logging
import NIOCore
import NIOPosix
import TradewindConsensus
import TradewindCrypto
import TradewindGossip
import TradewindLedger
import TradewindNoise
import TradewindChainStore
import TradewindStore
import TradewindWire

/// A running peer: the consensus engine over the LMDB store, on the event loop of
/// its Noise/UDP transport (so engine, store writes and sends need no locks).
/// The engine decides; this shell persists, sends and commits, in order.
public final class PeerNode: Sendable {
    public let home: PeerHome
    public let configuration: PeerConfiguration
    public let ledger: Ledger
    public let store: ChainStore
    public let gossip: GossipService
    public let identity: Address
    let state: NIOLoopBound<State>
    let logger: Logger
    let lock: HomeLock
    let verifier: SignatureVerifier

    final class State {
        var engine: ConsensusEngine
        var recipients: Set<Address>
        var timer: RepeatedTask?
        var submittedAt: [Bytes32: UInt64] = [:]
        var latencies: [Double] = []
        var committedTransactions: UInt64 = 0
        var oversizeDrops: UInt64 = 0
        var largeMessages: UInt64 = 0
        var votesPersisted = 0
        var prefetch = BlockPrefetch()
        var feedingPrefetched = false
        let crashAfterVotes: Int?
        let started = DispatchTime.now().uptimeNanoseconds

        init(engine: ConsensusEngine, recipients: Set<Address>, crashAfterVotes: Int?) {
            self.engine = engine
            self.recipients = recipients
            self.crashAfterVotes = crashAfterVotes
        }
    }

    /// Unix time in nanoseconds: block times come from the wall clock.
    static var now: UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
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
                                     lastSigned: signed, now: Self.now)
        let crashAfterVotes = ProcessInfo.processInfo.environment["TRADEWIND_CRASH_AFTER_PERSISTED_VOTES"].flatMap(Int.init)

        var seeds: [(Address, PeerEndpoint)] = []
        for peer in configuration.peers where peer.address.address != key.publicKey.address {
            // Host names (container service names) are resolved once, at start.
            guard let resolved = try? SocketAddress.makeAddressResolvingHost(peer.host, port: peer.port),
                  let ip = resolved.ipBytes, let endpoint = PeerEndpoint(ip: ip, port: UInt16(clamping: peer.port)) else {
                throw PeerError.invalid(home.configFile, "peer \(peer.name) has an unusable address \(peer.host):\(peer.port)")
            }
            seeds.append((peer.address.address, endpoint))
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
        let gossip: GossipService
        do {
            gossip = try await GossipService.start(
                identity: key, host: configuration.listen.host, port: configuration.listen.port, networkKey: networkKey,
                networkID: ledger.networkID, role: role, seeds: seeds,
                hooks: .init(id: { _, payload in Blake2b.hash256(payload) }, validate: { _, _ in .accept }),
                advertise: advertise,
                group: group, emulatedDelay: emulatedDelay, onDeliver: { _, _, _ in })
        } catch {
            throw PeerError.startup("cannot listen on UDP \(configuration.listen.host):\(configuration.listen.port): \(error)")
        }
        let recipients = Set(seeds.map(\.0))
        let node = try await gossip.eventLoop.submit {
            let state = State(engine: engine, recipients: recipients, crashAfterVotes: crashAfterVotes)
            return PeerNode(home: home, configuration: configuration, ledger: ledger, store: store, gossip: gossip,
                            identity: key.publicKey.address, state: NIOLoopBound(state, eventLoop: gossip.eventLoop),
                            logger: logger, lock: lock, verifier: SignatureVerifier(network: ledger.networkID))
        }.get()
        try await gossip.eventLoop.submit {
            gossip.setDirectHandler { payload, sender in node.receive(payload, from: sender) }
            gossip.setObjectHandler { _, tag, object in
                // A consensus message too large for one transport message: the sender's
                // address (unauthenticated; used only to address replies), a send counter
                // (so that a resend is a new object, not one the receiver already holds)
                // and the message.
                guard tag == Self.consensusObjectTag, object.count > 40, let sender = Bytes32(Array(object.prefix(32))) else { return }
                node.receive(Array(object.dropFirst(40)), from: Address(publicKey: sender))
            }
            gossip.setHeightOnEventLoop(head.height)
            let interval = TimeAmount.milliseconds(Int64(max(1, configuration.tickMilliseconds)))
            node.state.value.timer = gossip.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
                node.tick()
            }
        }.get()
        logger.info("peer started", metadata: [
            "name": "\(configuration.name)", "address": "\(key.publicKey.address)", "height": "\(head.height)",
            "udp": "\(gossip.transport.localAddress)", "authority": "\(role == .authority)",
        ])
        return node
    }

    private init(home: PeerHome, configuration: PeerConfiguration, ledger: Ledger, store: ChainStore, gossip: GossipService,
                 identity: Address, state: NIOLoopBound<State>, logger: Logger, lock: HomeLock, verifier: SignatureVerifier) {
        self.home = home
        self.configuration = configuration
        self.ledger = ledger
        self.store = store
        self.gossip = gossip
        self.identity = identity
        self.state = state
        self.logger = logger
        self.lock = lock
        self.verifier = verifier
    }

    public func close() async {
        let state = self.state
        try? await gossip.eventLoop.submit { state.value.timer?.cancel() }.get()
        await gossip.close()
        await verifier.shutdown()
    }

    // MARK: Operations (any thread)

    /// Checks and admits a signed transaction (its signature on the verifier's
    /// threads); it then spreads to the mesh.
    public func submit(_ transaction: Transaction) async -> ConsensusEngine.Submission {
        let state = self.state
        guard let checked = (try? await verifier.check([transaction], on: gossip.eventLoop).get())?.first else {
            return .unavailable("the peer is shutting down")
        }
        return (try? await gossip.eventLoop.submit {
            let now = Self.now
            let result: (ConsensusEngine.Submission, [ConsensusEngine.Action])
            do {
                result = try self.store.withState { view in
                    state.value.engine.submit(checked.identified, verified: checked.isValid, now: now, state: view)
                }
            } catch {
                return .unavailable("cannot read the store: \(error)")
            }
            if case let .accepted(id) = result.0 { state.value.submittedAt[id] = DispatchTime.now().uptimeNanoseconds }
            self.perform(result.1)
            return result.0
        }.get()) ?? .unavailable("the peer is shutting down")
    }

    /// Many transactions at once: verified together on all cores, admitted in one
    /// hop to the event loop (how load generators and batching clients submit).
    public func submit(batch transactions: [Transaction]) async -> [ConsensusEngine.Submission] {
        let state = self.state
        guard let checked = try? await verifier.check(transactions, on: gossip.eventLoop).get() else {
            return transactions.map { _ in .unavailable("the peer is shutting down") }
        }
        return (try? await gossip.eventLoop.submit {
            let now = Self.now
            var submissions: [ConsensusEngine.Submission] = []
            var actions: [ConsensusEngine.Action] = []
            var accepted: [Transaction] = []
            do {
                try self.store.withState { view in
                    for check in checked {
                        let (submission, _) = state.value.engine.submit(
                            check.identified, verified: check.isValid, now: now, state: view)
                        if case let .accepted(id) = submission {
                            state.value.submittedAt[id] = DispatchTime.now().uptimeNanoseconds
                            accepted.append(check.identified.transaction)
                        }
                        submissions.append(submission)
                    }
                }
            } catch {
                return transactions.map { _ in .unavailable("cannot read the store: \(error)") }
            }
            // One relay message per chunk instead of one per transaction.
            for start in stride(from: 0, to: accepted.count, by: ConsensusMessage.maxTransactionsPerMessage / 2) {
                let chunk = Array(accepted[start..<min(accepted.count, start + ConsensusMessage.maxTransactionsPerMessage / 2)])
                actions.append(.broadcast(.transactions(chunk)))
            }
            self.perform(actions)
            return submissions
        }.get()) ?? transactions.map { _ in .unavailable("the peer is shutting down") }
    }

    /// A transaction waiting in this peer's mempool, and whether it is ready or parked.
    public func pending(_ id: Bytes32) async -> (transaction: Transaction, standing: Mempool.Standing)? {
        let state = self.state
        return try? await gossip.eventLoop.submit { () -> (Transaction, Mempool.Standing)? in
            let mempool = state.value.engine.mempool
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
        return try await gossip.eventLoop.submit {
            let committed = try store.withState { try $0.record(.account(account), as: AccountState.self) }?.nextSequence ?? 0
            return state.value.engine.mempool.nextSequence(for: account, committedNext: committed)
        }.get()
    }

    public func status() async -> StatusView? {
        let state = self.state
        let name = configuration.name
        let identity = self.identity
        let ledger = self.ledger
        return try? await gossip.eventLoop.submit {
            let engine = state.value.engine
            let members = self.gossip.membersOnEventLoop.filter { $0.status != .dead }.count
            return StatusView(
                name: name, address: identity.description, version: Release.version, network: ledger.networkID.hex,
                chain: ledger.genesis.chainName, height: engine.head.height, blockID: engine.head.blockID.hex,
                stateRoot: engine.head.stateRoot.hex, blockTime: engine.head.time, round: engine.round,
                step: engine.core.map { "\($0.step)" } ?? "following", authority: engine.isAuthority,
                authorities: engine.validators.count, mempool: engine.mempool.count, members: members,
                highestSeen: max(engine.highestSeen, engine.head.height),
                uptimeSeconds: Double(DispatchTime.now().uptimeNanoseconds - state.value.started) / 1e9,
                committedTransactions: state.value.committedTransactions,
                blocksPrefetched: state.value.prefetch.answered,
                assets: Dictionary(uniqueKeysWithValues: ledger.genesis.assets.map { ($0.code.rawValue, $0.decimals) }))
        }.get()
    }

    public struct Metrics: Sendable {
        public var latencies: [Double]
        public var oversizeDrops: UInt64
        public var largeMessages: UInt64
        public var invalidMessages: UInt64
        public var evidence: UInt64
    }

    public func metrics() async -> Metrics? {
        let state = self.state
        return try? await gossip.eventLoop.submit {
            Metrics(latencies: state.value.latencies, oversizeDrops: state.value.oversizeDrops,
                    largeMessages: state.value.largeMessages,
                    invalidMessages: state.value.engine.invalidMessages, evidence: state.value.engine.evidenceSeen)
        }.get()
    }

    /// Members as the membership protocol sees them, named by this peer's config.json,
    /// with their role in the current authority set and when this peer last heard from them.
    public func members() async -> [MemberView] {
        let state = self.state
        let names = Dictionary(configuration.peers.map { ($0.address.address, $0.name) }, uniquingKeysWith: { first, _ in first })
        return (try? await gossip.eventLoop.submit {
            let authorities = Set(state.value.engine.validators)
            let heard = self.gossip.lastHeardOnEventLoop
            // Contact times are monotonic; shown as wall-clock milliseconds.
            let monotonic = GossipService.now, wall = Self.now / 1_000_000
            return self.gossip.membersOnEventLoop.sorted { $0.id < $1.id }.map { member in
                MemberView(address: member.id.description, name: names[member.id],
                           role: authorities.contains(member.id) ? "authority" : "participant",
                           endpoint: "\(member.address.host):\(member.address.port)", status: "\(member.status)",
                           incarnation: member.incarnation, height: member.height,
                           lastContact: heard[member.id].map { wall &- (monotonic &- min($0, monotonic)) / 1_000_000 })
            }
        }.get()) ?? []
    }

    // MARK: On the event loop

    private func receive(_ payload: [UInt8], from sender: Address) {
        guard let message = try? ConsensusMessage(wireEncoded: payload) else { return }
        if case let .transactions(transactions) = message {
            // Signatures are checked on all cores; the engine gets only good ones.
            verifier.verify(transactions, on: gossip.eventLoop).whenSuccess { verified in
                guard !verified.isEmpty else { return }
                let state = self.state.value
                let now = Self.now
                if let actions = try? self.store.withState({ view in state.engine.receive(verified: verified, now: now, state: view) }) {
                    self.perform(actions)
                }
            }
            return
        }
        let state = self.state.value
        if case let .committedBlock(block, certificate) = message {
            state.prefetch.arrived(block.header.height)
            if state.prefetch.hold(block, certificate: certificate, from: sender, next: state.engine.head.height + 1) { return }
        }
        let now = Self.now
        guard let actions = try? store.withState({ view in state.engine.receive(message, from: sender, now: now, state: view) }) else {
            return
        }
        perform(actions)
    }

    /// Hands the engine the blocks fetched ahead, one height at a time, as long as
    /// the next one is held (each commit in `perform` comes back here).
    private func feedPrefetched() {
        let state = self.state.value
        guard !state.feedingPrefetched else { return }
        state.feedingPrefetched = true
        defer { state.feedingPrefetched = false }
        while let held = state.prefetch.take(state.engine.head.height + 1) {
            let now = Self.now
            let message = ConsensusMessage.committedBlock(held.block, held.certificate)
            guard let actions = try? store.withState({ view in
                state.engine.receive(message, from: held.sender, now: now, state: view)
            }) else { return }
            perform(actions)
        }
    }

    /// While this peer is two or more blocks behind what members advertise, keeps
    /// the next heights in flight from them (`BlockPrefetch`).
    private func prefetchBlocks(now: UInt64) {
        let state = self.state.value
        let next = state.engine.head.height + 1
        var advertised: [Address: UInt64] = [:]
        for member in gossip.membersOnEventLoop where member.status == .alive { advertised[member.id] = member.height }
        guard let tallest = advertised.values.max(), tallest > next else { return }
        for (height, member) in state.prefetch.requests(next: next, advertised: advertised, now: now) {
            send(ConsensusMessage.blockRequest(height: height).wireEncoded, to: member)
        }
    }

    private func tick() {
        let state = self.state.value
        // Every member the mesh knows is a recipient too, whatever its state.
        for member in gossip.membersOnEventLoop { state.recipients.insert(member.id) }
        let now = Self.now
        guard let actions = try? store.withState({ view in state.engine.tick(now: now, state: view) }) else { return }
        perform(actions)
        prefetchBlocks(now: now)
    }

    private func perform(_ actions: [ConsensusEngine.Action]) {
        let state = self.state.value
        var committed = false
        for action in actions {
            switch action {
            case let .persist(signed):
                do {
                    try store.saveSignedState(ConsensusEngine.encode(signed))
                } catch {
                    // Never sign what could not be made durable: stop the peer.
                    logger.critical("cannot persist the consensus safety state; stopping", metadata: ["error": "\(error)"])
                    exit(1)
                }
                if signed.step != .propose {
                    state.votesPersisted += 1
                    if let crashAfter = state.crashAfterVotes, state.votesPersisted >= crashAfter {
                        // Test hook: die exactly between persisting a vote and sending it.
                        logger.warning("crash point reached: vote persisted, not sent")
                        kill(getpid(), SIGKILL)
                    }
                }
            case let .broadcast(message):
                let bytes = message.wireEncoded
                for recipient in state.recipients where recipient != identity { send(bytes, to: recipient) }
            case let .send(message, to):
                // The engine asks for one block at a time; skip it when that height is already in flight.
                if case let .blockRequest(height) = message, state.prefetch.isInFlight(height, now: Self.now) { continue }
                send(message.wireEncoded, to: to)
            case let .commit(block, certificate, execution):
                do {
                    try store.commit(block, certificate: certificate, execution: execution)
                } catch {
                    logger.critical("cannot commit block \(block.header.height); stopping", metadata: ["error": "\(error)"])
                    exit(1)
                }
                committed = true
                record(block, certificate: certificate, execution: execution)
            case let .sendCommittedBlock(height, to):
                if let block = try? store.block(at: height), let certificate = try? store.certificate(at: height) {
                    send(ConsensusMessage.committedBlock(block, certificate).wireEncoded, to: to)
                }
            }
        }
        if committed {
            let now = Self.now
            if let more = try? store.withState({ view in state.engine.resume(now: now, state: view) }) { perform(more) }
            feedPrefetched()
        }
    }

    /// Figures for a block just committed: throughput, submission-to-commit latency.
    private func record(_ block: Block, certificate: CommitCertificate, execution: Ledger.Execution) {
        let state = self.state.value
        state.committedTransactions += UInt64(block.transactions.count)
        let nowMonotonic = DispatchTime.now().uptimeNanoseconds
        for outcome in execution.included {
            if let at = state.submittedAt.removeValue(forKey: outcome.id) {
                state.latencies.append(Double(nowMonotonic - at) / 1e9)
            }
        }
        if state.latencies.count > 10_000 { state.latencies.removeFirst(state.latencies.count - 10_000) }
        if state.submittedAt.count > 100_000 { state.submittedAt.removeAll() }
        gossip.setHeightOnEventLoop(block.header.height)
        logger.debug("committed", metadata: [
            "height": "\(block.header.height)", "id": "\(block.header.id.hex.prefix(16))",
            "transactions": "\(block.transactions.count)", "round": "\(certificate.round)",
        ])
    }

    static let consensusObjectTag: UInt64 = 0xC0

    /// One transport message when it fits; otherwise the gossip layer's part transfer.
    private func send(_ bytes: [UInt8], to recipient: Address) {
        if bytes.count + 16 <= TransportConfiguration().maxMessageSize {
            gossip.sendDirect(bytes, to: recipient)
        } else if bytes.count + 40 <= PartTransfer<Address, SystemRandomNumberGenerator>.Configuration().maxObjectSize {
            state.value.largeMessages += 1
            let counter = withUnsafeBytes(of: state.value.largeMessages.bigEndian) { Array($0) }
            gossip.sendObject(identity.publicKey.bytes + counter + bytes, tag: Self.consensusObjectTag, to: recipient)
        } else {
            state.value.oversizeDrops += 1
        }
    }
}
