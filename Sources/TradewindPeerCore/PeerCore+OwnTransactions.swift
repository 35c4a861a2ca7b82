import TradewindConsensus
import TradewindWire

/// Transactions submitted at this peer are its own to deliver: the mesh may lose
/// every copy (a relay that was behind dropped it as early, a member this peer
/// reaches alone missed each push and digest), and then only this peer still holds
/// it. So each is announced again while it waits in the mempool: at once when it
/// becomes takeable (an earlier sequence committed), then with a doubling wait until
/// it commits or leaves the mempool — as wallets rebroadcast what they sent.
extension PeerCore {
    struct OwnTransaction {
        var payload: [UInt8]
        /// When it is next announced again, if still takeable.
        var due: MonotonicInstant
        /// The wait after that announcement (doubled each time, up to `reannounceAtMost`).
        var wait: Duration
        /// Whether it was takeable when last looked at: one that becomes so goes out at once.
        var takeable: Bool
    }

    /// The wait before a transaction submitted here is first announced again, and
    /// the longest wait between announcements.
    static var reannounceAfter: Duration { .seconds(2) }
    static var reannounceAtMost: Duration { .seconds(32) }

    /// Whether a transaction in the mempool can travel now: any but one parked behind
    /// a missing sequence (relays would drop it as early). A deferred one travels:
    /// relays keep it until its deadline, as this peer does.
    static func isTakeable(_ standing: Mempool.Standing) -> Bool {
        if case .waiting = standing { return false }
        return true
    }

    mutating func recordSubmitted(_ id: Bytes32, payload: [UInt8]) {
        // The all-to-all baseline sends everything to everyone once, and measures only that.
        guard !configuration.allToAllBaseline, let standing = engine.mempool.standing(id) else { return }
        submittedHere[id] = OwnTransaction(payload: payload, due: now.monotonic + Self.reannounceAfter,
                                           wait: Self.reannounceAfter, takeable: Self.isTakeable(standing))
        nextReannounce = min(nextReannounce, now.monotonic + Self.reannounceAfter)
    }

    /// Announces again the transactions submitted here that are takeable and due (or
    /// became takeable since), and forgets those no longer in the mempool. `afterCommit`:
    /// a block just committed, so some may have become takeable.
    mutating func reannounceOwn(afterCommit: Bool, into out: inout [Output]) {
        let at = now.monotonic
        guard !submittedHere.isEmpty, afterCommit || at >= nextReannounce else { return }
        var next = MonotonicInstant(nanoseconds: .max)
        var gone: [Bytes32] = []
        var announce: [Bytes32] = []
        for (id, own) in submittedHere {
            guard let standing = engine.mempool.standing(id) else {
                gone.append(id)
                continue
            }
            let takeable = Self.isTakeable(standing)
            if takeable && (!own.takeable || at >= own.due) {
                announce.append(id)
            } else {
                if at >= own.due { submittedHere[id]?.due = at + own.wait }
                if takeable != own.takeable { submittedHere[id]?.takeable = takeable }
                next = min(next, submittedHere[id]?.due ?? next)
            }
        }
        for id in gone { submittedHere[id] = nil }
        // In id order: the fan-out's random choices must not depend on the hash seed.
        for id in announce.sorted() {
            guard var own = submittedHere[id] else { continue }
            counters.reannounced += 1
            performGossip(dissemination.republish(.transactions, payload: own.payload, now: at), into: &out)
            own.wait = own.takeable ? min(own.wait * 2, Self.reannounceAtMost) : Self.reannounceAfter
            own.due = at + own.wait
            own.takeable = true
            submittedHere[id] = own
            next = min(next, own.due)
        }
        nextReannounce = next
    }
}
