import Testing
import TradewindConsensus
import TradewindLedger
import TradewindWire

/// Agreement's timers run on the monotonic clock, block times on the wall clock: an
/// operator's NTP step must not stall a round or fire every timeout at once.
@Suite struct ClockStepTests {
    static let start = PeerTime(wall: UnixInstant(milliseconds: Roster.genesisTime) + .seconds(10), monotonic: .zero + .seconds(1))

    /// An authority that is not round 0's proposer at height 1, with its first tick done.
    static func follower(_ roster: Roster) throws -> ConsensusEngine {
        let genesis = roster.ledger.genesisState()
        var state = MemoryState()
        state.apply(genesis.writes)
        let chain = try #require(try StateOverlay(base: state).record(.chain, as: ChainState.self))
        let head = ConsensusEngine.Head(height: 0, blockID: .zero, stateRoot: genesis.root, time: Roster.genesisTime, certificate: nil)
        for id in 0..<roster.authorityKeys.count {
            var engine = ConsensusEngine(ledger: roster.ledger, key: roster.keys[id], me: roster.address(id), head: head,
                                         chain: chain, lastSigned: nil, now: start)
            guard engine.core?.proposer(height: 1, round: 0) != roster.address(id) else { continue }
            _ = engine.tick(now: start, state: state)
            return engine
        }
        throw ClockStepError.noFollower
    }

    enum ClockStepError: Error { case noFollower }

    static func prevotedNil(_ actions: [ConsensusEngine.Action]) -> Bool {
        actions.contains { action in
            guard case let .broadcast(.vote(vote)) = action else { return false }
            return vote.kind == .prevote && vote.blockID == nil
        }
    }

    @Test func aWallClockSteppedBackStillLetsTheProposeTimeoutFire() throws {
        let roster = Roster(authorities: 4)
        var engine = try Self.follower(roster)
        let state = MemoryState.genesis(roster)
        // The wall clock jumps back a minute while the proposer stays silent.
        var stepped = Self.start
        stepped.wall = stepped.wall - .seconds(60)
        stepped.monotonic = stepped.monotonic + .milliseconds(200)
        #expect(!Self.prevotedNil(engine.tick(now: stepped, state: state)), "too early: the propose timeout is 1 s")
        stepped.monotonic = Self.start.monotonic + .seconds(2)
        #expect(Self.prevotedNil(engine.tick(now: stepped, state: state)),
                "2 s of monotonic time passed: round 0's propose timeout fires whatever the wall clock says")
        #expect(engine.now.wall == Self.start.wall, "the engine's wall clock never goes back")
    }

    @Test func aWallClockSteppedForwardDoesNotFireTheTimeouts() throws {
        let roster = Roster(authorities: 4)
        var engine = try Self.follower(roster)
        var stepped = Self.start
        stepped.wall = stepped.wall + .seconds(3_600)
        stepped.monotonic = stepped.monotonic + .milliseconds(200)
        #expect(!Self.prevotedNil(engine.tick(now: stepped, state: MemoryState.genesis(roster))),
                "an hour's wall-clock step is not an hour of waiting")
    }
}

extension ClockStepTests {
    /// The parked lifetime (60 s) is monotonic time: an hour's wall-clock step does not
    /// drop a transaction waiting for its missing sequence, 61 s of waiting does.
    @Test func aParkedTransactionExpiresOnTheMonotonicClock() throws {
        let roster = Roster(authorities: 4)
        var engine = try Self.follower(roster)
        let state = MemoryState.genesis(roster)
        let key = roster.accountKeys[0]
        // Sequence 1 with 0 missing: parked.
        let early = Transaction(sender: key.publicKey.address, sequence: 1, lastValidHeight: 1_000,
                                body: .transfer(to: roster.accountKeys[1].publicKey.address, asset: Roster.usd, amount: 1, memo: []))
            .signed(by: key, network: roster.ledger.networkID)
        let (submission, _) = engine.submit(early, now: Self.start, state: state)
        guard case .accepted = submission else { Issue.record("not admitted: \(submission)"); return }
        #expect(engine.mempool.parkedCount == 1)
        var stepped = Self.start
        stepped.wall = stepped.wall + .seconds(3_600)
        stepped.monotonic = stepped.monotonic + .seconds(1)
        _ = engine.tick(now: stepped, state: state)
        #expect(engine.mempool.contains(early.id), "an hour on the wall clock is one second of waiting")
        stepped.monotonic = Self.start.monotonic + .seconds(61)
        _ = engine.tick(now: stepped, state: state)
        #expect(!engine.mempool.contains(early.id), "61 s of waiting: dropped")
    }
}

extension MemoryState {
    static func genesis(_ roster: Roster) -> MemoryState {
        var state = MemoryState()
        state.apply(roster.ledger.genesisState().writes)
        return state
    }
}
