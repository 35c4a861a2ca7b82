import Testing
import TradewindPeerCore
import TradewindWire

/// Catch-up keeps many blocks in flight across members instead of one per round trip.
@Suite struct BlockPrefetchTests {
    let members = (1...3).map { Address(publicKey: Bytes32(Array(repeating: UInt8($0), count: 32))!) }

    func committed(_ height: UInt64) -> (Block, CommitCertificate) {
        let header = BlockHeader(networkID: .zero, height: height, time: height, parentID: .zero, transactionsRoot: .zero,
                                 stateRoot: .zero, authoritySetHash: .zero, proposer: members[0], evidenceRoot: .zero,
                                 lastCommitHash: .zero)
        return (Block(header: header, transactions: []), CommitCertificate(height: height, round: 0, blockID: header.id, signatures: []))
    }

    @Test func asksForTheWholeWindowAtOnceSpreadOverMembersInRuns() {
        var prefetch = BlockPrefetch()
        let advertised = Dictionary(uniqueKeysWithValues: members.map { ($0, UInt64(1_000)) })
        let requests = prefetch.requests(next: 101, advertised: advertised, now: .zero)
        #expect(requests.map(\.height) == Array(101...132), "the next 32 heights, in order")
        let byMember = Dictionary(grouping: requests, by: \.member).mapValues(\.count)
        #expect(byMember.count == 3, "every member that has the blocks is asked: \(byMember)")
        // Runs of 8 consecutive heights go to one member.
        for run in stride(from: UInt64(104), to: 128, by: 8) {
            #expect(Set(requests.filter { (run..<run + 8).contains($0.height) }.map(\.member)).count == 1)
        }
        // Answers are counted once per requested height, unrequested ones not at all.
        prefetch.arrived(101)
        prefetch.arrived(101)
        prefetch.arrived(140)
        #expect(prefetch.answered == 1)
        // Nothing is asked twice while in flight.
        let again = prefetch.requests(next: 101, advertised: advertised, now: .zero + .seconds(1))
        #expect(again.isEmpty)
    }

    @Test func asksOnlyMembersThatHaveTheHeightAndNotPastTheTallest() {
        var prefetch = BlockPrefetch()
        let advertised = [members[0]: UInt64(105), members[1]: 120, members[2]: 90]
        let requests = prefetch.requests(next: 101, advertised: advertised, now: .zero)
        #expect(requests.map(\.height) == Array(101...120))
        #expect(!requests.contains { $0.member == members[2] }, "member 3 is behind")
        #expect(!requests.contains { $0.member == members[0] && $0.height > 105 }, "member 1 has only up to 105")
    }

    @Test func heldBlocksAreHandedOverInOrderAndTheWindowBoundsWhatIsKept() {
        var prefetch = BlockPrefetch()
        let sender = members[1]
        for height: UInt64 in [12, 11, 13] {
            let (block, certificate) = committed(height)
            let kept = prefetch.hold(block, certificate: certificate, from: sender, next: 10)
            #expect(kept, "height \(height) is within the window")
        }
        let (current, currentCertificate) = committed(10)
        let keptCurrent = prefetch.hold(current, certificate: currentCertificate, from: sender, next: 10)
        #expect(!keptCurrent, "the engine's own height goes to the engine")
        let (far, farCertificate) = committed(10 + 32)
        let keptFar = prefetch.hold(far, certificate: farCertificate, from: sender, next: 10)
        #expect(!keptFar, "past the window")
        let (twice, twiceCertificate) = committed(12)
        let keptTwice = prefetch.hold(twice, certificate: twiceCertificate, from: sender, next: 10)
        #expect(!keptTwice, "one block per height")
        let (mismatched, _) = committed(14)
        let keptMismatched = prefetch.hold(mismatched, certificate: committed(15).1, from: sender, next: 10)
        #expect(!keptMismatched, "certificate for another height")
        #expect(prefetch.heldCount == 3)
        let taken10 = prefetch.take(10)
        #expect(taken10?.block.header.height == nil)
        let taken11 = prefetch.take(11)
        #expect(taken11?.block.header.height == 11)
        let taken12 = prefetch.take(12)
        #expect(taken12?.sender == sender)
        // Moving on forgets whatever lies below.
        let taken14 = prefetch.take(14)
        #expect(taken14?.block.header.height == nil)
        #expect(prefetch.heldCount == 0)
    }

    @Test func aTimedOutOrRejectedHeightIsAskedOfAnotherMember() throws {
        var prefetch = BlockPrefetch()
        let advertised = Dictionary(uniqueKeysWithValues: members.map { ($0, UInt64(50)) })
        let first = prefetch.requests(next: 41, advertised: advertised, now: .zero)
        let asked = try #require(first.first { $0.height == 41 }).member
        #expect(prefetch.isInFlight(41, now: .zero + .seconds(1)))
        // Looking for a block not yet here does not count as having it.
        let notYet = prefetch.take(41)
        #expect(notYet?.block.header.height == nil)
        #expect(prefetch.isInFlight(41, now: .zero + .seconds(1)))
        #expect(!prefetch.isInFlight(41, now: .zero + .seconds(2)))
        let retried = prefetch.requests(next: 41, advertised: advertised, now: .zero + .seconds(2))
        #expect(Set(retried.map(\.height)) == Set(41...50), "all timed out together")
        #expect(try #require(retried.first { $0.height == 41 }).member != asked)
        // A held block the engine then rejects: taken, so asked for again.
        let (block, certificate) = committed(42)
        let kept = prefetch.hold(block, certificate: certificate, from: members[0], next: 41)
        #expect(kept)
        _ = prefetch.take(41)
        let taken42 = prefetch.take(42)
        #expect(taken42?.block.header.height == 42)
        let reasked = prefetch.requests(next: 42, advertised: advertised, now: .zero + .seconds(2) + .nanoseconds(1))
        #expect(reasked.map(\.height) == [42])
    }
}
