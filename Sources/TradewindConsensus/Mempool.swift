import TradewindLedger
import TradewindWire

/// Transactions waiting for a block: pure, bounded in count and bytes, one queue
/// per sender in sequence order, and a cap per sender so that one account cannot
/// fill it. Signatures and state are checked by the caller before `add`.
///
/// A sender's transactions in an unbroken run from the account's next sequence are
/// ready (a block can take them); one after a gap is parked, waiting for the missing
/// sequence, and is dropped if still waiting `Limits.parkedLifetime` after it
/// arrived. Only sequences below the account's next + `sequenceWindow` are admitted.
/// A deadline transition sent before its deadline is deferred: a block takes it (and
/// its sender's later ones) only once the parent block's time has reached the deadline.
/// Time is an input (`now`, on the peer's monotonic clock): nothing here reads a clock.
public struct Mempool: Sendable {
    /// Admitted sequences lie in `next ..< next + sequenceWindow`, where `next` is the
    /// account's committed next sequence: a farther one is refused, not parked.
    public static let sequenceWindow: UInt64 = 64
    /// How long a parked transaction may wait for the sequence it is missing: 60 s
    /// from its arrival at this peer.
    public static let defaultParkedLifetime: Duration = .seconds(60)

    public struct Limits: Sendable {
        public var maxTransactions = 20_000
        public var maxBytes = 16 << 20
        public var maxPerSender = 256
        /// How long after its arrival a transaction still parked is dropped.
        public var parkedLifetime = Mempool.defaultParkedLifetime
        /// Admitted sequences lie below the account's next + this (benchmarks that
        /// preload one engine raise it; a peer keeps `Mempool.sequenceWindow`).
        public var sequenceWindow = Mempool.sequenceWindow
        public init() {}
    }

    public enum Admission: Equatable, Sendable {
        case added
        case duplicate
        /// The sequence is below the account's next one: it can never apply.
        case stale(sequence: UInt64, next: UInt64)
        /// The sequence is `window` or more past the account's next one.
        case tooFarAhead(sequence: UInt64, next: UInt64, window: UInt64)
        /// The sender already has a different transaction with this sequence.
        case sequenceTaken(UInt64)
        case senderFull(cap: Int)
        /// Full, and the newcomer ranks below everything that could be evicted.
        case poolFull
    }

    /// Where a transaction in the pool stands.
    public enum Standing: Equatable, Sendable {
        /// In the unbroken run from the account's next sequence: a block can take it.
        case ready
        /// Parked behind `missing`, the first sequence from the account's next that no
        /// transaction here has; dropped at `expiresAt` if still waiting.
        case waiting(missing: UInt64, expiresAt: MonotonicInstant)
        /// In the ready run, but its deadline (Unix ms) must pass at the parent block first.
        case deferred(until: UInt64)
    }

    struct Entry: Sendable {
        var transaction: Transaction
        var size: Int
        /// Arrival order, for fairness between senders.
        var arrival: UInt64
        /// Arrival time, for the expiry of parked transactions.
        var arrivedAt: MonotonicInstant
        /// The parent-block time (Unix ms) a block needs to take it; 0 when it can go now.
        var notBefore: UInt64 = 0
    }

    /// One sender's transactions by sequence, all at or above `next`.
    struct Queue: Sendable {
        /// The account's next sequence as last learnt (at admission or from a commit).
        var next: UInt64
        var ids: [UInt64: Bytes32] = [:]
        /// The first sequence from `next` with no transaction here: the ones below are ready.
        var firstMissing: UInt64

        init(next: UInt64) {
            self.next = next
            firstMissing = next
        }

        var ready: Int { Int(firstMissing - next) }
        var parked: Int { ids.count - ready }

        /// Resumes from the old bound: everything from `next` below it is still here
        /// (a removal inside the run lowers `firstMissing` itself), so each sequence is
        /// stepped over once while it stays in the run.
        mutating func findFirstMissing() {
            var sequence = max(next, firstMissing)
            while ids[sequence] != nil { sequence += 1 }
            firstMissing = sequence
        }
    }

    public let limits: Limits
    private var entries: [Bytes32: Entry] = [:]
    private var queues: [Address: Queue] = [:]
    private var arrivals: UInt64 = 0
    public private(set) var bytes = 0
    /// Transactions a block could take now (the rest are parked).
    public private(set) var readyCount = 0
    /// No parked transaction expires before this time: `expire` is free until then.
    private var nextExpiry = MonotonicInstant(nanoseconds: .max)
    /// No entry's last valid height is below this (a lower bound: removals leave it
    /// low until the next look), so a commit walks the entries only when one may have
    /// expired.
    private var lowestLastValidHeight = UInt64.max
    /// Entries with a deadline to wait for (rare): while there are none, readiness is `readyCount`.
    private var deferredCount = 0

    public init(limits: Limits = .init()) { self.limits = limits }

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }
    public var parkedCount: Int { entries.count - readyCount }
    /// Whether any transaction waits for a deadline.
    public var hasDeferred: Bool { deferredCount > 0 }
    public func contains(_ id: Bytes32) -> Bool { entries[id] != nil }
    public func transaction(_ id: Bytes32) -> Transaction? { entries[id]?.transaction }

    public func standing(_ id: Bytes32) -> Standing? {
        guard let entry = entries[id], let queue = queues[entry.transaction.sender] else { return nil }
        if entry.transaction.sequence < queue.firstMissing {
            return entry.notBefore > 0 ? .deferred(until: entry.notBefore) : .ready
        }
        return .waiting(missing: queue.firstMissing, expiresAt: expiry(of: entry))
    }

    /// The sequence `sender`'s next transaction should take: past the account's next
    /// (`committedNext`, or the later one this pool learnt from a commit) and past the
    /// unbroken run of its transactions waiting here.
    public func nextSequence(for sender: Address, committedNext: UInt64) -> UInt64 {
        guard let queue = queues[sender] else { return committedNext }
        var sequence = max(committedNext, queue.next)
        while queue.ids[sequence] != nil { sequence += 1 }
        return sequence
    }

    /// Admits `transaction` (with its id and encoded size, arriving at `now`) if the
    /// sender's `nextSequence` allows it and there is room, evicting the last
    /// transaction of the longest queue when a shorter queue's transaction arrives at
    /// a full pool. `notBefore` is the deadline (Unix ms) a deferred transaction waits
    /// for at the parent block, 0 for none.
    public mutating func add(_ transaction: Transaction, id: Bytes32, size: Int, nextSequence: UInt64,
                             notBefore: UInt64 = 0, now: MonotonicInstant) -> Admission {
        guard entries[id] == nil else { return .duplicate }
        let sender = transaction.sender
        advance(sender, to: nextSequence)
        let next = max(nextSequence, queues[sender]?.next ?? 0)
        let sequence = transaction.sequence
        guard sequence >= next else { return .stale(sequence: sequence, next: next) }
        guard sequence - next < limits.sequenceWindow else {
            return .tooFarAhead(sequence: sequence, next: next, window: limits.sequenceWindow)
        }
        let queued = queues[sender]?.ids.count ?? 0
        guard queues[sender]?.ids[sequence] == nil else { return .sequenceTaken(sequence) }
        guard queued < limits.maxPerSender else { return .senderFull(cap: limits.maxPerSender) }
        while entries.count + 1 > limits.maxTransactions || bytes + size > limits.maxBytes {
            // Evict from the longest queue, its highest sequence (the least likely to be
            // included soon) — but only if that queue is longer than the newcomer's would be.
            guard let (victimSender, victimQueue) = queues.max(by: { $0.value.ids.count < $1.value.ids.count }),
                  victimQueue.ids.count > queued + 1 || (victimSender != sender && victimQueue.ids.count > queued),
                  let highest = victimQueue.ids.keys.max(), let victimID = victimQueue.ids[highest] else { return .poolFull }
            remove(victimID)
        }
        arrivals += 1
        let entry = Entry(transaction: transaction, size: size, arrival: arrivals, arrivedAt: now, notBefore: notBefore)
        entries[id] = entry
        bytes += size
        if notBefore > 0 { deferredCount += 1 }
        change(sender, creatingWith: next) { $0.ids[sequence] = id }
        // Conservative: the newcomer may be (or later become) parked.
        nextExpiry = min(nextExpiry, expiry(of: entry))
        lowestLastValidHeight = min(lowestLastValidHeight, transaction.lastValidHeight)
        return .added
    }

    public mutating func remove(_ id: Bytes32) {
        guard let entry = entries[id] else { return }
        dropEntry(id)
        let sequence = entry.transaction.sequence
        change(entry.transaction.sender) { queue in
            queue.ids[sequence] = nil
            queue.firstMissing = min(queue.firstMissing, sequence)
        }
    }

    /// Raises what this pool knows of `sender`'s next sequence, dropping what it makes stale.
    private mutating func advance(_ sender: Address, to next: UInt64) {
        guard let queue = queues[sender], next > queue.next else { return }
        var stale: [Bytes32] = []
        change(sender) { queue in
            queue.next = next
            for (sequence, id) in queue.ids where sequence < next {
                queue.ids[sequence] = nil
                stale.append(id)
            }
        }
        for id in stale { dropEntry(id) }
    }

    /// Forgets an entry (its bytes and deferral counted out); its queue is the caller's to change.
    private mutating func dropEntry(_ id: Bytes32) {
        guard let entry = entries.removeValue(forKey: id) else { return }
        bytes -= entry.size
        if entry.notBefore > 0 { deferredCount -= 1 }
    }

    /// Marks a transaction as waiting for `deadline` (Unix ms) at the parent block: a
    /// proposer found it too early (its order's deadline moved, or it arrived before
    /// its predecessor did and was not run at admission).
    public mutating func deferUntil(_ id: Bytes32, deadline: UInt64) {
        guard var entry = entries[id], deadline > 0 else { return }
        if entry.notBefore == 0 { deferredCount += 1 }
        entry.notBefore = deadline
        entries[id] = entry
    }

    /// Whether a block is worth making at `time` (Unix ms; the block's time): some
    /// ready transaction can go in now, or waits for a deadline that a block at `time`
    /// passes (that block, even empty, lets the next one take it).
    public func hasWork(at time: UInt64) -> Bool {
        guard readyCount > 0 else { return false }
        guard deferredCount > 0 else { return true }
        return queues.values.contains { queue in
            guard queue.ready > 0, let id = queue.ids[queue.next], let entry = entries[id] else { return false }
            return entry.notBefore <= time
        }
    }

    /// Candidates for a block whose parent's time is `parentTime`: each sender's ready
    /// run in sequence order (up to a transaction whose deadline that time has not
    /// reached), senders interleaved by who has waited longest, up to `maxCount` and
    /// `maxBytes`.
    public func candidates(maxCount: Int, maxBytes: Int, parentTime: UInt64 = .max) -> [IdentifiedTransaction] {
        // Ids only, and no more per sender than a block can take: the pool may be far
        // larger than a block.
        var runs: [(arrival: UInt64, ids: [Bytes32])] = queues.values.compactMap { queue in
            guard queue.ready > 0 else { return nil }
            var ids = (queue.next..<queue.firstMissing).prefix(maxCount).compactMap { queue.ids[$0] }
            if deferredCount > 0, let waiting = ids.firstIndex(where: { (entries[$0]?.notBefore ?? 0) > parentTime }) {
                ids.removeSubrange(waiting...)
            }
            guard !ids.isEmpty else { return nil }
            return (ids.first.flatMap { entries[$0]?.arrival } ?? 0, ids)
        }
        // Ties by the first id: a block's contents must not follow the dictionary's order.
        runs.sort { ($0.arrival, $0.ids.first ?? .zero) < ($1.arrival, $1.ids.first ?? .zero) }
        var picked: [IdentifiedTransaction] = []
        picked.reserveCapacity(min(maxCount, readyCount))
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

    /// After a commit of `height` at `now`: drops what the block included, whatever
    /// the new state makes stale (sequence below the sender's next), transactions no
    /// later block can take (last valid height reached: a proposer left them out as
    /// expired, and they would wait here for ever), promotes parked transactions whose
    /// gap the block filled, and drops expired parked ones. `nextSequence` may answer 0
    /// for a sender the block did not touch.
    public mutating func recheck(included: some Sequence<Bytes32>, height: UInt64, now: MonotonicInstant,
                                 nextSequence: (Address) -> UInt64) {
        // The new next sequences first (one change per sender), then what is left of `included`.
        for sender in Array(queues.keys) { advance(sender, to: nextSequence(sender)) }
        for id in included { remove(id) }
        if height >= lowestLastValidHeight {
            lowestLastValidHeight = .max
            for (id, entry) in entries {
                if entry.transaction.lastValidHeight <= height {
                    remove(id)
                } else {
                    lowestLastValidHeight = min(lowestLastValidHeight, entry.transaction.lastValidHeight)
                }
            }
        }
        expire(now: now)
    }

    /// Drops parked transactions that have waited `limits.parkedLifetime` since they
    /// arrived. Cheap when none is due.
    public mutating func expire(now: MonotonicInstant) {
        guard now >= nextExpiry else { return }
        nextExpiry = MonotonicInstant(nanoseconds: .max)
        for (_, queue) in queues where queue.parked > 0 {
            for (sequence, id) in queue.ids where sequence > queue.firstMissing {
                guard let entry = entries[id] else { continue }
                let expiry = expiry(of: entry)
                if expiry <= now { remove(id) } else { nextExpiry = min(nextExpiry, expiry) }
            }
        }
    }

    private func expiry(of entry: Entry) -> MonotonicInstant {
        entry.arrivedAt + limits.parkedLifetime
    }

    /// Applies `update` to `sender`'s queue (made with `next` if absent) and keeps the
    /// counts of ready transactions and the expiry bound true.
    private mutating func change(_ sender: Address, creatingWith next: UInt64? = nil, _ update: (inout Queue) -> Void) {
        guard var queue = queues[sender] ?? next.map(Queue.init(next:)) else { return }
        let (readyBefore, parkedBefore) = (queue.ready, queue.parked)
        update(&queue)
        queue.findFirstMissing()
        readyCount += queue.ready - readyBefore
        // A transaction that was ready and is parked again (its predecessor left unapplied)
        // has an expiry that may be earlier than the bound: look again at the next call.
        if queue.parked > parkedBefore && queue.ready < readyBefore { nextExpiry = .zero }
        queues[sender] = queue.ids.isEmpty ? nil : queue
    }
}
