import Foundation

/// The process-wide lock that LMDB's `mdb_env_set_mapsize` needs: the map may only
/// be resized while no transaction of this process is open. Transactions enter the
/// gate shared; a resize waits for all of them to leave and holds new ones back
/// meanwhile (so a stream of readers cannot starve it).
///
/// A thread must not open a transaction while it holds one: if a resize is waiting,
/// the inner one would wait for the outer, which waits for the resize.
final class TransactionGate: @unchecked Sendable {
    private let condition = NSCondition()
    private var active = 0
    private var exclusiveWaiting = 0
    private var exclusiveHeld = false

    func enter() {
        condition.lock()
        while exclusiveHeld || exclusiveWaiting > 0 { condition.wait() }
        active += 1
        condition.unlock()
    }

    func leave() {
        condition.lock()
        active -= 1
        if active == 0 { condition.broadcast() }
        condition.unlock()
    }

    /// Runs `body` with no transaction of this process open.
    func exclusive<R>(_ body: () throws -> R) rethrows -> R {
        condition.lock()
        exclusiveWaiting += 1
        while active > 0 || exclusiveHeld { condition.wait() }
        exclusiveWaiting -= 1
        exclusiveHeld = true
        condition.unlock()
        defer {
            condition.lock()
            exclusiveHeld = false
            condition.broadcast()
            condition.unlock()
        }
        return try body()
    }
}
