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

    static func add(_ pool: inout Mempool, _ transaction: Transaction, next: UInt64 = 0) -> Mempool.Admission {
        pool.add(transaction, id: transaction.id, size: transaction.wireEncoded.count, nextSequence: next)
    }

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

    @Test func recheckDropsIncludedAndStaleTransactions() {
        var pool = Mempool()
        for sequence in 0..<4 as Range<UInt64> { _ = Self.add(&pool, Self.transaction(0, sequence)) }
        _ = Self.add(&pool, Self.transaction(1, 0))
        let included = [Self.transaction(0, 0).id, Self.transaction(0, 1).id]
        // Another peer's block also consumed sequence 2 (with a different transaction).
        let zero = Self.keys[0].publicKey.address
        pool.recheck(included: included) { $0 == zero ? 3 : 0 }
        #expect(pool.count == 2)
        #expect(pool.contains(Self.transaction(0, 3).id))
        #expect(pool.contains(Self.transaction(1, 0).id))
        #expect(pool.bytes == 2 * Self.transaction(0, 3).wireEncoded.count)
    }
}
