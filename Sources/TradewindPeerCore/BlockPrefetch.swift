import TradewindWire

/// Catch-up with many blocks in flight. The engine asks for the one block it needs
/// next and commits it before asking again: one round trip per block, which at an
/// intercontinental 150 ms is under seven blocks a second against one a second
/// produced. This asks members that advertise a chain at least that long for the
/// next `window` heights at once, spread over them in runs of `run` heights, holds
/// what arrives ahead of the engine, and hands it over one height at a time.
///
/// Held blocks are not trusted: the engine verifies each certificate and replays
/// each block when its height comes; one it rejects is simply asked for again.
/// A member advertising heights it does not have costs a few small requests per
/// timeout. Memory is bounded by `window` blocks. Pure: time and members are inputs.
public struct BlockPrefetch: Sendable {
    public struct Configuration: Sendable {
        /// Heights asked for ahead of the engine at most (and held at most).
        public var window: UInt64 = 32
        /// Consecutive heights asked of one member before moving to the next.
        public var run: UInt64 = 8
        /// After this long without the block, a height is asked of another member.
        public var timeout: Duration = .seconds(2)

        public init() {}
    }

    struct Request {
        var member: Address
        var sentAt: MonotonicInstant
        var attempts: Int
        var answered = false
    }

    public let configuration: Configuration
    public typealias Held = (block: Block, certificate: CommitCertificate, sender: Address)
    private var held: [UInt64: Held] = [:]
    private var requests: [UInt64: Request] = [:]

    public init(configuration: Configuration = .init()) {
        self.configuration = configuration
    }

    public var heldCount: Int { held.count }
    /// Heights whose committed block arrived in answer to these requests (each
    /// counted once, whether held or needed at once).
    public private(set) var answered: UInt64 = 0

    /// Requests to send, given the height the engine decides next (its head + 1) and
    /// the chain heights members advertise. Heights already held or asked for
    /// recently are skipped; a height whose request timed out goes to the next member.
    public mutating func requests(next: UInt64, advertised: [Address: UInt64], now: MonotonicInstant) -> [(height: UInt64, member: Address)] {
        forget(below: next)
        let sources = advertised.filter { $0.value >= next }.map(\.key).sorted()
        guard !sources.isEmpty, let tallest = advertised.values.max() else { return [] }
        var out: [(height: UInt64, member: Address)] = []
        let last = min(tallest, next + configuration.window - 1)
        guard next <= last else { return [] }
        for height in next...last where held[height] == nil {
            var attempts = 0
            if let request = requests[height] {
                guard now >= request.sentAt + configuration.timeout else { continue }
                attempts = request.attempts
            }
            // Runs of consecutive heights per member; each retry moves one member on.
            let able = sources.filter { advertised[$0, default: 0] >= height }
            guard !able.isEmpty else { continue }
            let slot = Int((height / configuration.run) % UInt64(able.count))
            let member = able[(slot + attempts) % able.count]
            requests[height] = Request(member: member, sentAt: now, attempts: attempts + 1)
            out.append((height, member))
        }
        return out
    }

    /// Whether `height` is held or was asked for less than a timeout ago.
    public func isInFlight(_ height: UInt64, now: MonotonicInstant) -> Bool {
        if held[height] != nil { return true }
        guard let request = requests[height] else { return false }
        return now < request.sentAt + configuration.timeout
    }

    /// A committed block for `height` arrived (held or not): counts an answer.
    public mutating func arrived(_ height: UInt64) {
        guard let request = requests[height], !request.answered else { return }
        requests[height]?.answered = true
        answered += 1
    }

    /// A committed block that arrived for a height past the engine's: kept if it is
    /// within the window and none is held for that height yet. Says whether it was kept.
    public mutating func hold(_ block: Block, certificate: CommitCertificate, from sender: Address, next: UInt64) -> Bool {
        let height = block.header.height
        guard height > next, height < next + configuration.window, held[height] == nil,
              certificate.height == height else { return false }
        held[height] = (block, certificate, sender)
        return true
    }

    /// The held block for `height`, if any; it leaves the buffer, and should the
    /// engine reject it, the next call to `requests` asks for the height again.
    public mutating func take(_ height: UInt64) -> Held? {
        forget(below: height)
        guard let block = held.removeValue(forKey: height) else { return nil }
        requests[height] = nil
        return block
    }

    private mutating func forget(below height: UInt64) {
        if held.keys.contains(where: { $0 < height }) { held = held.filter { $0.key >= height } }
        if requests.keys.contains(where: { $0 < height }) { requests = requests.filter { $0.key >= height } }
    }
}
