import TradewindWire

/// Compact blocks (header, transaction ids, certificate) waiting for the bodies this
/// peer lacks. A peer rebuilds a gossiped block from its mempool; the few bodies it
/// has not seen yet are asked of the member that sent the block (which relayed it,
/// so it holds them all), then of the other members that sent a copy, then of any
/// member advertising the height. A block still incomplete after `giveUpAfter` is
/// dropped: the engine's catch-up then fetches it whole.
///
/// Bodies are matched by id, a hash of the whole transaction: one that fits an id is
/// the one the block commits to, from whoever it comes. Memory is bounded by
/// `maxPending` blocks. Pure: time is an input.
public struct BlockAssembly: Sendable {
    public struct Configuration: Sendable {
        /// After this long without the missing bodies, they are asked of the next member.
        public var retryAfter: Duration = .milliseconds(400)
        /// An incomplete block is dropped after this long.
        public var giveUpAfter: Duration = .seconds(3)
        /// Blocks assembled at once at most.
        public var maxPending = 8
        /// Copies of one block held for their verdicts at most (each may carry another
        /// quorum's certificate); more are let go at once.
        public var maxCopies = 4

        public init() {}
    }

    /// A gossiped copy of a compact block, awaiting its verdict (copies of one block
    /// may carry different certificates, and each was pushed under its own id).
    public struct Copy: Sendable {
        public var gossipID: Bytes32
        public var payload: [UInt8]
        public var certificate: CommitCertificate
        public var sender: Address

        public init(gossipID: Bytes32, payload: [UInt8], certificate: CommitCertificate, sender: Address) {
            self.gossipID = gossipID
            self.payload = payload
            self.certificate = certificate
            self.sender = sender
        }
    }

    /// A block whose bodies are all present, with the copies that brought it.
    public struct Completed: Sendable {
        public var block: Block
        public var copies: [Copy]
    }

    /// Bodies to ask for: `ids` of the block at `height`, of `member` when one sent a
    /// copy not yet asked, else (nil) of any member that holds the height.
    public struct Request: Sendable, Equatable {
        public var height: UInt64
        public var ids: [Bytes32]
        public var member: Address?
    }

    struct Pending: Sendable {
        var compact: CompactBlock
        var bodies: [Bytes32: Transaction]
        var missing: Set<Bytes32>
        var copies: [Copy]
        /// Members asked so far, in the order of `copies`' senders.
        var asked: Int
        var startedAt: MonotonicInstant
        var askedAt: MonotonicInstant
    }

    public let configuration: Configuration
    private var pending: [Bytes32: Pending] = [:]
    /// Which pending block needs each missing body.
    private var wanted: [Bytes32: Set<Bytes32>] = [:]

    public init(configuration: Configuration = .init()) {
        self.configuration = configuration
    }

    public var pendingCount: Int { pending.count }

    /// Whether a pending block lacks the body with this id.
    public func wants(_ transactionID: Bytes32) -> Bool { wanted[transactionID] != nil }

    /// Whether a block with this id is being assembled.
    public func isAssembling(_ blockID: Bytes32) -> Bool { pending[blockID] != nil }

    /// Adds a copy of a block being assembled; false if it is not, or holds
    /// `maxCopies` copies already.
    public mutating func addCopy(_ copy: Copy, of blockID: Bytes32) -> Bool {
        guard let entry = pending[blockID], entry.copies.count < configuration.maxCopies else { return false }
        pending[blockID]?.copies.append(copy)
        return true
    }

    /// Starts assembling `compact`, whose bodies in `bodies` this peer holds and the
    /// rest it lacks. Returns the first requests (to the copy's sender), or nil when
    /// `maxPending` blocks are under way already.
    public mutating func start(_ compact: CompactBlock, copy: Copy, bodies: [Bytes32: Transaction],
                               now: MonotonicInstant) -> [Request]? {
        let blockID = compact.header.id
        guard pending[blockID] == nil, pending.count < configuration.maxPending else { return nil }
        let missing = Set(compact.transactionIDs.filter { bodies[$0] == nil })
        pending[blockID] = Pending(compact: compact, bodies: bodies, missing: missing, copies: [copy], asked: 1,
                                   startedAt: now, askedAt: now)
        for id in missing { wanted[id, default: []].insert(blockID) }
        return Self.requests(height: compact.header.height, missing: missing, member: copy.sender)
    }

    /// A body arrived (asked for, or pushed by gossip): the blocks it completes.
    public mutating func fill(_ transaction: Transaction, id: Bytes32) -> [Completed] {
        guard let blockIDs = wanted.removeValue(forKey: id) else { return [] }
        var completed: [Completed] = []
        for blockID in blockIDs.sorted() {
            guard var entry = pending[blockID] else { continue }
            entry.bodies[id] = transaction
            entry.missing.remove(id)
            if entry.missing.isEmpty, let block = entry.compact.block(bodies: entry.bodies) {
                pending[blockID] = nil
                completed.append(Completed(block: block, copies: entry.copies))
            } else {
                pending[blockID] = entry
            }
        }
        return completed
    }

    /// Time passes: requests for bodies still missing after `retryAfter`, each to the
    /// next member, and the copies of blocks given up on.
    public mutating func tick(now: MonotonicInstant) -> (requests: [Request], abandoned: [Copy]) {
        var requests: [Request] = []
        var abandoned: [Copy] = []
        for blockID in pending.keys.sorted() {
            guard var entry = pending[blockID] else { continue }
            if now >= entry.startedAt + configuration.giveUpAfter {
                abandoned += remove(blockID)
                continue
            }
            guard now >= entry.askedAt + configuration.retryAfter else { continue }
            let senders = entry.copies.map(\.sender)
            let member = entry.asked < senders.count ? senders[entry.asked] : nil
            entry.asked += 1
            entry.askedAt = now
            pending[blockID] = entry
            requests += Self.requests(height: entry.compact.header.height, missing: entry.missing, member: member)
        }
        return (requests, abandoned)
    }

    /// Drops every block at `height` or below (committed by other means): the copies
    /// to settle, with the id of the block each copy is of.
    public mutating func drop(through height: UInt64) -> [(blockID: Bytes32, copy: Copy)] {
        var dropped: [(blockID: Bytes32, copy: Copy)] = []
        for (blockID, entry) in pending.sorted(by: { $0.key < $1.key }) where entry.compact.header.height <= height {
            dropped += remove(blockID).map { (blockID, $0) }
        }
        return dropped
    }

    private mutating func remove(_ blockID: Bytes32) -> [Copy] {
        guard let entry = pending.removeValue(forKey: blockID) else { return [] }
        for id in entry.missing {
            wanted[id]?.remove(blockID)
            if wanted[id]?.isEmpty == true { wanted[id] = nil }
        }
        return entry.copies
    }

    /// The missing ids in sorted runs that each fit one request.
    private static func requests(height: UInt64, missing: Set<Bytes32>, member: Address?) -> [Request] {
        let sorted = missing.sorted()
        return stride(from: 0, to: sorted.count, by: ConsensusMessage.maxTransactionsPerMessage).map { start in
            let end = min(start + ConsensusMessage.maxTransactionsPerMessage, sorted.count)
            return Request(height: height, ids: Array(sorted[start..<end]), member: member)
        }
    }
}
