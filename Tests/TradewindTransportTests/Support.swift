import Foundation
import NIOCore
import NIOPosix
import TradewindCrypto
import TradewindNoise
import TradewindTransport
import TradewindWire

let testNetworkKey = SecureBytes(copying: [UInt8](repeating: 0x42, count: 32))
let testNetworkID = Blake2b.hash256(Array("transport tests".utf8))

/// Collects delivered messages across threads.
final class Inbox: @unchecked Sendable {
    private let lock = NSLock()
    private var messages: [(message: [UInt8], from: Ed25519.PublicKey)] = []

    var handler: UDPTransport.MessageHandler {
        { [self] message, from in
            lock.lock()
            messages.append((message, from))
            lock.unlock()
        }
    }

    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return messages.count
    }

    var all: [[UInt8]] {
        lock.lock()
        defer { lock.unlock() }
        return messages.map(\.message)
    }

    /// Waits until `count` messages arrived or `timeout` passed; returns whether they did.
    func wait(for count: Int, timeout: Double = 20) async -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while self.count < count && Date() < deadline { try? await Task.sleep(nanoseconds: 2_000_000) }
        return self.count >= count
    }

    /// Waits until no message has arrived for `quiet` seconds.
    func settle(quiet: Double = 0.5, timeout: Double = 30) async {
        let deadline = Date().addingTimeInterval(timeout)
        var last = -1
        while Date() < deadline {
            let now = count
            if now == last { return }
            last = now
            try? await Task.sleep(nanoseconds: UInt64(quiet * 1e9))
        }
    }
}

struct Endpoint {
    let key: Ed25519.PrivateKey
    let transport: UDPTransport
    let inbox: Inbox
}

func makeEndpoint(
    key: Ed25519.PrivateKey = .generate(), port: Int = 0, networkKey: SecureBytes = testNetworkKey,
    configuration: TransportConfiguration = .init(), receiveBufferBytes: Int = 8 << 20, group: EventLoopGroup
) async throws -> Endpoint {
    let inbox = Inbox()
    let transport = try await UDPTransport.bind(
        host: "127.0.0.1", port: port, identity: key, networkKey: networkKey, networkID: testNetworkID,
        configuration: configuration, group: group, receiveBufferBytes: receiveBufferBytes, onMessage: inbox.handler)
    return Endpoint(key: key, transport: transport, inbox: inbox)
}

/// A UDP relay between two endpoints that records every datagram and can inject
/// datagrams of its own, as an attacker on the path would.
final class Relay: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    private let lock = NSLock()
    private var recorded: [(datagram: [UInt8], toB: Bool)] = []
    private let target: SocketAddress
    private var client: SocketAddress?
    private(set) var channel: Channel?

    init(target: SocketAddress) { self.target = target }

    static func start(target: SocketAddress, group: EventLoopGroup) async throws -> Relay {
        let relay = Relay(target: target)
        relay.channel = try await DatagramBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(relay) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return relay
    }

    var address: SocketAddress { channel!.localAddress! }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let bytes = Array(envelope.data.readableBytesView)
        let fromTarget = envelope.remoteAddress == target
        lock.lock()
        if !fromTarget { client = envelope.remoteAddress }
        recorded.append((bytes, !fromTarget))
        let destination = fromTarget ? client : target
        lock.unlock()
        if let destination {
            context.writeAndFlush(wrapOutboundOut(AddressedEnvelope(remoteAddress: destination, data: envelope.data)), promise: nil)
        }
    }

    /// Datagrams that went from the client to the target.
    var towardsTarget: [[UInt8]] {
        lock.lock()
        defer { lock.unlock() }
        return recorded.filter(\.toB).map(\.datagram)
    }

    func inject(_ datagram: [UInt8]) async throws {
        guard let channel else { return }
        var buffer = channel.allocator.buffer(capacity: datagram.count)
        buffer.writeBytes(datagram)
        try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: target, data: buffer)).get()
    }

    func close() async { try? await channel?.close() }
}

/// Sizes from 1 byte to 60 KiB, log-uniform, reproducible.
func messageSizes(count: Int, seed: UInt64) -> [Int] {
    var state = seed
    return (0..<count).map { _ in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        let fraction = Double(state >> 11) / Double(1 << 53)
        return max(1, min(60 * 1024, Int(exp(fraction * log(60.0 * 1024)))))
    }
}

func payload(_ size: Int, tag: Int) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: size)
    for index in 0..<min(size, 8) { bytes[index] = UInt8(truncatingIfNeeded: tag >> (index * 8)) }
    for index in stride(from: 8, to: size, by: 97) { bytes[index] = UInt8(truncatingIfNeeded: index &+ tag) }
    return bytes
}

/// A digest of a message sequence (order matters), for compact comparisons.
func digest(_ messages: [[UInt8]]) -> Bytes32 {
    var writer = WireWriter()
    writer.writeArray(messages) { $0.writeBytes($1) }
    return Blake2b.hash256(writer.bytes)
}
