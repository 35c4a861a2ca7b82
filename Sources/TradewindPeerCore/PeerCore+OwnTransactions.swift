import TradewindConsensus
import TradewindWire

/// Transactions submitted at this peer are its own to deliver: the mesh may lose
/// every copy (a relay that was behind dropped it as early, a member this peer
/// reaches alone missed each push and digest), and then only this peer still holds
/// it. So each is announced again while it waits in the mempool: at once when it
/// becomes ready (an earlier sequence committed), then with a doubling wait until
/// it commits or leaves the mempool — as wallets rebroadcast what they sent.
extension PeerCore {
    struct OwnTransaction {
        var payload: [UInt8]
        /// When it is next announced again, if still ready.
        var due: MonotonicInstant
        /// The wait after that announcement (doubled each time, up to `reannounceAtMost`).
        var wait: Duration
        /// Whether it was ready at its last announcement; one that becomes ready
        /// goes out at once.
        var announcedReady: Bool
    }

    /// The wait before a transaction submitted here is first announced again, and
    /// the longest wait between announcements.
    static var reannounceAfter: Duration { .seconds(2) }
    static var reannounceAtMost: Duration { .seconds(32) }

    mutating func recordSubmitted(_ id: Bytes32, payload: [UInt8], ready: Bool) {
        submittedHere[id] = OwnTransaction(payload: payload, due: now.monotonic + Self.reannounceAfter,
                                           wait: Self.reannounceAfter, announcedReady: ready)
        nextReannounce = min(nextReannounce, now.monotonic + Self.reannounceAfter)
    }

    /// Announces again the transactions submitted here that are ready and due (or
    /// became ready since), and forgets those no longer in the mempool. `afterCommit`:
    /// a block just committed, so some may have become ready.
    mutating func reannounceOwn(afterCommit: Bool, into out: inout [Output]) {
        let at = now.monotonic
        guard !submittedHere.isEmpty, !configuration.allToAllBaseline, afterCommit || at >= nextReannounce else { return }
        var next = MonotonicInstant(nanoseconds: .max)
        // In id order: the fan-out's random choices must not depend on the hash seed.
        for id in submittedHere.keys.sorted() {
            guard var own = submittedHere[id], let standing = engine.mempool.standing(id) else {
                submittedHere[id] = nil
                continue
            }
            let ready = standing == .ready
            if ready && (!own.announcedReady || at >= own.due) {
                counters.reannounced += 1
                performGossip(dissemination.republish(.transactions, payload: own.payload, now: at), into: &out)
                own.wait = own.announcedReady ? min(own.wait * 2, Self.reannounceAtMost) : Self.reannounceAfter
                own.due = at + own.wait
            } else if at >= own.due {
                // Parked behind a missing sequence or deferred: looked at again later.
                own.due = at + own.wait
            }
            own.announcedReady = ready
            submittedHere[id] = own
            next = min(next, own.due)
        }
        nextReannounce = next
    }
}
