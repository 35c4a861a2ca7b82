import TradewindCrypto
import TradewindTestSupport
import TradewindNoise
import TradewindWire
import Testing

@Suite struct TransportCoreTests {
    func pair(seed: UInt64 = 1) throws -> TestNetwork {
        var network = TestNetwork()
        network.addNode(1, seed: seed)
        network.addNode(2, seed: seed + 100)
        try network.connectAll()
        return network
    }

    func message(_ size: Int, tag: UInt8) -> [UInt8] {
        (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ Int(tag)) }
    }

    @Test func messagesOfAllSizesBothWays() throws {
        var network = try pair()
        let sizes = [0, 1, 100, 1166, 1167, 1168, 5000, 30_000, 60 * 1024]
        for (index, size) in sizes.enumerated() {
            network.send(message(size, tag: UInt8(index)), from: 1, to: 2)
            network.send(message(size, tag: UInt8(index + 50)), from: 2, to: 1)
            network.run()
        }
        #expect(network.messages(at: 2) == sizes.enumerated().map { message($0.element, tag: UInt8($0.offset)) })
        #expect(network.messages(at: 1) == sizes.enumerated().map { message($0.element, tag: UInt8($0.offset + 50)) })
        #expect(network.cores[1]!.counters.totalDrops == 0)
        #expect(network.cores[2]!.counters.totalDrops == 0)
        // Every datagram fits the configured payload size.
        #expect(network.sent.allSatisfy { $0.datagram.count <= 1200 })
    }

    @Test func oversizeMessageRefused() throws {
        var network = try pair()
        network.send(message(60 * 1024 + 1, tag: 0), from: 1, to: 2)
        #expect(network.cores[1]!.counters[.oversize] == 1)
        #expect(network.inFlight.isEmpty)
    }

    @Test func wrongNetworkKeyRefusedAtMac1() throws {
        var network = TestNetwork()
        network.addNode(1, seed: 1, networkKey: SecureBytes(copying: [UInt8](repeating: 0x43, count: 32)))
        network.addNode(2, seed: 2)
        try network.connectAll()
        network.send([1, 2, 3], from: 1, to: 2)
        network.run()
        #expect(network.cores[2]!.counters[.wrongNetworkKey] == 1)
        #expect(network.messages(at: 2).isEmpty)
        #expect(network.cores[2]!.activeIndexCount == 0) // no state allocated
    }

    @Test func replayedInitiationDroppedAndSessionUnharmed() throws {
        var network = try pair()
        network.send([1], from: 1, to: 2)
        network.run()
        let initiation = try #require(network.sent.first { $0.datagram[0] == 1 })
        network.inject(initiation.datagram, from: 1, to: 2)
        #expect(network.cores[2]!.counters[.replay] == 1)
        network.run()
        network.send([2], from: 1, to: 2)
        network.send([3], from: 2, to: 1)
        network.run()
        #expect(network.messages(at: 2) == [[1], [2]])
        #expect(network.messages(at: 1) == [[3]])
    }

    @Test func tamperedTruncatedReplayedAndOldDataDropped() throws {
        var network = try pair()
        network.send([0], from: 1, to: 2)
        network.run()
        network.send(message(200, tag: 1), from: 1, to: 2)
        let data = try #require(network.inFlight.last?.datagram)
        network.inFlight = []
        // Tampered (any byte after the header), before the genuine datagram arrives:
        // the counter is fresh, so authentication is what refuses it.
        var tampered = data
        tampered[40] ^= 0x01
        network.inject(tampered, from: 1, to: 2)
        #expect(network.cores[2]!.counters[.badMAC] == 1)
        // The header (here the counter) is authenticated too.
        var badCounter = data
        badCounter[14] ^= 0x01
        network.inject(badCounter, from: 1, to: 2)
        #expect(network.cores[2]!.counters[.badMAC] == 2)
        // Truncated: too short to be data at all, or cut inside the ciphertext.
        network.inject(Array(data.prefix(20)), from: 1, to: 2)
        network.inject(Array(data.prefix(3)), from: 1, to: 2)
        #expect(network.cores[2]!.counters[.malformed] == 2)
        network.inject(Array(data.prefix(100)), from: 1, to: 2)
        #expect(network.cores[2]!.counters[.badMAC] == 3)
        // None of that burned the counter: the genuine datagram is still accepted …
        network.inject(data, from: 1, to: 2)
        #expect(network.messages(at: 2).last == message(200, tag: 1))
        // … once.
        network.inject(data, from: 1, to: 2)
        #expect(network.cores[2]!.counters[.replay] == 1)
        // Far ahead, then the old one is out of the window.
        for _ in 0..<8200 { network.send([9], from: 1, to: 2) }
        network.run()
        network.inject(data, from: 1, to: 2)
        #expect(network.cores[2]!.counters[.outOfWindow] == 1)
        // Unknown session index.
        var unknown = data
        unknown[4] ^= 0xff
        network.inject(unknown, from: 1, to: 2)
        #expect(network.cores[2]!.counters[.unknownSession] == 1)
        // The session still works, and nothing forged was delivered.
        network.send([7, 7], from: 1, to: 2)
        network.run()
        #expect(network.messages(at: 2).count == 2 + 8200 + 1)
        #expect(network.messages(at: 2).last == [7, 7])
    }

    @Test func rekeyMidTrafficLosesNothing() throws {
        var network = try pair()
        var expected: [[UInt8]] = []
        var back: [[UInt8]] = []
        for second in 0..<300 {
            let forward = message(10 + second % 50, tag: UInt8(second % 256))
            network.send(forward, from: 1, to: 2)
            expected.append(forward)
            let reply = message(20, tag: UInt8((second * 3) % 256))
            network.send(reply, from: 2, to: 1)
            back.append(reply)
            network.advance(seconds: 1)
        }
        #expect(network.messages(at: 2) == expected)
        #expect(network.messages(at: 1) == back)
        // 300 s of traffic crossed at least two rekeys (every 120 s).
        #expect(network.cores[1]!.counters.handshakesCompleted >= 3)
        #expect(network.cores[1]!.counters.totalDrops == 0 && network.cores[2]!.counters.totalDrops == 0)
    }

    @Test func restartedPeerReconnectsByItself() throws {
        var network = try pair()
        network.send([1], from: 1, to: 2)
        network.send([2], from: 2, to: 1)
        network.run()
        network.advance(seconds: 1)
        // Node 2 restarts: same identity, no sessions, new ephemeral keys.
        let identity = network.identities[2]!
        network.addNode(2, seed: 999, identity: identity)
        try network.cores[2]!.addPeer(network.key(1), endpoint: 1)
        // It can reach node 1 at once (node 1 accepts its newer timestamp) …
        network.send([3], from: 2, to: 1)
        network.run()
        #expect(network.messages(at: 1) == [[2], [3]])
        // … and node 1's messages flow again.
        network.send([4], from: 1, to: 2)
        network.run()
        #expect(network.messages(at: 2).last == [4])
    }

    @Test func restartedSilentPeerReachedAfterTimeout() throws {
        var network = try pair()
        network.send([1], from: 1, to: 2)
        network.run()
        let identity = network.identities[2]!
        network.addNode(2, seed: 999, identity: identity)
        // Node 1 keeps sending on the old session; node 2 knows nothing of it.
        for second in 0..<30 {
            network.send([UInt8(second)], from: 1, to: 2)
            network.advance(seconds: 1)
        }
        // Within keepalive + rekey timeout node 1 re-handshakes; later messages arrive.
        let received = network.messages(at: 2)
        #expect(!received.isEmpty)
        #expect(received.last == [29])
        #expect(network.cores[2]!.counters[.unknownSession] <= 16)
    }

    /// A peer that moved (a new address, as behind NAT) initiates while this side's
    /// handshake to its old address is pending: it is answered whichever identity is
    /// lower, and what waited for it goes to where it is now.
    @Test(arguments: [true, false])
    func aPeerThatMovedIsAnsweredWhileAHandshakeToItsOldAddressIsPending(lowerInitiatesFirst: Bool) throws {
        let keys = [Ed25519.PrivateKey.generate(), Ed25519.PrivateKey.generate()]
            .sorted { lowerInitiatesFirst ? $0.publicKey < $1.publicKey : $1.publicKey < $0.publicKey }
        var network = TestNetwork()
        network.addNode(1, seed: 1, identity: keys[0])
        network.addNode(2, seed: 2, identity: keys[1])
        try network.connectAll()
        // Node 2 moves to address 3 before anyone spoke: node 1's handshake goes to 2, unanswered.
        network.cores[2] = nil
        network.send([1], from: 1, to: 2)
        network.run()
        network.addNode(3, seed: 3, identity: keys[1])
        try network.cores[3]!.addPeer(network.key(1), endpoint: 1)
        network.send([2], from: 3, to: 1)
        network.run()
        #expect(network.messages(at: 1) == [[2]])
        #expect(network.messages(at: 3) == [[1]], "node 1's waiting message went to the new address")
        #expect(network.cores[1]!.endpoint(of: network.key(2)) == 3)
    }

    @Test func simultaneousInitiationResolves() throws {
        for seed in UInt64(1)...20 {
            var network = try pair(seed: seed)
            network.send([1], from: 1, to: 2)
            network.send([2], from: 2, to: 1)
            network.run()
            for index in 0..<20 {
                network.send([UInt8(index)], from: 1, to: 2)
                network.send([UInt8(index + 100)], from: 2, to: 1)
                if index % 3 == 0 { network.run() }
            }
            network.run()
            network.advance(seconds: 2)
            #expect(network.messages(at: 2) == [[1]] + (0..<20).map { [UInt8($0)] }, "seed \(seed)")
            #expect(network.messages(at: 1) == [[2]] + (0..<20).map { [UInt8($0 + 100)] }, "seed \(seed)")
        }
    }

    @Test func handshakeRetriedWithBackoffUnderLoss() throws {
        var network = try pair()
        var dropped = 0
        network.filter = { datagram, _, _ in
            if datagram[0] == 1 && dropped < 3 {
                dropped += 1
                return nil
            }
            return datagram
        }
        network.send([5], from: 1, to: 2)
        network.run()
        network.advance(seconds: 20)
        #expect(network.messages(at: 2) == [[5]])
        let initiations = network.sent.filter { $0.datagram[0] == 1 }
        #expect(initiations.count == 4)
    }

    @Test func queuedMessagesDroppedAndCountedWhenPeerNeverAnswers() throws {
        var network = TestNetwork()
        network.addNode(1, seed: 1)
        network.addNode(2, seed: 2)
        try network.connectAll()
        network.cores[2] = nil // the address answers nothing
        for index in 0..<5 { network.send([UInt8(index)], from: 1, to: 2) }
        network.advance(seconds: 95, step: 0.5)
        #expect(network.cores[1]!.counters[.handshakeTimeout] == 5)
    }

    @Test func randomDatagramsNeverDisturbASession() throws {
        var network = try pair()
        network.send([1], from: 1, to: 2)
        network.run()
        var generator = SeededGenerator(seed: 77)
        let valid = network.sent.map(\.datagram)
        for round in 0..<20_000 {
            var datagram: [UInt8]
            if round % 2 == 0 {
                datagram = (0..<Int.random(in: 0...1300, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
                if !datagram.isEmpty { datagram[0] = UInt8.random(in: 0...5, using: &generator) }
                if datagram.count > 3 { datagram[1] = 0; datagram[2] = 0; datagram[3] = 0 }
            } else {
                datagram = valid[Int.random(in: 0..<valid.count, using: &generator)]
                let flips = Int.random(in: 1...4, using: &generator)
                for _ in 0..<flips where !datagram.isEmpty {
                    datagram[Int.random(in: 0..<datagram.count, using: &generator)] ^= UInt8.random(in: 1...255, using: &generator)
                }
            }
            network.inject(datagram, from: 3, to: 2)
        }
        network.inFlight = []
        network.send([2], from: 1, to: 2)
        network.send([3], from: 2, to: 1)
        network.run()
        #expect(network.messages(at: 2) == [[1], [2]])
        #expect(network.messages(at: 1) == [[3]])
        let counters = network.cores[2]!.counters
        #expect(counters.datagramsReceived >= 20_000)
        #expect(counters.totalDrops >= 20_000 - 5)
    }

    @Test func configurationRefusesDatagramsTooSmallForATransaction() {
        var configuration = TransportConfiguration()
        let defaults = configuration
        #expect(throws: Never.self) { try defaults.validate(maxTransactionSize: 1024) }
        configuration.maxDatagramPayload = 1024 + Datagram.messageOverhead - 1
        let tooSmall = configuration
        #expect(throws: TransportConfiguration.Problem.datagramTooSmall(configured: 1056, minimum: 1057)) {
            try tooSmall.validate(maxTransactionSize: 1024)
        }
    }
}

@Suite struct ReplayWindowTests {
    @Test func acceptsEachCounterOnceWithinTheWindow() {
        var window = ReplayWindow()
        let first = window.accept(5)
        let again = window.accept(5)
        let lower = window.accept(3)
        #expect(first && !again && lower)
        #expect(window.check(3) == .replayed)
        let jump = window.accept(10_000)
        #expect(jump)
        #expect(window.check(10_000 - ReplayWindow.windowSize) == .tooOld)
        #expect(window.check(10_000 - ReplayWindow.windowSize + 1) == .fresh)
        #expect(window.check(5) == .tooOld)
        #expect(ReplayWindow.windowSize >= 2048)
    }

    @Test func matchesASetModel() {
        var generator = SeededGenerator(seed: 5)
        var window = ReplayWindow()
        var seen = Set<UInt64>()
        var highest: UInt64 = 0
        for _ in 0..<50_000 {
            let jump = UInt64.random(in: 0...100, using: &generator)
            let counter = Bool.random(using: &generator) ? highest + jump : highest &- min(highest, jump * 90)
            let expected: ReplayWindow.Verdict
            if seen.isEmpty || counter > highest {
                expected = .fresh
            } else if highest - counter >= ReplayWindow.windowSize {
                expected = .tooOld
            } else {
                expected = seen.contains(counter) ? .replayed : .fresh
            }
            #expect(window.check(counter) == expected)
            if expected == .fresh {
                window.accept(counter)
                seen.insert(counter)
                highest = max(highest, counter)
            }
        }
    }
}

@Suite struct ReassemblyAccountingTests {
    /// Many fragmented messages in a row: the reassembly budget never leaks, so the
    /// thousandth message is accepted like the first.
    @Test func longRunsOfFragmentedMessagesNeverHitTheBudget() throws {
        var network = TestNetwork()
        network.addNode(1, seed: 1)
        network.addNode(2, seed: 2)
        try network.connectAll()
        for index in 0..<1000 {
            network.send([UInt8](repeating: UInt8(index & 0xff), count: 20_000 + index), from: 1, to: 2)
            network.run()
        }
        #expect(network.messages(at: 2).count == 1000)
        #expect(network.cores[2]!.counters[.reassembly] == 0)
    }
}
