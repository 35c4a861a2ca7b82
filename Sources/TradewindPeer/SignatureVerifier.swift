import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import TradewindLedger
import TradewindWire

/// Verifies transaction signatures on all cores, once per transaction: a verified
/// id is remembered, so a transaction that arrives again (relayed, fetched for a
/// proposal, resubmitted) costs a hash, not a signature check.
final class SignatureVerifier: Sendable {
    let pool: NIOThreadPool
    let network: Bytes32
    private let verified = NIOLockedValueBox(Set<Bytes32>())
    static let cacheLimit = 200_000
    static let chunk = 32

    init(network: Bytes32, threads: Int = System.coreCount) {
        self.network = network
        pool = NIOThreadPool(numberOfThreads: max(1, threads))
        pool.start()
    }

    func shutdown() async {
        try? await pool.shutdownGracefully()
    }

    /// The transactions whose signatures verify, in their order, delivered on `eventLoop`.
    func verify(_ transactions: [Transaction], on eventLoop: EventLoop) -> EventLoopFuture<[Transaction]> {
        let ids = transactions.map(\.id)
        let known = verified.withLockedValue { cache in ids.map { cache.contains($0) } }
        let pending = transactions.indices.filter { !known[$0] }
        if pending.isEmpty { return eventLoop.makeSucceededFuture(transactions) }
        let network = self.network
        var futures: [EventLoopFuture<[Int]>] = []
        for start in stride(from: 0, to: pending.count, by: Self.chunk) {
            let slice = Array(pending[start..<min(start + Self.chunk, pending.count)])
            let batch = slice.map { transactions[$0] }
            futures.append(pool.runIfActive(eventLoop: eventLoop) {
                zip(slice, batch).compactMap { index, transaction in transaction.hasValidSignature(network: network) ? index : nil }
            })
        }
        let cache = verified
        return EventLoopFuture.whenAllSucceed(futures, on: eventLoop).map { results in
            let good = Set(results.joined())
            cache.withLockedValue { set in
                if set.count > Self.cacheLimit { set.removeAll(keepingCapacity: true) }
                for index in good { set.insert(ids[index]) }
            }
            return transactions.indices.filter { known[$0] || good.contains($0) }.map { transactions[$0] }
        }
    }
}
