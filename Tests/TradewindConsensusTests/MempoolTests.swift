import Testing
import TradewindConsensus
import TradewindCrypto
import TradewindWire

@Suite struct MempoolTests {
    static let keys = (0..<6).map { Roster.key("mempool-\($0)") }

    static func transaction(_ sender: Int, _ sequence: UInt64, amount: UInt64 = 1) -> Transaction {
        Transaction(sender: keys[sender].publicKey.address, sequence: sequence, lastValidHeight: 100,
                    body: .transfer(to: keys[5].publicKey.address, asset: Roster.usd, amount: amount, memo: []))
            .signed(by: keys[sender], network: .zero)
    }

    static func add(_ pool: inout Mempool, _ transaction: Transaction, next: UInt64 = 0, at now: MonotonicInstant = .zero) -> Mempool.Admission {
        pool.add(transaction, id: transaction.id, size: transaction.wireEncoded.count, nextSequence: next, now: now)
    }

    /// The instant `seconds` after the clock's start.
    static func seconds(_ seconds: Int64) -> MonotonicInstant { .zero + .seconds(seconds) }

    @Test func candidatesKeepEachSendersSequenceOrderAndInterleaveSenders() {
        var pool = Mempool()
        for sequence in [2, 0, 1] as [UInt64] { #expect(Self.add(&pool, Self.transaction(0, sequence)) == .added) }
        for sequence in [1, 0] as [UInt64] { #expect(Self.add(&pool, Self.transaction(1, sequence)) == .added) }
        let candidates = pool.candidates(maxCount: 10, maxBytes: 1 << 20)
        #expect(candidates.allSatisfy { $0.id == $0.transaction.id && $0.size == $0.transaction.wireEncoded.count })
        let picked = candidates.map { ($0.transaction.sender, $0.transaction.sequence) }
        let zero = Self.keys[0].publicKey.address, one = Self.keys[1].publicKey.address
        #expect(picked.filter { $0.0 == zero }.map(\.1) == [0, 1, 2])
        #expect(picked.filter { $0.0 == one }.map(\.1) == [0, 1])
        // Interleaved: sender 0 (waiting longest) first, then sender 1, and so on.
        #expect(picked.map(\.0) == [zero, one, zero, one, zero])
        #expect(pool.candidates(maxCount: 2, maxBytes: 1 << 20).count == 2)
        let size = Self.transaction(0, 0).wireEncoded.count
        #expect(pool.candidates(maxCount: 10, maxBytes: size * 3).count == 3)
    }

    /// A deferred transaction (a refund sent before its deadline) and its sender's
    /// later ones are no candidates until the parent's time reaches the deadline; a
    /// block is worth making once the block's own time does. Other senders go on.
    @Test func aDeferredTransactionHoldsBackItsSenderUntilTheParentReachesItsDeadline() {
        var pool = Mempool()
        let (deferred, after, other) = (Self.transaction(0, 0), Self.transaction(0, 1), Self.transaction(1, 0))
        #expect(pool.add(deferred, id: deferred.id, size: deferred.wireEncoded.count, nextSequence: 0, notBefore: 5_000,
                         now: .zero) == .added)
        #expect(Self.add(&pool, after) == .added)
        #expect(pool.standing(deferred.id) == .deferred(until: 5_000))
        #expect(pool.standing(after.id) == .ready && pool.readyCount == 2 && pool.hasDeferred)
        #expect(pool.candidates(maxCount: 10, maxBytes: 1 << 20, parentTime: 4_999).isEmpty)
        #expect(!pool.hasWork(at: 4_999))
        #expect(pool.hasWork(at: 5_000))
        #expect(pool.candidates(maxCount: 10, maxBytes: 1 << 20, parentTime: 5_000).map(\.id) == [deferred.id, after.id])

        #expect(Self.add(&pool, other) == .added)
        #expect(pool.hasWork(at: 0))
        #expect(pool.candidates(maxCount: 10, maxBytes: 1 << 20, parentTime: 4_999).map(\.id) == [other.id])

        // A proposer that finds a ready transaction too early defers it in place.
        pool.deferUntil(other.id, deadline: 9_000)
        #expect(pool.standing(other.id) == .deferred(until: 9_000))
        #expect(!pool.hasWork(at: 4_999) && pool.hasWork(at: 5_000))
        pool.remove(deferred.id)
        pool.remove(other.id)
        // Sequence 1 is left, parked behind the removed 0: nothing to make a block for.
        #expect(!pool.hasDeferred && pool.parkedCount == 1 && !pool.hasWork(at: .max))
    }

    @Test func refusesDuplicatesStaleSequencesTakenSequencesAndFullSenders() {
        var limits = Mempool.Limits()
        limits.maxPerSender = 3
        var pool = Mempool(limits: limits)
        let first = Self.transaction(0, 5)
        #expect(Self.add(&pool, first, next: 5) == .added)
        #expect(Self.add(&pool, first, next: 5) == .duplicate)
        #expect(Self.add(&pool, Self.transaction(0, 4), next: 5) == .stale(sequence: 4, next: 5))
        #expect(Self.add(&pool, Self.transaction(0, 5, amount: 2), next: 5) == .sequenceTaken(5))
        #expect(Self.add(&pool, Self.transaction(0, 6), next: 5) == .added)
        #expect(Self.add(&pool, Self.transaction(0, 7), next: 5) == .added)
        #expect(Self.add(&pool, Self.transaction(0, 8), next: 5) == .senderFull(cap: 3))
        #expect(pool.count == 3)
    }

    @Test func boundedByCountAndBytesEvictingTheLongestQueuesTail() {
        var limits = Mempool.Limits()
        limits.maxTransactions = 4
        var pool = Mempool(limits: limits)
        for sequence in 0..<4 as Range<UInt64> { #expect(Self.add(&pool, Self.transaction(0, sequence)) == .added) }
        // A newcomer from another sender pushes out sender 0's highest sequence.
        #expect(Self.add(&pool, Self.transaction(1, 0)) == .added)
        #expect(pool.count == 4)
        #expect(!pool.contains(Self.transaction(0, 3).id))
        #expect(pool.contains(Self.transaction(0, 2).id))
        // Sender 0 cannot evict its own queue to grow it.
        #expect(Self.add(&pool, Self.transaction(0, 3)) == .poolFull)

        var byBytes = Mempool.Limits()
        let size = Self.transaction(0, 0).wireEncoded.count
        byBytes.maxBytes = size * 2
        var small = Mempool(limits: byBytes)
        #expect(Self.add(&small, Self.transaction(2, 0)) == .added)
        #expect(Self.add(&small, Self.transaction(2, 1)) == .added)
        #expect(Self.add(&small, Self.transaction(2, 2)) == .poolFull)
        #expect(small.bytes <= size * 2)
    }

    /// A transaction whose last valid height is reached can go in no later block (a
    /// proposer leaves it out as expired): the commit of that height drops it, here as
    /// at the proposer, instead of keeping it waiting for ever.
    @Test func recheckDropsTransactionsPastTheirLastValidHeight() {
        var pool = Mempool()
        _ = Self.add(&pool, Self.transaction(0, 0))
        _ = Self.add(&pool, Self.transaction(1, 0))
        // Both are valid up to height 100 (Self.transaction).
        pool.recheck(included: [], height: 99, now: .zero) { _ in 0 }
        #expect(pool.count == 2)
        pool.recheck(included: [], height: 100, now: .zero) { _ in 0 }
        #expect(pool.count == 0 && pool.bytes == 0 && !pool.hasWork(at: 0))
    }

    @Test func recheckDropsIncludedAndStaleTransactions() {
        var pool = Mempool()
        for sequence in 0..<4 as Range<UInt64> { _ = Self.add(&pool, Self.transaction(0, sequence)) }
        _ = Self.add(&pool, Self.transaction(1, 0))
        let included = [Self.transaction(0, 0).id, Self.transaction(0, 1).id]
        // Another peer's block also consumed sequence 2 (with a different transaction).
        let zero = Self.keys[0].publicKey.address
        pool.recheck(included: included, height: 1, now: .zero) { $0 == zero ? 3 : 0 }
        #expect(pool.count == 2)
        #expect(pool.contains(Self.transaction(0, 3).id))
        #expect(pool.contains(Self.transaction(1, 0).id))
        #expect(pool.bytes == 2 * Self.transaction(0, 3).wireEncoded.count)
    }

    @Test func aTransactionAfterAGapIsParkedWaitingForTheMissingSequenceAndIsNoCandidate() {
        var pool = Mempool()
        let zero = Self.keys[0].publicKey.address
        let (t0, t1, t2, t3) = (Self.transaction(0, 0), Self.transaction(0, 1), Self.transaction(0, 2), Self.transaction(0, 3))
        #expect(Self.add(&pool, t2, at: Self.seconds(5)) == .added)
        #expect(Self.add(&pool, t3, at: Self.seconds(5)) == .added)
        #expect(pool.standing(t2.id) == .waiting(missing: 0, expiresAt: Self.seconds(65)))
        #expect(pool.readyCount == 0 && pool.parkedCount == 2)
        #expect(pool.candidates(maxCount: 10, maxBytes: 1 << 20).isEmpty)
        #expect(pool.nextSequence(for: zero, committedNext: 0) == 0)

        #expect(Self.add(&pool, t0) == .added)
        #expect(pool.standing(t0.id) == .ready)
        #expect(pool.standing(t3.id) == .waiting(missing: 1, expiresAt: Self.seconds(65)))
        #expect(pool.candidates(maxCount: 10, maxBytes: 1 << 20).map(\.id) == [t0.id])
        #expect(pool.nextSequence(for: zero, committedNext: 0) == 1)

        // The gap fills: the whole run is ready, in sequence order.
        #expect(Self.add(&pool, t1) == .added)
        #expect(pool.readyCount == 4 && pool.parkedCount == 0)
        #expect(pool.candidates(maxCount: 10, maxBytes: 1 << 20).map(\.id) == [t0.id, t1.id, t2.id, t3.id])
        #expect(pool.nextSequence(for: zero, committedNext: 0) == 4)
        #expect(pool.standing(Self.transaction(1, 0).id) == nil)
    }

    @Test func nextSequenceCountsTheUnbrokenRunOfPendingTransactions() {
        var pool = Mempool()
        let zero = Self.keys[0].publicKey.address, one = Self.keys[1].publicKey.address
        for sequence in [3, 4, 6] as [UInt64] { #expect(Self.add(&pool, Self.transaction(0, sequence), next: 3) == .added) }
        #expect(pool.nextSequence(for: zero, committedNext: 3) == 5)
        // An account with nothing pending: its committed next.
        #expect(pool.nextSequence(for: one, committedNext: 9) == 9)
        // A block took 3 and 4 (and another peer's 5): the committed next moves past them.
        pool.recheck(included: [Self.transaction(0, 3).id, Self.transaction(0, 4).id], height: 1, now: .zero) { $0 == zero ? 6 : 0 }
        #expect(pool.nextSequence(for: zero, committedNext: 6) == 7)
        // A reader whose committed state lags the pool still gets past what the pool knows is used.
        #expect(pool.nextSequence(for: zero, committedNext: 3) == 7)
    }

    @Test func recheckKeepsParkedTransactionsAndPromotesThemWhenTheBlockFillsTheGap() {
        var pool = Mempool()
        let zero = Self.keys[0].publicKey.address
        let (t0, t2, t3) = (Self.transaction(0, 0), Self.transaction(0, 2), Self.transaction(0, 3))
        for transaction in [t0, t2, t3] { #expect(Self.add(&pool, transaction) == .added) }
        // A block with sequence 0 only: 2 and 3 stay, still waiting for 1.
        pool.recheck(included: [t0.id], height: 1, now: Self.seconds(1)) { $0 == zero ? 1 : 0 }
        #expect(pool.count == 2)
        #expect(pool.standing(t2.id) == .waiting(missing: 1, expiresAt: Self.seconds(60)))
        #expect(pool.candidates(maxCount: 10, maxBytes: 1 << 20).isEmpty)
        // Another peer's block carries sequence 1 (a transaction this pool never saw): 2 and 3 are ready.
        pool.recheck(included: [Self.transaction(0, 1, amount: 7).id], height: 1, now: Self.seconds(2)) { $0 == zero ? 2 : 0 }
        #expect(pool.standing(t2.id) == .ready && pool.standing(t3.id) == .ready)
        #expect(pool.readyCount == 2)
        #expect(pool.candidates(maxCount: 10, maxBytes: 1 << 20).map(\.id) == [t2.id, t3.id])
    }

    @Test func parkedTransactionsExpireSixtySecondsAfterArrivalWhileReadyOnesStay() {
        var pool = Mempool()
        let ready = Self.transaction(0, 0), parked = Self.transaction(0, 5), later = Self.transaction(0, 7)
        #expect(Self.add(&pool, ready) == .added)
        #expect(Self.add(&pool, parked) == .added)
        #expect(Self.add(&pool, later, at: Self.seconds(30)) == .added)
        pool.expire(now: Self.seconds(60) - .nanoseconds(1))
        #expect(pool.count == 3)
        pool.expire(now: Self.seconds(60))
        #expect(!pool.contains(parked.id))
        #expect(pool.contains(ready.id) && pool.contains(later.id))
        // Expiry also runs with the recheck after a block.
        pool.recheck(included: [], height: 1, now: Self.seconds(90)) { _ in 0 }
        #expect(!pool.contains(later.id))
        #expect(pool.contains(ready.id) && pool.count == 1 && pool.readyCount == 1)

        // A ready transaction that becomes parked again (its predecessor left the pool
        // unapplied) is held to its own arrival, even if a sweep has already set a later bound.
        var again = Mempool()
        let (t0, t1, t9) = (Self.transaction(1, 0), Self.transaction(1, 1), Self.transaction(1, 9))
        #expect(Self.add(&again, t0) == .added && Self.add(&again, t1) == .added)
        #expect(Self.add(&again, t9, at: Self.seconds(30)) == .added)
        again.expire(now: Self.seconds(60))
        #expect(again.count == 3)
        again.remove(t0.id)
        #expect(again.standing(t1.id) == .waiting(missing: 0, expiresAt: Self.seconds(60)))
        again.expire(now: Self.seconds(70))
        #expect(!again.contains(t1.id) && again.contains(t9.id))
    }

    @Test func refusesSequencesTheWindowOrMoreAheadOfTheAccountsNext() {
        var pool = Mempool()
        #expect(Mempool.sequenceWindow == 64)
        #expect(Self.add(&pool, Self.transaction(0, 5 + 63), next: 5) == .added)
        #expect(Self.add(&pool, Self.transaction(0, 5 + 64), next: 5) == .tooFarAhead(sequence: 69, next: 5, window: 64))
        #expect(Self.add(&pool, Self.transaction(1, .max), next: 0) == .tooFarAhead(sequence: .max, next: 0, window: 64))
        #expect(pool.count == 1)
    }
}
