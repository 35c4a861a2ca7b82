import TradewindWire

/// Incomplete fragmented messages from one peer, bounded in count and bytes.
struct Reassembly: Sendable {
    struct Partial: Sendable {
        let count: Int
        var fragments: [Int: [UInt8]] = [:]
        var bytes = 0
        let started: MonotonicInstant
    }

    enum Outcome: Equatable {
        case pending
        case complete([UInt8])
        /// The fragment or message broke a limit; `lost` incomplete messages were dropped.
        case dropped(lost: Int)
    }

    private(set) var partials: [UInt32: Partial] = [:]
    private(set) var totalBytes = 0

    /// Adds fragment `index` of `count` of message `id`.
    mutating func add(
        id: UInt32, index: Int, count: Int, bytes: [UInt8], now: MonotonicInstant,
        maxMessages: Int, maxBytes: Int, maxMessageSize: Int
    ) -> Outcome {
        guard count >= 2, index < count, count <= maxMessageSize else { return .dropped(lost: 0) }
        var lost = 0
        if partials[id] == nil {
            // Make room: the oldest incomplete message goes first.
            while partials.count >= maxMessages, let oldest = partials.min(by: { $0.value.started < $1.value.started }) {
                remove(oldest.key)
                lost += 1
            }
            partials[id] = Partial(count: count, started: now)
        }
        guard var partial = partials[id], partial.count == count else { return .dropped(lost: lost) }
        if partial.fragments[index] != nil { return lost > 0 ? .dropped(lost: lost) : .pending }
        guard partial.bytes + bytes.count <= maxMessageSize, totalBytes + bytes.count <= maxBytes else {
            remove(id)
            return .dropped(lost: lost + 1)
        }
        partial.fragments[index] = bytes
        partial.bytes += bytes.count
        totalBytes += bytes.count
        partials[id] = partial
        if partial.fragments.count == count {
            remove(id)
            var message: [UInt8] = []
            message.reserveCapacity(partial.bytes)
            for position in 0..<count { message += partial.fragments[position] ?? [] }
            return .complete(message)
        }
        return lost > 0 ? .dropped(lost: lost) : .pending
    }

    /// Drops messages older than `timeout`; returns how many.
    mutating func expire(now: MonotonicInstant, timeout: Duration) -> Int {
        let stale = partials.filter { $0.value.started.duration(to: now) >= timeout }.map(\.key)
        for id in stale { remove(id) }
        return stale.count
    }

    private mutating func remove(_ id: UInt32) {
        if let partial = partials.removeValue(forKey: id) { totalBytes -= partial.bytes }
    }
}
