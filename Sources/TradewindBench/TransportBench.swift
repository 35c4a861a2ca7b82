import Foundation
import NIOCore
import NIOPosix
import TradewindCrypto
import TradewindNoise
import TradewindTransport
import TradewindWire

/// Messages per second through the encrypted transport beside plain datagrams
/// through the same NIO socket setup, measured the same way in the same run.
enum TransportBench {
    /// Messages in flight at most (sent but not yet received), so neither side's
    /// socket buffer overflows and the figure is throughput, not loss.
    static let window = 2000
    static let batch = 250

    static func plainDatagrams(seconds: Double, size: Int, group: EventLoopGroup) async throws -> Double {
        let counter = AtomicCount()
        let receiver = try await DatagramBootstrap(group: group)
            .channelOption(.datagramVectorReadMessageCount, value: 64)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 64 * 1300))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(CountingHandler(counter)) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        try? await receiver.setOption(.socketOption(.init(rawValue: SO_RCVBUFFORCE)), value: 8 << 20).get()
        let sender = try await DatagramBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
        defer { sender.close(promise: nil); receiver.close(promise: nil) }
        let target = receiver.localAddress!
        let payload = [UInt8](repeating: 0xab, count: size)
        return try await measure(seconds: seconds, received: { counter.value }) {
            try await sender.eventLoop.submit {
                for _ in 0..<batch {
                    var buffer = sender.allocator.buffer(capacity: size)
                    buffer.writeBytes(payload)
                    sender.write(AddressedEnvelope(remoteAddress: target, data: buffer), promise: nil)
                }
                sender.flush()
            }.get()
        }
    }

    static func encryptedMessages(seconds: Double, size: Int, group: EventLoopGroup) async throws -> Double {
        let counter = AtomicCount()
        let networkKey = SecureBytes.random(count: 32)
        let networkID = Blake2b.hash256(Array("bench".utf8))
        let keyA = Ed25519.PrivateKey.generate()
        let keyB = Ed25519.PrivateKey.generate()
        let a = try await UDPTransport.bind(host: "127.0.0.1", port: 0, identity: keyA, networkKey: networkKey,
                                            networkID: networkID, group: group) { _, _ in }
        let b = try await UDPTransport.bind(host: "127.0.0.1", port: 0, identity: keyB, networkKey: networkKey,
                                            networkID: networkID, group: group) { _, _ in counter.add() }
        try await a.addPeer(keyB.publicKey, at: b.localAddress)
        await a.send([0], to: keyB.publicKey)
        while counter.value < 1 { try await Task.sleep(nanoseconds: 1_000_000) }
        let messages = Array(repeating: [UInt8](repeating: 0xab, count: size), count: batch)
        let rate = try await measure(seconds: seconds, received: { counter.value - 1 }) {
            await a.send(messages, to: keyB.publicKey)
        }
        await a.close()
        await b.close()
        return rate
    }

    /// Sends batches while fewer than `window` are in flight, for `seconds`.
    private static func measure(
        seconds: Double, received: () -> Int, sendBatch: () async throws -> Void
    ) async throws -> Double {
        var sent = 0
        let start = DispatchTime.now().uptimeNanoseconds
        let deadline = start + UInt64(seconds * 1e9)
        while DispatchTime.now().uptimeNanoseconds < deadline {
            if sent - received() < window {
                try await sendBatch()
                sent += batch
            } else {
                await Task.yield()
            }
        }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return Double(received()) / elapsed
    }

    /// Complete Noise_IKpsk2 handshakes (both sides' work) per second on one core.
    static func handshakes(seconds: Double) -> Double {
        let initiatorKey = Ed25519.PrivateKey.generate().curve25519()
        let responderKey = Ed25519.PrivateKey.generate().curve25519()
        let psk = SecureBytes.random(count: 32)
        let prologue = [UInt8](repeating: 1, count: 32)
        let payload = [UInt8](repeating: 2, count: 44)
        return Rate.measure(seconds) {
            guard var initiator = try? HandshakeState(
                protocolName: Datagram.protocolName, initiator: true, prologue: prologue, localStatic: initiatorKey,
                localEphemeral: .generate(), remoteStatic: responderKey.publicKey, psks: [psk]),
                var responder = try? HandshakeState(
                    protocolName: Datagram.protocolName, initiator: false, prologue: prologue,
                    localStatic: responderKey, localEphemeral: .generate(), psks: [psk]),
                let first = try? initiator.writeMessage(payload: payload),
                (try? responder.readMessage(first)) != nil,
                let second = try? responder.writeMessage(payload: [UInt8]()),
                (try? initiator.readMessage(second)) != nil,
                (try? initiator.split()) != nil, (try? responder.split()) != nil
            else { preconditionFailure("handshake failed in the benchmark") }
        }
    }
}

final class AtomicCount: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add(_ amount: Int = 1) { lock.lock(); count += amount; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
}

final class CountingHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    let counter: AtomicCount
    init(_ counter: AtomicCount) { self.counter = counter }
    func channelRead(context: ChannelHandlerContext, data: NIOAny) { counter.add() }
}
