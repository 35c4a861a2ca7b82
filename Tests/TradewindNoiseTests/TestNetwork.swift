import TradewindCrypto
import TradewindTestSupport
import TradewindNoise
import TradewindWire


typealias Core = TransportCore<Int, SeededGenerator>

/// Two or more transport cores joined by an in-memory network with a virtual clock.
/// Datagrams can be inspected, dropped or altered in flight by `filter`.
struct TestNetwork {
    static let networkKey = SecureBytes(copying: [UInt8](repeating: 0x42, count: 32))
    static let networkID = Blake2b.hash256(Array("test network".utf8))
    static let wallStart = UnixInstant(nanoseconds: 1_800_000_000 * 1_000_000_000)

    var cores: [Int: Core] = [:]
    var identities: [Int: Ed25519.PrivateKey] = [:]
    var now = MonotonicInstant(nanoseconds: 1_000_000_000)
    var inFlight: [(datagram: [UInt8], from: Int, to: Int)] = []
    var delivered: [Int: [(message: [UInt8], from: Ed25519.PublicKey)]] = [:]
    var established: [Int: Int] = [:]
    /// Returns the datagram to deliver (possibly altered), or nil to drop it.
    var filter: ([UInt8], Int, Int) -> [UInt8]? = { datagram, _, _ in datagram }
    /// Every datagram ever sent, for replay tests.
    var sent: [(datagram: [UInt8], from: Int, to: Int)] = []

    var wallClock: UnixInstant { Self.wallStart + now.sinceStart }

    mutating func addNode(_ id: Int, seed: UInt64, networkKey: SecureBytes = TestNetwork.networkKey,
                          configuration: TransportConfiguration = .init(), identity: Ed25519.PrivateKey? = nil) {
        let key = identity ?? Ed25519.PrivateKey.generate()
        identities[id] = key
        cores[id] = Core(identity: key, networkKey: networkKey, networkID: Self.networkID,
                         configuration: configuration, random: SeededGenerator(seed: seed))
    }

    /// Tells every node about every other node's identity and address.
    mutating func connectAll() throws {
        for (id, _) in cores {
            for (other, key) in identities where other != id {
                try cores[id]!.addPeer(key.publicKey, endpoint: other)
            }
        }
    }

    func key(_ id: Int) -> Ed25519.PublicKey { identities[id]!.publicKey }

    mutating func apply(_ actions: [Core.Action], at node: Int) {
        for action in actions {
            switch action {
            case let .send(datagram, to):
                inFlight.append((datagram, node, to))
                sent.append((datagram, node, to))
            case let .deliver(message, from):
                delivered[node, default: []].append((message, from))
            case .established:
                established[node, default: 0] += 1
            }
        }
    }

    mutating func send(_ message: [UInt8], from: Int, to: Int) {
        let actions = cores[from]!.send(message, to: key(to), now: now, wallClock: wallClock)
        apply(actions, at: from)
    }

    /// Injects a datagram as if it came from `from`.
    mutating func inject(_ datagram: [UInt8], from: Int, to: Int) {
        let actions = cores[to]!.receive(datagram, from: from, now: now, wallClock: wallClock)
        apply(actions, at: to)
    }

    /// Delivers everything in flight (and what that causes) until the network is quiet.
    mutating func run(maxRounds: Int = 1000) {
        var rounds = 0
        while !inFlight.isEmpty && rounds < maxRounds {
            rounds += 1
            let batch = inFlight
            inFlight = []
            for (datagram, from, to) in batch {
                guard cores[to] != nil, let passed = filter(datagram, from, to) else { continue }
                inject(passed, from: from, to: to)
            }
        }
    }

    /// Advances the clock in steps, ticking every core and running the network.
    mutating func advance(seconds: Double, step: Double = 0.1) {
        let end = now + .nanoseconds(Int64(seconds * 1e9))
        while now < end {
            now = min(end, now + .nanoseconds(Int64(step * 1e9)))
            for id in cores.keys.sorted() {
                let actions = cores[id]!.tick(now: now, wallClock: wallClock)
                apply(actions, at: id)
            }
            run()
        }
    }

    func messages(at node: Int) -> [[UInt8]] { (delivered[node] ?? []).map(\.message) }
}
