import Foundation
import NIOCore
import NIOPosix
import TradewindCrypto
import TradewindGossip
import TradewindNoise
import TradewindTransport
import TradewindWire

/// The gossip layer of a running peer: membership, dissemination and part transfer
/// (pure cores from TradewindGossip) over the encrypted UDP transport. Everything
/// runs on the transport's event loop; nothing here blocks.
public final class GossipService: Sendable {
    public typealias Topic = Dissemination<Address, SystemRandomNumberGenerator>.Topic
    public typealias Hooks = Dissemination<Address, SystemRandomNumberGenerator>.Hooks
    public typealias DeliveryHandler = @Sendable (_ topic: Topic, _ payload: [UInt8], _ from: Address?) -> Void
    public typealias ObjectHandler = @Sendable (_ root: Bytes32, _ tag: UInt64, _ object: [UInt8]) -> Void
    /// Called on the event loop with a direct message's payload and its sender.
    public typealias DirectHandler = @Sendable (_ payload: [UInt8], _ from: Address) -> Void

    public let transport: UDPTransport
    public let identity: Address
    public let endpoint: PeerEndpoint
    private let state: NIOLoopBound<State>

    static let tickInterval = TimeAmount.milliseconds(50)

    final class State {
        var membership: Membership<Address, PeerEndpoint, SystemRandomNumberGenerator>
        var dissemination: Dissemination<Address, SystemRandomNumberGenerator>
        var parts: PartTransfer<Address, SystemRandomNumberGenerator>
        var known: [Address: PeerEndpoint] = [:]
        let onDeliver: DeliveryHandler
        var onObject: ObjectHandler
        var onDirect: DirectHandler?
        var timer: RepeatedTask?
        var decodeFailures = 0
        /// When each member was last heard from (uptime ns): any authenticated message counts.
        var lastHeard: [Address: UInt64] = [:]

        init(membership: Membership<Address, PeerEndpoint, SystemRandomNumberGenerator>,
             dissemination: Dissemination<Address, SystemRandomNumberGenerator>,
             parts: PartTransfer<Address, SystemRandomNumberGenerator>,
             onDeliver: @escaping DeliveryHandler, onObject: @escaping ObjectHandler) {
            self.membership = membership
            self.dissemination = dissemination
            self.parts = parts
            self.onDeliver = onDeliver
            self.onObject = onObject
        }
    }

    /// Routes the transport's deliveries to the service once it exists (both on the event loop).
    final class Router: @unchecked Sendable {
        var target: ((_ message: [UInt8], _ from: Ed25519.PublicKey) -> Void)?
    }

    /// Binds the transport and starts gossiping; `seeds` are members to join through.
    public static func start(
        identity: Ed25519.PrivateKey, host: String = "127.0.0.1", port: Int = 0, networkKey: SecureBytes,
        networkID: Bytes32, role: MemberRole, seeds: [(Address, PeerEndpoint)], hooks: Hooks,
        advertise: PeerEndpoint? = nil,
        group: EventLoopGroup? = nil, transportConfiguration: TransportConfiguration = .init(),
        emulatedDelay: TimeAmount = .zero,
        onDeliver: @escaping DeliveryHandler, onObject: @escaping ObjectHandler = { _, _, _ in }
    ) async throws -> GossipService {
        let router = Router()
        let transport = try await UDPTransport.bind(
            host: host, port: port, identity: identity, networkKey: networkKey, networkID: networkID,
            configuration: transportConfiguration, group: group, emulatedDelay: emulatedDelay) { message, from in
            router.target?(message, from)
        }
        // A socket bound to the unspecified address is advertised by its configured address.
        guard let ip = transport.localAddress.ipBytes, let boundPort = transport.localAddress.port,
              let endpoint = advertise ?? PeerEndpoint(ip: ip, port: UInt16(boundPort)) else {
            await transport.close()
            throw TransportError.notBound
        }
        let me = identity.publicKey.address
        let service = try await transport.channel.eventLoop.submit {
            let state = State(
                membership: Membership(id: me, address: endpoint, role: role,
                                       seeds: Dictionary(seeds.map { ($0.0, $0.1) }, uniquingKeysWith: { a, _ in a }),
                                       random: SystemRandomNumberGenerator()),
                dissemination: Dissemination(me: me, hooks: hooks, random: SystemRandomNumberGenerator()),
                parts: PartTransfer(random: SystemRandomNumberGenerator()),
                onDeliver: onDeliver, onObject: onObject)
            let service = GossipService(transport: transport, identity: me, endpoint: endpoint,
                                        state: NIOLoopBound(state, eventLoop: transport.channel.eventLoop))
            for (address, peerEndpoint) in seeds { service.learn(address, at: peerEndpoint) }
            router.target = { message, from in service.receive(message, from: from) }
            state.timer = transport.channel.eventLoop.scheduleRepeatedTask(initialDelay: tickInterval, delay: tickInterval) { _ in
                service.tick()
            }
            return service
        }.get()
        return service
    }

    private init(transport: UDPTransport, identity: Address, endpoint: PeerEndpoint, state: NIOLoopBound<State>) {
        self.transport = transport
        self.identity = identity
        self.endpoint = endpoint
        self.state = state
    }

    // MARK: Public operations

    public func publish(_ topic: Topic, payload: [UInt8]) async {
        let state = self.state
        try? await transport.channel.eventLoop.submit {
            let now = Self.now
            self.perform(state.value.dissemination.publish(topic, payload: payload, now: now))
        }.get()
    }

    /// Offers a large object; it spreads as parts. Returns its root.
    public func offer(_ object: [UInt8], tag: UInt64) async -> Bytes32? {
        let state = self.state
        return try? await transport.channel.eventLoop.submit {
            let offered = state.value.parts.offer(object, tag: tag, now: Self.now)
            self.perform(offered.actions)
            return offered.root
        }.get()
    }

    /// The event loop the gossip state (and anything sharing it) lives on.
    public var eventLoop: EventLoop { transport.channel.eventLoop }

    /// Sets where direct messages go; call on the event loop before traffic starts.
    public func setDirectHandler(_ handler: @escaping DirectHandler) {
        eventLoop.preconditionInEventLoop()
        state.value.onDirect = handler
    }

    /// Sets where completed objects (part transfers) go; call on the event loop.
    public func setObjectHandler(_ handler: @escaping ObjectHandler) {
        eventLoop.preconditionInEventLoop()
        state.value.onObject = handler
    }

    /// Sends an object too large for one message to one member as Merkle-checked
    /// parts (announced to it alone, served on its requests), on the event loop.
    public func sendObject(_ object: [UInt8], tag: UInt64, to member: Address) {
        eventLoop.preconditionInEventLoop()
        perform(state.value.parts.offer(object, tag: tag, now: Self.now, to: [member]).actions)
    }

    /// Sends `payload` to one member, on the event loop. Returns false when the
    /// transport refused it (no route, or back-pressure).
    @discardableResult
    public func sendDirect(_ payload: [UInt8], to member: Address) -> Bool {
        eventLoop.preconditionInEventLoop()
        return transport.sendOnEventLoop(GossipEnvelope.direct(payload).wireEncoded, to: Ed25519.PublicKey(member.publicKey))
    }

    /// Members as the membership protocol sees them, on the event loop.
    public var membersOnEventLoop: [Member<Address, PeerEndpoint>] {
        eventLoop.preconditionInEventLoop()
        return Array(state.value.membership.members.values)
    }

    /// When each member was last heard from (uptime ns, as `NIODeadline`), on the event loop.
    public var lastHeardOnEventLoop: [Address: UInt64] {
        eventLoop.preconditionInEventLoop()
        return state.value.lastHeard
    }

    /// Advertises this member's chain height, on the event loop.
    public func setHeightOnEventLoop(_ height: UInt64) {
        eventLoop.preconditionInEventLoop()
        state.value.membership.setHeight(height)
    }

    public func members() async -> [Member<Address, PeerEndpoint>] {
        let state = self.state
        return (try? await transport.channel.eventLoop.submit { Array(state.value.membership.members.values) }.get()) ?? []
    }

    public func setHeight(_ height: UInt64) async {
        let state = self.state
        try? await transport.channel.eventLoop.submit { state.value.membership.setHeight(height) }.get()
    }

    public func close() async {
        let state = self.state
        try? await transport.channel.eventLoop.submit { state.value.timer?.cancel() }.get()
        await transport.close()
    }

    // MARK: On the event loop

    static var now: UInt64 { NIODeadline.now().uptimeNanoseconds }

    private func receive(_ bytes: [UInt8], from key: Ed25519.PublicKey) {
        let sender = key.address
        guard let envelope = try? GossipEnvelope(wireEncoded: bytes) else {
            state.value.decodeFailures += 1
            return
        }
        let now = Self.now
        let state = self.state.value
        state.lastHeard[sender] = now
        switch envelope {
        case let .membership(message):
            send(state.membership.receive(message, from: sender, now: now).map { ($0.to, .membership($0.message)) })
        case let .dissemination(message):
            perform(state.dissemination.receive(message, from: sender, now: now))
        case let .parts(message):
            perform(state.parts.receive(message, from: sender, now: now))
        case let .direct(payload):
            state.onDirect?(payload, sender)
        }
    }

    private func tick() {
        let state = self.state.value
        let now = Self.now
        send(state.membership.tick(now: now).map { ($0.to, .membership($0.message)) })
        // Forget contact times of members the membership has forgotten (keeps the map bounded).
        if state.lastHeard.count > state.membership.members.count {
            state.lastHeard = state.lastHeard.filter { state.membership.members[$0.key] != nil }
        }
        // Make every newly learned member reachable by the transport.
        for member in state.membership.members.values where state.known[member.id] != member.address {
            learn(member.id, at: member.address)
        }
        let alive = state.membership.members.values.filter { $0.status == .alive }.map(\.id)
        state.dissemination.setPeers(alive)
        state.parts.setPeers(alive)
        perform(state.dissemination.tick(now: now))
        perform(state.parts.tick(now: now))
    }

    private func learn(_ address: Address, at endpoint: PeerEndpoint) {
        // An unspecified address (0.0.0.0 or ::) is no way to reach anyone.
        guard address != identity, !endpoint.ip.allSatisfy({ $0 == 0 }), let socket = endpoint.socketAddress else { return }
        state.value.known[address] = endpoint
        try? transport.addPeerOnEventLoop(Ed25519.PublicKey(address.publicKey), at: socket)
    }

    private func send(_ outgoing: [(Address, GossipEnvelope)]) {
        for (to, envelope) in outgoing {
            transport.sendOnEventLoop(envelope.wireEncoded, to: Ed25519.PublicKey(to.publicKey))
        }
    }

    private func perform(_ actions: [Dissemination<Address, SystemRandomNumberGenerator>.Action]) {
        for action in actions {
            switch action {
            case let .send(message, to): send([(to, .dissemination(message))])
            case let .deliver(topic, payload, _, from): state.value.onDeliver(topic, payload, from)
            case .disconnect: break
            }
        }
    }

    private func perform(_ actions: [PartTransfer<Address, SystemRandomNumberGenerator>.Action]) {
        for action in actions {
            switch action {
            case let .send(message, to): send([(to, .parts(message))])
            case let .complete(root, tag, object): state.value.onObject(root, tag, object)
            }
        }
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
