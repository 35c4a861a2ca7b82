import Foundation
import NIOCore
import NIOPosix
import TradewindCrypto
import TradewindNoise
import TradewindWire

/// The SwiftNIO shell around `TransportCore`: one UDP socket, the core living on the
/// socket's event loop (so it needs no locks), a timer tick, batched writes.
///
/// The socket outlives any send error: NIO closes a datagram channel on most of them
/// (a firewall's EPERM, ENETUNREACH, an address of the other family), so the handler
/// opens a fresh socket at the same address and carries on with the same core, its
/// sessions intact. Only `close()` ends the transport.
///
/// Received messages go to `onMessage`, called on the event loop; it must not block.
public final class UDPTransport: Sendable {
    public typealias Core = TransportCore<SocketAddress, SystemRandomNumberGenerator>
    public typealias MessageHandler = @Sendable (_ message: [UInt8], _ from: Ed25519.PublicKey) -> Void

    /// The event loop the core, the socket and every callback run on.
    public let eventLoop: EventLoop
    public let localAddress: SocketAddress
    public let identity: Ed25519.PublicKey
    private let handler: NIOLoopBound<TransportHandler>
    private let ownsGroup: EventLoopGroup?

    /// Binds a UDP socket at `host:port` (port 0 picks a free one) and starts the transport.
    /// `receiveBufferBytes` sizes the kernel's receive buffer, which absorbs bursts.
    /// `emulatedDelay` holds every outgoing datagram that long before it is written:
    /// wide-area latency for test meshes on machines without `tc netem`.
    public static func bind(
        host: String, port: Int, identity: Ed25519.PrivateKey, networkKey: SecureBytes, networkID: Bytes32,
        configuration: TransportConfiguration = .init(), group: EventLoopGroup? = nil,
        receiveBufferBytes: Int = 8 << 20, emulatedDelay: TimeAmount = .zero, onMessage: @escaping MessageHandler
    ) async throws -> UDPTransport {
        let ownsGroup: EventLoopGroup? = group == nil ? MultiThreadedEventLoopGroup(numberOfThreads: 1) : nil
        let eventLoopGroup = group ?? ownsGroup!
        let core = Core(identity: identity, networkKey: networkKey, networkID: networkID,
                        configuration: configuration, random: SystemRandomNumberGenerator())
        let eventLoop = eventLoopGroup.next()
        let socket = SocketOpener(maxDatagram: configuration.maxDatagramPayload, receiveBufferBytes: receiveBufferBytes)
        let channel: Channel
        let handler: NIOLoopBound<TransportHandler>
        do {
            handler = try await eventLoop.submit {
                NIOLoopBound(TransportHandler(core: core, socket: socket, emulatedDelay: emulatedDelay, onMessage: onMessage),
                             eventLoop: eventLoop)
            }.get()
            let address = try SocketAddress.makeAddressResolvingHost(host, port: port)
            channel = try await socket.open(at: address, on: eventLoop, handler: handler).get()
        } catch {
            try? await ownsGroup?.shutdownGracefully()
            throw error
        }
        guard let localAddress = channel.localAddress else {
            try? await channel.close()
            try? await ownsGroup?.shutdownGracefully()
            throw TransportError.notBound
        }
        try await eventLoop.submit { handler.value.boundAddress = localAddress }.get()
        return UDPTransport(
            eventLoop: eventLoop, localAddress: localAddress, identity: identity.publicKey,
            handler: handler, ownsGroup: ownsGroup)
    }

    private init(
        eventLoop: EventLoop, localAddress: SocketAddress, identity: Ed25519.PublicKey,
        handler: NIOLoopBound<TransportHandler>, ownsGroup: EventLoopGroup?
    ) {
        self.eventLoop = eventLoop
        self.localAddress = localAddress
        self.identity = identity
        self.handler = handler
        self.ownsGroup = ownsGroup
    }

    /// Makes a peer reachable (from a seed list or gossip).
    public func addPeer(_ peer: Ed25519.PublicKey, at endpoint: SocketAddress) async throws {
        let handler = self.handler
        try await eventLoop.submit { try handler.value.addPeer(peer, endpoint: endpoint) }.get()
    }

    /// Queues `message` for `peer`. Returns false (and counts a drop) when the
    /// socket's write buffer is over its high-water mark: back-pressure to the caller.
    @discardableResult
    public func send(_ message: [UInt8], to peer: Ed25519.PublicKey) async -> Bool {
        let handler = self.handler
        return (try? await eventLoop.submit { handler.value.send(message, to: peer) }.get()) ?? false
    }

    /// Queues many messages in one hop to the event loop, flushed together.
    @discardableResult
    public func send(_ messages: [[UInt8]], to peer: Ed25519.PublicKey) async -> Int {
        let handler = self.handler
        return (try? await eventLoop.submit {
            messages.reduce(0) { $0 + (handler.value.send($1, to: peer, flush: false) ? 1 : 0) }
        }.map { accepted in
            handler.value.flush()
            return accepted
        }.get()) ?? 0
    }

    /// Queues messages for several peers in one hop to the event loop, flushed together
    /// (a fan-out); returns how many were accepted.
    @discardableResult
    public func send(_ batch: [(message: [UInt8], to: Ed25519.PublicKey)]) async -> Int {
        let handler = self.handler
        return (try? await eventLoop.submit {
            batch.reduce(0) { $0 + (handler.value.send($1.message, to: $1.to, flush: false) ? 1 : 0) }
        }.map { accepted in
            handler.value.flush()
            return accepted
        }.get()) ?? 0
    }

    /// For code already running on the transport's event loop (the gossip shell):
    /// queue `message` for `peer` and flush.
    @discardableResult
    public func sendOnEventLoop(_ message: [UInt8], to peer: Ed25519.PublicKey) -> Bool {
        eventLoop.preconditionInEventLoop()
        return handler.value.send(message, to: peer)
    }

    /// For code on the event loop: makes `peer` reachable at `endpoint`.
    public func addPeerOnEventLoop(_ peer: Ed25519.PublicKey, at endpoint: SocketAddress) throws {
        eventLoop.preconditionInEventLoop()
        try handler.value.addPeer(peer, endpoint: endpoint)
    }

    /// For code on the event loop: `peer` advertises `endpoint` (gossip); used unless
    /// the peer was already heard from elsewhere (`TransportCore.learn`).
    public func learnOnEventLoop(_ peer: Ed25519.PublicKey, at endpoint: SocketAddress) throws {
        eventLoop.preconditionInEventLoop()
        try handler.value.core.learn(peer, endpoint: endpoint)
    }

    public func counters() async -> TransportCounters {
        let handler = self.handler
        return (try? await eventLoop.submit {
            var counters = handler.value.core.counters
            counters.socketReopens = handler.value.socketReopens
            return counters
        }.get()) ?? TransportCounters()
    }

    public func hasSession(with peer: Ed25519.PublicKey) async -> Bool {
        let handler = self.handler
        return (try? await eventLoop.submit { handler.value.core.hasSession(with: peer) }.get()) ?? false
    }

    /// Datagrams the kernel dropped at this socket because its receive buffer was
    /// full (from /proc/net/udp), so bursts can be accounted for. Nil if unknown.
    public func kernelReceiveDrops() -> UInt64? {
        guard let port = localAddress.port else { return nil }
        return KernelSocketStatistics.drops(localPort: port, ipv6: localAddress.protocol == .inet6)
    }

    public func close() async {
        let handler = self.handler
        try? await eventLoop.flatSubmit { [eventLoop] in handler.value.close(on: eventLoop) }.get()
        try? await ownsGroup?.shutdownGracefully()
    }
}

public enum TransportError: Error, CustomStringConvertible {
    case notBound

    public var description: String { "the UDP socket has no local address" }
}

/// Opens the transport's UDP socket, configured, with the handler in its pipeline: at
/// bind, and again whenever NIO closed the previous one.
struct SocketOpener: Sendable {
    let maxDatagram: Int
    let receiveBufferBytes: Int

    func open(at address: SocketAddress, on eventLoop: EventLoop,
              handler: NIOLoopBound<TransportHandler>) -> EventLoopFuture<Channel> {
        let receiveBufferBytes = self.receiveBufferBytes
        // A bind that fails leaves its channel open (NIO does not close it): close it here.
        let opened = NIOLoopBoundBox.makeEmptyBox(valueType: Channel.self, eventLoop: eventLoop)
        return DatagramBootstrap(group: eventLoop)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            .channelOption(.datagramVectorReadMessageCount, value: 64)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 64 * (maxDatagram + 64)))
            .channelOption(.writeBufferWaterMark, value: .init(low: 1 << 20, high: 4 << 20))
            .channelInitializer { channel in
                opened.value = channel
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(handler.value)
                }
            }
            .bind(to: address)
            .flatMapError { error in
                opened.value?.close(promise: nil)
                return eventLoop.makeFailedFuture(error)
            }
            .flatMap { channel in
                // A large receive buffer absorbs bursts; as root, FORCE lifts the sysctl cap.
                channel.setOption(.socketOption(.init(rawValue: SO_RCVBUFFORCE)), value: receiveBufferBytes)
                    .flatMapError { _ in channel.setOption(.socketOption(.so_rcvbuf), value: receiveBufferBytes) }
                    .flatMapError { _ in channel.eventLoop.makeSucceededVoidFuture() }
                    .flatMap { channel.setOption(.socketOption(.so_sndbuf), value: 4 << 20) }
                    .flatMapError { _ in channel.eventLoop.makeSucceededVoidFuture() }
                    .map { channel }
            }
    }
}

/// Runs the core on the channel's event loop.
final class TransportHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    var core: UDPTransport.Core
    private let onMessage: UDPTransport.MessageHandler
    private var context: ChannelHandlerContext?
    private var timer: RepeatedTask?
    private var needsFlush = false
    private let emulatedDelay: TimeAmount
    private let socket: SocketOpener
    /// Where the socket is bound; a reopened socket binds here again.
    var boundAddress: SocketAddress?
    /// Set by `close()`: the socket goes away on purpose and is not reopened.
    private var closing = false
    private(set) var socketReopens: UInt64 = 0
    private var refused = RefusedEndpoints<SocketAddress>()
    /// A traced write failed on the current socket since a traced write last succeeded:
    /// later failures are the writes NIO failed behind it, not refusals of their own.
    private var refusalBlamed = false

    /// The Noise core's timers (handshake retries from 1 s with 333 ms of jitter,
    /// keepalives, rekeys) need no finer steps; an idle peer wakes for little else.
    static let tickInterval = TimeAmount.milliseconds(250)
    static let reopenRetryInterval = TimeAmount.seconds(1)

    init(core: UDPTransport.Core, socket: SocketOpener, emulatedDelay: TimeAmount,
         onMessage: @escaping UDPTransport.MessageHandler) {
        self.core = core
        self.socket = socket
        self.emulatedDelay = emulatedDelay
        self.onMessage = onMessage
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        refusalBlamed = false
        // One timer for the transport's life, whichever socket is open: reopening
        // (perhaps many times a second) must not keep pushing the next tick back.
        guard timer == nil, !closing else { return }
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleRepeatedTask(initialDelay: Self.tickInterval, delay: Self.tickInterval) { _ in
            let handler = loopBound.value
            handler.perform(handler.core.tick(now: SystemClock.monotonic, wallClock: SystemClock.wall))
            handler.flush()
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        // A reopened socket may have taken this handler before the old pipeline let go.
        guard self.context === context else { return }
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        context.fireChannelInactive()
        guard !closing, let address = boundAddress else { return }
        core.recordDrop(.socketError)
        refused.socketFailed(now: SystemClock.monotonic)
        reopen(at: address, on: context.eventLoop)
    }

    /// A fresh socket at the same address, this handler (and so the core) in its
    /// pipeline; retried every second while the address cannot be bound.
    private func reopen(at address: SocketAddress, on eventLoop: EventLoop) {
        let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
        socket.open(at: address, on: eventLoop, handler: loopBound).whenComplete { result in
            let handler = loopBound.value
            switch result {
            case let .success(channel):
                handler.socketReopens += 1
                if handler.closing { channel.close(promise: nil) }
            case .failure:
                guard !handler.closing else { return }
                eventLoop.scheduleTask(in: Self.reopenRetryInterval) {
                    if !loopBound.value.closing { loopBound.value.reopen(at: address, on: eventLoop) }
                }
            }
        }
    }

    /// Closes the socket for good.
    func close(on eventLoop: EventLoop) -> EventLoopFuture<Void> {
        closing = true
        timer?.cancel()
        return context?.channel.close() ?? eventLoop.makeSucceededVoidFuture()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let bytes = Array(envelope.data.readableBytesView)
        perform(core.receive(bytes, from: envelope.remoteAddress, now: SystemClock.monotonic, wallClock: SystemClock.wall))
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        flush()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // A send the operating system refused (buffer space, unreachable host) is
        // reported here; the datagram is gone, UDP carries on.
        core.recordDrop(.socketError)
    }

    func addPeer(_ peer: Ed25519.PublicKey, endpoint: SocketAddress) throws {
        try core.addPeer(peer, endpoint: endpoint)
    }

    func send(_ message: [UInt8], to peer: Ed25519.PublicKey, flush shouldFlush: Bool = true) -> Bool {
        guard let context, context.channel.isWritable else {
            core.recordDrop(.queueFull)
            return false
        }
        perform(core.send(message, to: peer, now: SystemClock.monotonic, wallClock: SystemClock.wall))
        if shouldFlush { flush() }
        return true
    }

    func perform(_ actions: [UDPTransport.Core.Action]) {
        var now: MonotonicInstant?
        for action in actions {
            switch action {
            case let .send(datagram, endpoint):
                // Read for every send: delivering a message may have reopened the socket.
                guard let context else {
                    core.recordDrop(.socketError)
                    continue
                }
                // IPv6 from an IPv4 socket: a certain refusal, and each refusal costs a
                // socket. (An IPv6 socket reaches IPv4 addresses unless it is v6-only.)
                guard !(endpoint.protocol == .inet6 && boundAddress?.protocol == .inet) else {
                    core.recordDrop(.noRoute)
                    continue
                }
                let time = now ?? SystemClock.monotonic
                now = time
                guard !refused.isBackedOff(endpoint, now: time) else {
                    core.recordDrop(.refusedDestination)
                    continue
                }
                var buffer = context.channel.allocator.buffer(capacity: datagram.count)
                buffer.writeBytes(datagram)
                let envelope = AddressedEnvelope(remoteAddress: endpoint, data: buffer)
                let promise = refused.shouldTrace(now: time) ? outcomePromise(for: endpoint, on: context.eventLoop) : nil
                guard emulatedDelay > .zero else {
                    context.write(wrapOutboundOut(envelope), promise: promise)
                    needsFlush = true
                    continue
                }
                // Written through whichever socket is open by then.
                let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
                let scheduled = context.eventLoop.scheduleTask(in: emulatedDelay) {
                    let handler = loopBound.value
                    guard let context = handler.context else {
                        promise?.fail(ChannelError.ioOnClosedChannel)
                        return
                    }
                    context.writeAndFlush(handler.wrapOutboundOut(envelope), promise: promise)
                }
                // A loop that shuts down first drops the task: the promise must not leak.
                if let promise { scheduled.futureResult.whenFailure { promise.fail($0) } }
            case let .deliver(message, from):
                onMessage(message, from)
            case .established:
                break
            }
        }
    }

    /// A promise that reports whether the OS took a datagram to `endpoint`: a datagram
    /// taken clears the endpoint; a refusal (an `IOError`) backs it off, if it is the
    /// first failure since a write last succeeded. Closing the socket, NIO fails the
    /// refused write and then every write queued behind it with the same error.
    private func outcomePromise(for endpoint: SocketAddress, on eventLoop: EventLoop) -> EventLoopPromise<Void> {
        let promise = eventLoop.makePromise(of: Void.self)
        let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
        promise.futureResult.whenComplete { result in
            let handler = loopBound.value
            switch result {
            case .success:
                handler.refusalBlamed = false
                handler.refused.delivered(endpoint)
            case let .failure(error):
                // A full buffer (ENOBUFS) says nothing about the destination.
                guard let error = error as? IOError, error.errnoCode != ENOBUFS, !handler.refusalBlamed else { return }
                handler.refusalBlamed = true
                handler.refused.refused(endpoint, now: SystemClock.monotonic)
            }
        }
        return promise
    }

    func flush() {
        guard needsFlush, let context else { return }
        needsFlush = false
        context.flush()
    }
}

/// Reads per-socket counters the kernel publishes in /proc/net/udp{,6}.
enum KernelSocketStatistics {
    static func drops(localPort: Int, ipv6: Bool) -> UInt64? {
        guard let text = try? String(contentsOfFile: ipv6 ? "/proc/net/udp6" : "/proc/net/udp", encoding: .utf8) else {
            return nil
        }
        let portHex = String(format: ":%04X", localPort)
        for line in text.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            // sl local_address rem_address st tx:rx tr:tm retrnsmt uid timeout inode ref pointer drops
            guard fields.count >= 13, fields[1].hasSuffix(portHex) else { continue }
            return UInt64(fields[12])
        }
        return nil
    }
}
