import TradewindWire

/// Token buckets per source address, bounded in entries: a flood of forged source
/// addresses cannot grow it without limit.
struct RateLimiter<Key: Hashable & Sendable>: Sendable {
    private struct Bucket: Sendable {
        var tokens: Double
        var updated: MonotonicInstant
    }

    private var buckets: [Key: Bucket] = [:]
    let burst: Double
    let perSecond: Double
    let maxEntries: Int

    init(burst: Double, perSecond: Double, maxEntries: Int) {
        self.burst = burst
        self.perSecond = perSecond
        self.maxEntries = maxEntries
    }

    mutating func allow(_ key: Key, now: MonotonicInstant) -> Bool {
        var bucket = buckets[key] ?? Bucket(tokens: burst, updated: now)
        refill(&bucket, now: now)
        guard bucket.tokens >= 1 else {
            buckets[key] = bucket
            return false
        }
        if buckets[key] == nil && buckets.count >= maxEntries {
            prune(now: now)
            guard buckets.count < maxEntries else { return false }
        }
        bucket.tokens -= 1
        buckets[key] = bucket
        return true
    }

    private func refill(_ bucket: inout Bucket, now: MonotonicInstant) {
        let elapsed = Double(max(0, bucket.updated.duration(to: now).nanoseconds)) / 1e9
        bucket.tokens = min(burst, bucket.tokens + elapsed * perSecond)
        bucket.updated = now
    }

    /// Forgets buckets that have refilled completely: they behave like new ones.
    mutating func prune(now: MonotonicInstant) {
        buckets = buckets.filter { _, bucket in
            var copy = bucket
            refill(&copy, now: now)
            return copy.tokens < burst
        }
    }

    var count: Int { buckets.count }
}
