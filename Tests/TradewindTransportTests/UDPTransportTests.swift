import Foundation
import NIOCore
import NIOPosix
import Testing
import TradewindCrypto
import TradewindNoise
import TradewindTransport
import TradewindWire

/// The transport over real UDP sockets on loopback.
@Suite(.serialized) struct UDPTransportTests {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)

    func connectedPair(configuration: TransportConfiguration = .init()) async throws -> (Endpoint, Endpoint) {
        let a = try await makeEndpoint(configuration: configuration, group: group)
        let b = try await makeEndpoint(configuration: configuration, group: group)
        try await a.transport.addPeer(b.key.publicKey, at: b.transport.localAddress)
        try await b.transport.addPeer(a.key.publicKey, at: a.transport.localAddress)
        return (a, b)
    }

    @Test func tenThousandMessagesEachWayAtAPacedRate() async throws {
        let (a, b) = try await connectedPair()
        defer { Task { await a.transport.close(); await b.transport.close() } }
        let sizes = messageSizes(count: 10_000, seed: 1)
        var expectedAtB: [[UInt8]] = []
        var expectedAtA: [[UInt8]] = []
        // Paced: a window of 50 messages each way, then wait for them.
        for start in stride(from: 0, to: sizes.count, by: 50) {
            let window = start..<min(sizes.count, start + 50)
            let forward = window.map { payload(sizes[$0], tag: $0) }
            let backward = window.map { payload(sizes[sizes.count - 1 - $0], tag: -$0) }
            expectedAtB += forward
            expectedAtA += backward
            await a.transport.send(forward, to: b.key.publicKey)
            await b.transport.send(backward, to: a.key.publicKey)
            let arrived = await b.inbox.wait(for: expectedAtB.count)
            let arrivedBack = await a.inbox.wait(for: expectedAtA.count)
            #expect(arrived && arrivedBack, "stalled after \(start) messages")
            if !(arrived && arrivedBack) { break }
        }
        // Compared by count and digest: printing 100 MB of mismatch helps no one.
        #expect(b.inbox.count == expectedAtB.count && digest(b.inbox.all) == digest(expectedAtB))
        #expect(a.inbox.count == expectedAtA.count && digest(a.inbox.all) == digest(expectedAtA))
        let countersA = await a.transport.counters()
        let countersB = await b.transport.counters()
        #expect(countersA.totalDrops == 0 && countersB.totalDrops == 0, "A: \(countersA) B: \(countersB) atA=\(a.inbox.count)")
    }

    /// Unpaced: more than the receiver can take at once. Whatever is not delivered
    /// is accounted for by a counter (the transport's or the kernel's).
    @Test func burstLossesAreAllCounted() async throws {
        // A small receive buffer on B, so that an unpaced burst does overflow it.
        let a = try await makeEndpoint(group: group)
        let b = try await makeEndpoint(receiveBufferBytes: 64 << 10, group: group)
        try await a.transport.addPeer(b.key.publicKey, at: b.transport.localAddress)
        try await b.transport.addPeer(a.key.publicKey, at: a.transport.localAddress)
        defer { Task { await a.transport.close(); await b.transport.close() } }
        await a.transport.send([1], to: b.key.publicKey)
        #expect(await b.inbox.wait(for: 1))
        let kernelBefore = b.transport.kernelReceiveDrops() ?? 0
        let total = 50_000
        for start in stride(from: 0, to: total, by: 10_000) {
            await a.transport.send((start..<(start + 10_000)).map { payload(200, tag: $0) }, to: b.key.publicKey)
        }
        await b.inbox.settle()
        let delivered = b.inbox.count - 1
        let kernelDrops = Int((b.transport.kernelReceiveDrops() ?? 0) - kernelBefore)
        let sender = await a.transport.counters()
        let receiver = await b.transport.counters()
        let accounted = delivered + kernelDrops + Int(sender.totalDrops) + Int(receiver.totalDrops)
        print("burst: sent \(total), delivered \(delivered), kernel drops \(kernelDrops), "
              + "sender drops \(sender.drops), receiver drops \(receiver.drops)")
        #expect(accounted == total)
        #expect(kernelDrops > 0 || Int(sender.totalDrops) > 0, "the burst was meant to overflow something")
    }

    @Test func wrongNetworkKeyRefusedAtMac1() async throws {
        let b = try await makeEndpoint(group: group)
        let intruder = try await makeEndpoint(networkKey: SecureBytes(copying: [UInt8](repeating: 1, count: 32)), group: group)
        defer { Task { await b.transport.close(); await intruder.transport.close() } }
        try await intruder.transport.addPeer(b.key.publicKey, at: b.transport.localAddress)
        await intruder.transport.send([1, 2, 3], to: b.key.publicKey)
        let deadline = Date().addingTimeInterval(10)
        while await b.transport.counters()[.wrongNetworkKey] == 0 && Date() < deadline {
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        #expect(await b.transport.counters()[.wrongNetworkKey] >= 1)
        #expect(b.inbox.count == 0)
        #expect(await intruder.transport.hasSession(with: b.key.publicKey) == false)
    }

    /// An attacker on the path replays, truncates and alters datagrams; each is
    /// dropped and counted, and the session carries on.
    @Test func onPathAttacksDroppedAndCounted() async throws {
        let a = try await makeEndpoint(group: group)
        let b = try await makeEndpoint(group: group)
        let relay = try await Relay.start(target: b.transport.localAddress, group: group)
        defer { Task { await a.transport.close(); await b.transport.close(); await relay.close() } }
        try await a.transport.addPeer(b.key.publicKey, at: relay.address)
        for index in 0..<20 { await a.transport.send(payload(300, tag: index), to: b.key.publicKey) }
        #expect(await b.inbox.wait(for: 20))
        let recorded = relay.towardsTarget
        let initiation = try #require(recorded.first { $0[0] == 1 })
        let data = recorded.filter { $0[0] == 4 }
        let sample = try #require(data.last)

        try await relay.inject(initiation) // replayed message 1
        try await relay.inject(sample) // replayed data
        var tampered = sample
        tampered[tampered.count - 5] ^= 0x10
        try await relay.inject(tampered)
        try await relay.inject(Array(sample.prefix(10))) // truncated
        var unknown = sample
        unknown[5] ^= 0xff
        try await relay.inject(unknown) // unknown session
        // Paced, so the relay's own socket never overflows.
        for start in stride(from: 0, to: 8200, by: 200) {
            await a.transport.send((start..<(start + 200)).map { [UInt8($0 & 0xff)] }, to: b.key.publicKey)
            _ = await b.inbox.wait(for: 20 + start + 200)
        }
        #expect(await b.inbox.wait(for: 20 + 8200))
        try await relay.inject(data[0]) // now out of the window
        await a.transport.send([0xaa], to: b.key.publicKey)
        #expect(await b.inbox.wait(for: 20 + 8200 + 1))

        let counters = await b.transport.counters()
        #expect(counters[.replay] >= 2) // message 1 and the data datagram
        #expect(counters[.badMAC] >= 1 || counters[.replay] >= 3)
        #expect(counters[.malformed] >= 1)
        #expect(counters[.unknownSession] >= 1)
        #expect(counters[.outOfWindow] >= 1)
        #expect(b.inbox.all.last == [0xaa])
        #expect(b.inbox.count == 20 + 8200 + 1) // nothing forged was delivered
    }

    @Test func rekeyDuringTrafficLosesNothing() async throws {
        var configuration = TransportConfiguration()
        configuration.rekeyAfterTime = .seconds(1)
        configuration.rejectAfterTime = .seconds(4)
        configuration.keepaliveTimeout = .milliseconds(500)
        configuration.rekeyTimeout = .milliseconds(500)
        let (a, b) = try await connectedPair(configuration: configuration)
        defer { Task { await a.transport.close(); await b.transport.close() } }
        var sent = 0
        let end = Date().addingTimeInterval(3.5)
        while Date() < end {
            await a.transport.send(payload(100, tag: sent), to: b.key.publicKey)
            await b.transport.send(payload(100, tag: -sent), to: a.key.publicKey)
            sent += 1
            try await Task.sleep(nanoseconds: 5_000_000)
        }
        #expect(await b.inbox.wait(for: sent))
        #expect(await a.inbox.wait(for: sent))
        #expect(digest(b.inbox.all) == digest((0..<sent).map { payload(100, tag: $0) }))
        let counters = await a.transport.counters()
        #expect(counters.handshakesCompleted >= 3, "expected several rekeys, got \(counters.handshakesCompleted)")
    }

    /// The operating system refusing one send (here a broadcast without SO_BROADCAST;
    /// in the field a firewall's EPERM or ENETUNREACH) makes NIO close the socket.
    /// The transport opens a fresh one at the same address and both directions go on,
    /// over the sessions it had.
    @Test func aRefusedSendDoesNotLeaveThePeerDeaf() async throws {
        let (a, b) = try await connectedPair()
        defer { Task { await a.transport.close(); await b.transport.close() } }
        await a.transport.send([1], to: b.key.publicKey)
        #expect(await b.inbox.wait(for: 1))
        let before = await a.transport.counters()

        let stranger = Ed25519.PrivateKey.generate().publicKey
        try await a.transport.addPeer(stranger, at: try SocketAddress(ipAddress: "255.255.255.255", port: 9))
        await a.transport.send([2], to: stranger)
        try await Task.sleep(nanoseconds: 300_000_000)

        for round in 3..<6 {
            await a.transport.send([UInt8(round)], to: b.key.publicKey)
            await b.transport.send([UInt8(round)], to: a.key.publicKey)
        }
        #expect(await b.inbox.wait(for: 4), "B heard \(b.inbox.all) from A after the refused send")
        #expect(await a.inbox.wait(for: 3), "A heard \(a.inbox.all) from B after the refused send")
        let after = await a.transport.counters()
        #expect(after.socketReopens >= 1 && before.socketReopens == 0)
        #expect(after.handshakesCompleted == before.handshakesCompleted, "the sessions did not survive: \(after)")
        #expect(a.transport.localAddress == (try SocketAddress(ipAddress: "127.0.0.1", port: a.transport.localAddress.port ?? 0)))
    }

    /// A destination the system keeps refusing is held back, doubling: it does not cost
    /// a socket (and the datagrams queued to everyone else) on every retry.
    @Test func aDestinationTheSystemKeepsRefusingIsBackedOff() async throws {
        var configuration = TransportConfiguration()
        // Handshake retries on every 250 ms tick: about 12 refused initiations in 3 s without a backoff.
        configuration.handshakeRetryBase = .milliseconds(50)
        configuration.handshakeRetryMax = .milliseconds(50)
        configuration.handshakeRetryJitter = .zero
        let (a, b) = try await connectedPair(configuration: configuration)
        defer { Task { await a.transport.close(); await b.transport.close() } }
        await a.transport.send([1], to: b.key.publicKey)
        #expect(await b.inbox.wait(for: 1))

        let stranger = Ed25519.PrivateKey.generate().publicKey
        try await a.transport.addPeer(stranger, at: try SocketAddress(ipAddress: "255.255.255.255", port: 9))
        await a.transport.send([2], to: stranger)
        for round in 3..<33 {
            try await Task.sleep(nanoseconds: 100_000_000)
            await a.transport.send([UInt8(round)], to: b.key.publicKey)
        }
        let counters = await a.transport.counters()
        // The first refusal closes the socket unnamed; the next one, traced, names the
        // destination; then one probe per backoff (1, 2 s) at most.
        #expect(counters.socketReopens >= 1 && counters.socketReopens <= 4, "socket reopened \(counters.socketReopens) times in 3 s")
        // About 12 tick-driven retries in 3 s, two or three of them let through as probes.
        #expect(counters[.refusedDestination] >= 6, "held back: \(counters[.refusedDestination])")
        #expect(await b.inbox.wait(for: 31), "B heard \(b.inbox.count) of 31 messages from A meanwhile")
    }

    /// Closing the socket, NIO fails the refused datagram and every one queued behind it
    /// with the same error: only the first is blamed, so a healthy peer whose datagrams
    /// shared the flush is not held back.
    @Test func onlyTheRefusedDestinationIsHeldBackNotTheOnesQueuedBehindIt() async throws {
        let (a, b) = try await connectedPair()
        defer { Task { await a.transport.close(); await b.transport.close() } }
        await a.transport.send([1], to: b.key.publicKey)
        #expect(await b.inbox.wait(for: 1))
        // A first refusal, unnamed (nothing was traced yet), opens the tracing window.
        let first = Ed25519.PrivateKey.generate().publicKey
        try await a.transport.addPeer(first, at: try SocketAddress(ipAddress: "255.255.255.255", port: 9))
        await a.transport.send([2], to: first)
        try await Task.sleep(nanoseconds: 200_000_000)
        // One flush: a handshake to a second refused address, then data for B behind it.
        let second = Ed25519.PrivateKey.generate().publicKey
        try await a.transport.addPeer(second, at: try SocketAddress(ipAddress: "255.255.255.255", port: 10))
        await a.transport.send([([3], second), ([4], b.key.publicKey), ([5], b.key.publicKey)])
        try await Task.sleep(nanoseconds: 100_000_000)
        // B is not held back: what A sends it now arrives at once.
        let before = await a.transport.counters()
        for round in 6..<9 { await a.transport.send([UInt8(round)], to: b.key.publicKey) }
        #expect(await b.inbox.wait(for: 4, timeout: 3), "B heard \(b.inbox.all) from A")
        try await Task.sleep(nanoseconds: 200_000_000)
        #expect(b.inbox.all.contains([8]), "B heard \(b.inbox.all) from A")
        let after = await a.transport.counters()
        #expect(after[.refusedDestination] == before[.refusedDestination], "datagrams to B were held back")
    }

    @Test func restartedPeerReconnectsWithoutOperatorAction() async throws {
        var configuration = TransportConfiguration()
        configuration.keepaliveTimeout = .milliseconds(500)
        configuration.rekeyTimeout = .milliseconds(500)
        let (a, b) = try await connectedPair(configuration: configuration)
        defer { Task { await a.transport.close() } }
        await a.transport.send([1], to: b.key.publicKey)
        #expect(await b.inbox.wait(for: 1))
        let port = b.transport.localAddress.port!
        await b.transport.close()
        // Same identity, same address, new process state (new ephemeral keys).
        let restarted = try await makeEndpoint(key: b.key, port: port, configuration: configuration, group: group)
        defer { Task { await restarted.transport.close() } }
        try await restarted.transport.addPeer(a.key.publicKey, at: a.transport.localAddress)
        // A keeps sending on its old session; within keepalive + rekey timeout it re-handshakes.
        let deadline = Date().addingTimeInterval(10)
        var index = 2
        while restarted.inbox.count == 0 && Date() < deadline {
            await a.transport.send([UInt8(index)], to: b.key.publicKey)
            index += 1
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        #expect(restarted.inbox.count > 0)
        await restarted.transport.send([0xbb], to: a.key.publicKey)
        #expect(await a.inbox.wait(for: 1))
        #expect(a.inbox.all.last == [0xbb])
    }
}
