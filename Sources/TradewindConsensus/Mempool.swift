import TradewindLedger
import TradewindWire

/// Transactions waiting for a block: pure, bounded in count and bytes, one queue
/// per sender in sequence order, and a cap per sender so that one account cannot
/// fill it. Signatures and state are checked by the caller before `add`.
public struct Mempool: Sendable {
    public struct Limits: Sendable {
        public var maxTransactions = 20_000
        public var maxBytes = 16 << 20
        public var maxPerSender = 256
        public init() {}
    }

    public enum Admission: Equatable, Sendable {
        case added
        case duplicate
        /// The sequence is below the account's next one: it can never apply.
        case stale(sequence: UInt64, next: UInt64)
        /// The sender already has a different transaction with this sequence.
        case sequenceTaken(UInt64)
        case senderFull(cap: Int)
        /// Full, and the newcomer ranks below everything that could be evicted.
        case poolFull
    }

    struct Entry: Sendable {
        var transaction: Transaction
        var size: Int
        var arrival: UInt64
    }

    public let limits: Limits
    private var entries: [Bytes32: Entry] = [:]
    /// Per sender: sequence → id, kept sorted by sequence on read.
    private var queues: [Address: [UInt64: Bytes32]] = [:]
    private var arrivals: UInt64 = 0
    public private(set) var bytes = 0

    public init(limits: Limits = .init()) { self.limits = limits }

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }
    public func contains(_ id: Bytes32) -> Bool { entries[id] != nil }
    public func transaction(_ id: Bytes32) -> Transaction? { entries[id]?.transaction }

    /// Admits `transaction` (with its id and encoded size) if the sender's `nextSequence`
    /// allows it and there is room, evicting the last transaction of the longest queue
    /// when a shorter queue's transaction arrives at a full pool.
    public mutating func add(_ transaction: Transaction, id: Bytes32, size: Int, nextSequence: UInt64) -> Admission {
        guard entries[id] == nil else { return .duplicate }
        guard transaction.sequence >= nextSequence else { return .stale(sequence: transaction.sequence, next: nextSequence) }
        let sender = transaction.sender
        let queue = queues[sender] ?? [:]
        guard queue[transaction.sequence] == nil else { return .sequenceTaken(transaction.sequence) }
        guard queue.count < limits.maxPerSender else { return .senderFull(cap: limits.maxPerSender) }
        while entries.count + 1 > limits.maxTransactions || bytes + size > limits.maxBytes {
            // Evict from the longest queue, its highest sequence (the least likely to be
            // included soon) — but only if that queue is longer than the newcomer's would be.
            guard let (victimSender, victimQueue) = queues.max(by: { $0.value.count < $1.value.count }),
                  victimQueue.count > queue.count + 1 || (victimSender != sender && victimQueue.count > queue.count),
                  let highest = victimQueue.keys.max(), let victimID = victimQueue[highest] else { return .poolFull }
            remove(victimID)
        }
        arrivals += 1
        entries[id] = Entry(transaction: transaction, size: size, arrival: arrivals)
        queues[sender, default: [:]][transaction.sequence] = id
        bytes += size
        return .added
    }

    public mutating func remove(_ id: Bytes32) {
        guard let entry = entries.removeValue(forKey: id) else { return }
        bytes -= entry.size
        let sender = entry.transaction.sender
        queues[sender]?[entry.transaction.sequence] = nil
        if queues[sender]?.isEmpty == true { queues[sender] = nil }
    }

    /// Candidates for a block: each sender's queue in sequence order, senders
    /// interleaved by who has waited longest, up to `maxCount` and `maxBytes`.
    public func candidates(maxCount: Int, maxBytes: Int) -> [IdentifiedTransaction] {
        // Ids only, and no more per sender than a block can take: the pool may be far
        // larger than a block.
        var runs: [(arrival: UInt64, ids: [Bytes32])] = queues.values.map { queue in
            let ids = queue.keys.sorted().prefix(maxCount).compactMap { queue[$0] }
            return (ids.first.flatMap { entries[$0]?.arrival } ?? 0, ids)
        }
        runs.sort { $0.arrival < $1.arrival }
        var picked: [IdentifiedTransaction] = []
        picked.reserveCapacity(min(maxCount, entries.count))
        var used = 0
        var cursors = [Int](repeating: 0, count: runs.count)
        var exhausted = 0
        while picked.count < maxCount && exhausted < runs.count {
            exhausted = 0
            for run in runs.indices {
                guard picked.count < maxCount else { break }
                guard cursors[run] < runs[run].ids.count, let entry = entries[runs[run].ids[cursors[run]]] else {
                    exhausted += 1
                    continue
                }
                if used + entry.size > maxBytes { cursors[run] = runs[run].ids.count; exhausted += 1; continue }
                picked.append(IdentifiedTransaction(transaction: entry.transaction, id: runs[run].ids[cursors[run]],
                                                    size: entry.size))
                used += entry.size
                cursors[run] += 1
            }
        }
        return picked
    }

    /// After a commit: drops what the block included and whatever the new state
    /// makes stale (sequence below the sender's next).
    public mutating func recheck(included: some Sequence<Bytes32>, nextSequence: (Address) -> UInt64) {
        for id in included { remove(id) }
        for (sender, queue) in queues {
            let next = nextSequence(sender)
            for (sequence, id) in queue where sequence < next { remove(id) }
        }
    }
}
