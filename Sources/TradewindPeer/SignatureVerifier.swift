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

    /// A transaction with its id and size (computed on the pool's threads) and whether its signature verifies.
    struct Checked: Sendable {
        var identified: IdentifiedTransaction
        var isValid: Bool
    }

    /// Every transaction, in order, identified and checked on the pool's threads,
    /// delivered on `eventLoop`: the event loop neither hashes nor verifies.
    func check(_ transactions: [Transaction], on eventLoop: EventLoop) -> EventLoopFuture<[Checked]> {
        if transactions.isEmpty { return eventLoop.makeSucceededFuture([]) }
        let network = self.network
        let cache = verified
        var futures: [EventLoopFuture<[Checked]>] = []
        for start in stride(from: 0, to: transactions.count, by: Self.chunk) {
            let batch = transactions[start..<min(start + Self.chunk, transactions.count)]
            futures.append(pool.runIfActive(eventLoop: eventLoop) {
                let identified = batch.map(IdentifiedTransaction.init)
                let known = cache.withLockedValue { set in identified.map { set.contains($0.id) } }
                let checked = zip(identified, known).map { transaction, known in
                    Checked(identified: transaction,
                            isValid: known || transaction.transaction.hasValidSignature(network: network))
                }
                let fresh = zip(checked, known).filter { $0.0.isValid && !$0.1 }.map(\.0.identified.id)
                if !fresh.isEmpty {
                    cache.withLockedValue { set in
                        if set.count + fresh.count > Self.cacheLimit { set.removeAll(keepingCapacity: true) }
                        set.formUnion(fresh)
                    }
                }
                return checked
            })
        }
        return EventLoopFuture.whenAllSucceed(futures, on: eventLoop).map { Array($0.joined()) }
    }

    /// The transactions whose signatures verify, in their order, identified.
    func verify(_ transactions: [Transaction], on eventLoop: EventLoop) -> EventLoopFuture<[IdentifiedTransaction]> {
        check(transactions, on: eventLoop).map { checked in checked.filter(\.isValid).map(\.identified) }
    }
}
