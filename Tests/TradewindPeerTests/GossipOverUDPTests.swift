import Foundation
import NIOCore
import NIOPosix
import Testing
import TradewindCrypto
import TradewindGossip
import TradewindPeer
import TradewindWire

final class Deliveries: @unchecked Sendable {
    private let lock = NSLock()
    private var byPeer: [Int: Set<Bytes32>] = [:]
    private var objects: [Int: [Bytes32: [UInt8]]] = [:]

    func record(_ peer: Int, _ payload: [UInt8]) {
        lock.lock(); defer { lock.unlock() }
        byPeer[peer, default: []].insert(Blake2b.hash256(payload))
    }

    func record(_ peer: Int, object root: Bytes32, _ bytes: [UInt8]) {
        lock.lock(); defer { lock.unlock() }
        objects[peer, default: [:]][root] = bytes
    }

    func count(_ peer: Int) -> Int {
        lock.lock(); defer { lock.unlock() }
        return byPeer[peer]?.count ?? 0
    }

    func object(_ peer: Int, _ root: Bytes32) -> [UInt8]? {
        lock.lock(); defer { lock.unlock() }
        return objects[peer]?[root]
    }
}

/// The gossip protocol over real Noise-encrypted UDP: 8 peers on loopback, each
/// with its own socket, find each other through one seed and spread messages.
@Suite struct GossipOverUDPTests {
    @Test func eightPeersConvergeAndDisseminate() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let networkKey = SecureBytes.random(count: 32)
        let networkID = Blake2b.hash256(Array("gossip over udp".utf8))
        let hooks = GossipService.Hooks(id: { _, payload in Blake2b.hash256(payload) }, validate: { _, _ in .accept })
        let deliveries = Deliveries()
        var peers: [GossipService] = []
        let seedKey = Ed25519.PrivateKey.generate()
        for index in 0..<8 {
            let key = index == 0 ? seedKey : Ed25519.PrivateKey.generate()
            let seeds = index == 0 ? [] : [(seedKey.publicKey.address, peers[0].endpoint)]
            let peer = try await GossipService.start(
                identity: key, networkKey: networkKey, networkID: networkID, role: index < 4 ? .authority : .participant,
                seeds: seeds, hooks: hooks, group: group,
                onDeliver: { _, payload, _ in deliveries.record(index, payload) },
                onObject: { root, _, object in deliveries.record(index, object: root, object) })
            peers.append(peer)
        }
        // Convergence: every peer sees the 7 others alive.
        let start = Date()
        var converged = false
        while Date().timeIntervalSince(start) < 20 {
            var full = true
            for peer in peers where await peer.members().filter({ $0.status == .alive }).count < 7 { full = false }
            if full { converged = true; break }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        let convergence = Date().timeIntervalSince(start)
        #expect(converged, "membership did not converge")

        // Dissemination: 50 messages from random peers reach all 8.
        for number in 0..<50 {
            await peers[number % 8].publish(.transactions, payload: Array("message \(number)".utf8))
        }
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline && (0..<8).contains(where: { deliveries.count($0) < 50 }) {
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        for index in 0..<8 { #expect(deliveries.count(index) == 50, "peer \(index) got \(deliveries.count(index)) of 50") }

        // A 100 KB object as parts.
        let object = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let root = try #require(await peers[5].offer(object, tag: 1))
        let objectDeadline = Date().addingTimeInterval(20)
        while Date() < objectDeadline && (0..<8).contains(where: { $0 != 5 && deliveries.object($0, root) == nil }) {
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        for index in 0..<8 where index != 5 { #expect(deliveries.object(index, root) == object, "peer \(index) lacks the object") }
        print(String(format: "gossip over UDP: 8 peers converged in %.2f s; 50 messages and a 100 KB object reached all", convergence))
        for peer in peers { await peer.close() }
        try await group.shutdownGracefully()
    }
}
