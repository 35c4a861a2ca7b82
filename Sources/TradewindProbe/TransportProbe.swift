import Foundation
import NIOCore
import NIOPosix
import TradewindCrypto
import TradewindNoise
import TradewindTransport
import TradewindWire

enum TransportProbe {
    static func echo(networkKeyHex: String, networkIDHex: String, seedHex: String) async {
        guard let networkKey = Hex.decode(networkKeyHex), networkKey.count == 32,
              let networkIDBytes = Hex.decode(networkIDHex), let networkID = Bytes32(networkIDBytes),
              let seed = Hex.decode(seedHex), let identity = try? Ed25519.PrivateKey(seed: seed) else {
            fail("network key, network id and seed must each be 32 bytes of hex")
        }
        let replies = EchoBox()
        do {
            let transport = try await UDPTransport.bind(
                host: "127.0.0.1", port: 0, identity: identity, networkKey: SecureBytes(copying: networkKey),
                networkID: networkID) { message, from in
                replies.push((Array("echo:".utf8) + message, from))
            }
            say("listening \(transport.localAddress.port ?? 0) \(identity.publicKey.bytes32.hex)")
            let deadline = Date().addingTimeInterval(120)
            while Date() < deadline {
                for (message, peer) in replies.drain() {
                    await transport.send(message, to: peer)
                }
                try await Task.sleep(nanoseconds: 2_000_000)
            }
            await transport.close()
        } catch {
            fail("\(error)")
        }
    }

    /// A live endpoint B holds a session with A; a third party C (a genuine member,
    /// run here as a bare core so its datagrams can be copied and mutated) sprays B.
    static func fuzz(count: Int) async {
        let networkKey = SecureBytes.random(count: 32)
        let networkID = Blake2b.hash256(Array("transport fuzz".utf8))
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let received = Counter()
        do {
            let keyA = Ed25519.PrivateKey.generate()
            let keyB = Ed25519.PrivateKey.generate()
            let a = try await UDPTransport.bind(host: "127.0.0.1", port: 0, identity: keyA, networkKey: networkKey,
                                                networkID: networkID, group: group) { _, _ in received.add() }
            let b = try await UDPTransport.bind(host: "127.0.0.1", port: 0, identity: keyB, networkKey: networkKey,
                                                networkID: networkID, group: group) { _, _ in received.add() }
            try await a.addPeer(keyB.publicKey, at: b.localAddress)
            try await b.addPeer(keyA.publicKey, at: a.localAddress)
            await a.send([1], to: keyB.publicKey)
            try await waitFor { received.value >= 1 }

            // The attacker's socket, and a genuine core behind it for valid material.
            let attacker = try await DatagramBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
            var core = TransportCore<Int, SystemRandomNumberGenerator>(
                identity: .generate(), networkKey: networkKey, networkID: networkID, random: SystemRandomNumberGenerator())
            try core.addPeer(keyB.publicKey, endpoint: 0)
            var valid: [[UInt8]] = []
            func collect(_ actions: [TransportCore<Int, SystemRandomNumberGenerator>.Action]) {
                for case let .send(datagram, _) in actions { valid.append(datagram) }
            }
            collect(core.send(Array(repeating: 7, count: 3000), to: keyB.publicKey, now: SystemClock.monotonic, wallClock: SystemClock.wall))

            let rssBefore = residentMemory()
            var generator = SystemRandomNumberGenerator()
            var sent = 0
            let start = Date()
            while sent < count {
                var batch: [[UInt8]] = []
                for _ in 0..<min(500, count - sent) {
                    batch.append(mutated(valid, using: &generator))
                }
                for datagram in batch {
                    var buffer = attacker.allocator.buffer(capacity: datagram.count)
                    buffer.writeBytes(datagram)
                    attacker.write(AddressedEnvelope(remoteAddress: b.localAddress, data: buffer), promise: nil)
                }
                attacker.flush()
                sent += batch.count
                // Let B keep up; the point is to exercise it, not to overflow its socket.
                try await Task.sleep(nanoseconds: 400_000)
            }
            try await Task.sleep(nanoseconds: 500_000_000)
            let elapsed = Date().timeIntervalSince(start)
            let rssAfter = residentMemory()

            // The A–B session is undisturbed.
            let before = received.value
            for index in 0..<100 { await a.send([UInt8(index)], to: keyB.publicKey) }
            for index in 0..<100 { await b.send([UInt8(index)], to: keyA.publicKey) }
            try await waitFor { received.value >= before + 200 }

            let counters = await b.counters()
            let kernel = b.kernelReceiveDrops() ?? 0
            say("fuzz: sent \(sent) datagrams in \(String(format: "%.1f", elapsed)) s; endpoint received "
                + "\(counters.datagramsReceived), kernel dropped \(kernel)")
            say("fuzz: drops \(counters.drops.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue)=\($0.value)" }.joined(separator: " "))")
            say("fuzz: resident memory \(rssBefore / 1024) MiB before, \(rssAfter / 1024) MiB after")
            say("fuzz: session A-B still delivers: 200 of 200 messages")
            let delivered = counters.messagesDelivered - 101 // A's messages; anything beyond came from the fuzz
            guard rssAfter < rssBefore + 64 * 1024 else { fail("memory grew from \(rssBefore) KiB to \(rssAfter) KiB") }
            guard delivered <= 2 else { fail("\(delivered) forged messages were delivered") }
            try? await attacker.close()
            await a.close()
            await b.close()
            try? await group.shutdownGracefully()
            say("fuzz: OK")
        } catch {
            fail("\(error)")
        }
    }

    /// A random datagram, or a valid one with a few bytes changed, cut or extended.
    static func mutated(_ valid: [[UInt8]], using generator: inout SystemRandomNumberGenerator) -> [UInt8] {
        switch Int.random(in: 0..<4, using: &generator) {
        case 0:
            var bytes = (0..<Int.random(in: 0...1300, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if bytes.count > 4 {
                bytes[0] = UInt8.random(in: 0...5, using: &generator)
                bytes[1] = 0; bytes[2] = 0; bytes[3] = 0
            }
            return bytes
        case 1:
            guard var bytes = valid.randomElement(using: &generator) else { return [] }
            for _ in 0..<Int.random(in: 1...6, using: &generator) {
                bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            return bytes
        case 2:
            guard let bytes = valid.randomElement(using: &generator) else { return [] }
            return Array(bytes.prefix(Int.random(in: 0...bytes.count, using: &generator)))
        default:
            guard let bytes = valid.randomElement(using: &generator) else { return [] }
            return bytes // an exact replay
        }
    }

    static func waitFor(timeout: Double = 20, _ condition: () -> Bool) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while !condition() {
            guard Date() < deadline else { fail("timed out") }
            try await Task.sleep(nanoseconds: 5_000_000)
        }
    }

    /// VmRSS from /proc/self/status, in KiB.
    static func residentMemory() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
        }
        return 0
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add() { lock.lock(); count += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
}

final class EchoBox: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [([UInt8], Ed25519.PublicKey)] = []
    func push(_ item: ([UInt8], Ed25519.PublicKey)) { lock.lock(); items.append(item); lock.unlock() }
    func drain() -> [([UInt8], Ed25519.PublicKey)] {
        lock.lock()
        defer { items = []; lock.unlock() }
        return items
    }
}
