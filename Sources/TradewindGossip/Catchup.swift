/// Catch-up for a member that is behind: it pulls height-indexed items (blocks with
/// their certificates, once consensus provides them) by range, from several members
/// at once, and hands them to the application strictly in height order.
///
/// Pure: the application reports its own height and the heights members advertise
/// (membership carries them); items arrive through `received` (the shell moves them
/// as parts); requests that time out go to another member.
public struct Catchup<ID: Hashable & Comparable & Sendable, Random: RandomNumberGenerator> {
    public struct Configuration: Sendable {
        /// Heights per request.
        public var batch: UInt64 = 16
        /// Requests in flight at once (each to a different member when possible).
        public var parallel = 3
        public var requestTimeout: UInt64 = 2_000_000_000
        /// Items buffered ahead of the application at most.
        public var maxBuffered: UInt64 = 256

        public init() {}
    }

    public enum Message: Sendable {
        case request(from: UInt64, through: UInt64)
    }

    public enum Action {
        case send(Message, to: ID)
        /// The next item, in height order.
        case apply(height: UInt64, item: [UInt8])
    }

    struct Request {
        let member: ID
        let from: UInt64
        let through: UInt64
        var sentAt: UInt64
    }

    public let configuration: Configuration
    private var random: Random
    public private(set) var localHeight: UInt64
    private var advertised: [ID: UInt64] = [:]
    private var requests: [Request] = []
    private var buffered: [UInt64: [UInt8]] = [:]
    /// Members asked so far (for tests and metrics).
    public private(set) var askedMembers = Set<ID>()

    public init(localHeight: UInt64, configuration: Configuration = .init(), random: Random) {
        self.localHeight = localHeight
        self.configuration = configuration
        self.random = random
    }

    public var targetHeight: UInt64 { advertised.values.max() ?? localHeight }
    public var isBehind: Bool { targetHeight > localHeight }

    public mutating func setAdvertisedHeights(_ heights: [ID: UInt64]) { advertised = heights }

    /// The application applied items up to `height` on its own (for example from consensus).
    public mutating func setLocalHeight(_ height: UInt64) {
        localHeight = max(localHeight, height)
        let applied = localHeight
        buffered = buffered.filter { $0.key > applied }
        requests.removeAll { $0.through <= applied }
    }

    /// An item arrived (for a height we asked for or not); applies what is contiguous.
    public mutating func received(height: UInt64, item: [UInt8]) -> [Action] {
        guard height > localHeight, height <= localHeight + configuration.maxBuffered else { return [] }
        buffered[height] = item
        var actions: [Action] = []
        while let next = buffered.removeValue(forKey: localHeight + 1) {
            localHeight += 1
            actions.append(.apply(height: localHeight, item: next))
        }
        let applied = localHeight
        requests.removeAll { $0.through <= applied }
        return actions
    }

    public mutating func tick(now: UInt64) -> [Action] {
        var actions: [Action] = []
        // Timed-out requests are dropped and their ranges asked again, elsewhere.
        let timeout = configuration.requestTimeout
        let expired = requests.filter { now - $0.sentAt >= timeout }
        requests.removeAll { now - $0.sentAt >= timeout }
        guard isBehind else { return actions }
        let horizon = min(targetHeight, localHeight + configuration.maxBuffered)
        var start = localHeight + 1
        while requests.count < configuration.parallel && start <= horizon {
            let through = min(horizon, start + configuration.batch - 1)
            let covered = requests.contains { $0.from <= through && $0.through >= start }
                || (start...through).allSatisfy { buffered[$0] != nil }
            if !covered {
                let busy = Set(requests.map(\.member))
                let recentlyFailed = Set(expired.filter { $0.from == start }.map(\.member))
                let candidates = advertised.filter { $0.value >= through }.map(\.key).sorted()
                let fresh = candidates.filter { !busy.contains($0) && !recentlyFailed.contains($0) }
                guard let member = (fresh.isEmpty ? candidates : fresh).randomElement(using: &random) else { break }
                requests.append(Request(member: member, from: start, through: through, sentAt: now))
                askedMembers.insert(member)
                actions.append(.send(.request(from: start, through: through), to: member))
            }
            start = through + 1
        }
        return actions
    }
}
