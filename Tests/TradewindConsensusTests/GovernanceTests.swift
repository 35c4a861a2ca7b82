import Testing
import TradewindConsensus
import TradewindCrypto
import TradewindLedger
import TradewindSimulation
import TradewindWire

@Suite struct GovernanceTests {
    /// Submits `change` voted by each of `voters` (authority ids) to a live peer.
    static func vote(_ change: AuthorityChange, by voters: [Int], roster: Roster, in simulation: inout Simulation<ChainNode>) {
        for voter in voters {
            let key = roster.keys[voter]
            let state = simulation.node(voter)!.store.state
            let next = (try? StateOverlay(base: state).record(.account(key.publicKey.address), as: AccountState.self))??.nextSequence ?? 0
            let transaction = Transaction(sender: key.publicKey.address, sequence: next, lastValidHeight: 1_000_000,
                                          body: .authorityVote(change)).signed(by: key, network: roster.ledger.networkID)
            let now = simulation.now
            if let out = simulation.with(voter, { $0.submit(transaction, now: now) }) { simulation.send(out, from: voter) }
        }
    }

    static func authorities(of node: ChainNode) -> [Address] {
        (try? StateOverlay(base: node.store.state).record(.chain, as: ChainState.self))??.authorities ?? []
    }

    /// Adds a fifth authority and then removes one, by the ledger's tally: each change
    /// is announced in block H's header and signs from H+2; blocks commit throughout,
    /// and a follower verifies the whole chain by certificates alone.
    @Test func addingAndRemovingAnAuthorityKeepsCommitting() throws {
        let roster = Roster(authorities: 4, others: 2)
        var simulation = Simulation<ChainNode>(
            seed: 77, profile: .init(loss: 0.05, delay: .milliseconds(5), jitter: .milliseconds(20)),
            tickInterval: .milliseconds(10))
        for id in 0..<roster.count { simulation.add(id, ChainNode(id: id, roster: roster)) }
        simulation.run(for: .seconds(3))

        let newcomer = roster.address(4)
        Self.vote(.add(newcomer), by: [0, 1, 2, 3], roster: roster, in: &simulation)
        for _ in 0..<40 where !Self.authorities(of: simulation.node(1)!).contains(newcomer) {
            simulation.run(for: .milliseconds(500))
        }
        #expect(Self.authorities(of: simulation.node(1)!).count == 5, "the fifth authority was not added")
        simulation.run(for: .seconds(3))
        #expect(simulation.node(4)!.engine.isAuthority, "the newcomer does not take part")

        let leaving = roster.address(0)
        Self.vote(.remove(leaving), by: [1, 2, 3, 4], roster: roster, in: &simulation)
        for _ in 0..<40 where Self.authorities(of: simulation.node(1)!).contains(leaving) {
            simulation.run(for: .milliseconds(500))
        }
        #expect(!Self.authorities(of: simulation.node(1)!).contains(leaving), "authority 0 was not removed")
        simulation.run(for: .seconds(3))
        #expect(!simulation.node(0)!.engine.isAuthority)

        // Each change: announced in one header, in force two heights later.
        let store = simulation.node(1)!.store
        let announced = (1...store.head.height).filter { store.blocks[$0]?.block.header.nextAuthorities != nil }
        #expect(announced.count == 2, "set changes announced at \(announced)")
        for height in announced {
            let next = store.blocks[height]!.block.header.nextAuthorities!
            #expect(store.blocks[height + 1]!.block.header.authoritySetHash != Ledger.authoritySetHash(next))
            #expect(store.blocks[height + 2]!.block.header.authoritySetHash == Ledger.authoritySetHash(next))
        }
        // Blocks committed throughout: never more than 3 s between two.
        let times = simulation.node(1)!.commits.map(\.at)
        let widest = zip(times, times.dropFirst()).map { $1 - $0 }.max() ?? .zero
        #expect(widest <= .seconds(3), "a gap of \(widest) between blocks")

        // The follower (never an authority) holds the same chain, verified by certificates alone.
        let follower = simulation.node(5)!.store
        #expect(follower.head.height + 2 >= store.head.height)
        var verifier = ChainVerifier(genesisAuthorities: roster.ledger.genesis.authorities.map(\.address),
                                     network: roster.ledger.networkID)
        for height in 1...follower.head.height {
            let (block, certificate) = follower.blocks[height]!
            try verifier.verify(block.header, certificate: certificate)
        }
        #expect(verifier.authorities(at: verifier.height + 1).contains(newcomer))
        #expect(!verifier.authorities(at: verifier.height + 1).contains(leaving))
    }
}

@Suite struct CertificateTests {
    /// A short certified chain from a simulated mesh.
    static func chain() -> (roster: Roster, blocks: [(Block, CommitCertificate)]) {
        let roster = Roster(authorities: 4)
        var simulation = Simulation<ChainNode>(seed: 5, profile: .init(loss: 0, delay: .milliseconds(5), jitter: .milliseconds(5)),
                                               tickInterval: .milliseconds(10))
        for id in 0..<4 { simulation.add(id, ChainNode(id: id, roster: roster)) }
        simulation.run(for: .seconds(5))
        let store = simulation.node(0)!.store
        return (roster, (1...store.head.height).map { store.blocks[$0]! })
    }

    @Test func verifierRejectsForgedAndShortCertificates() throws {
        let (roster, blocks) = Self.chain()
        #expect(blocks.count >= 3)
        let genesis = roster.ledger.genesis.authorities.map(\.address)
        let network = roster.ledger.networkID

        var verifier = ChainVerifier(genesisAuthorities: genesis, network: network)
        try verifier.verify(blocks[0].0.header, certificate: blocks[0].1)
        let (block, certificate) = blocks[1]

        // One signature's byte flipped: refused, and the verifier stays where it was.
        var forged = certificate
        var bytes = forged.signatures[0].signature.bytes
        bytes[10] ^= 0x01
        forged.signatures[0].signature = Bytes64(bytes)!
        #expect(throws: CertificateError.forgedSignature(forged.signatures[0].validator)) {
            try verifier.verify(block.header, certificate: forged)
        }
        // One vote too few.
        var short = certificate
        short.signatures = Array(certificate.signatures.prefix(quorum(of: 4) - 1))
        #expect(throws: CertificateError.tooFewSignatures(have: 2, quorum: 3)) {
            try verifier.verify(block.header, certificate: short)
        }
        // A signer outside the set.
        var outsider = certificate
        let stranger = Roster.key("stranger")
        outsider.signatures[0] = .init(validator: stranger.publicKey.address,
                                       signature: certificate.precommit(by: stranger.publicKey.address)
                                           .signed(by: stranger, network: network).signature)
        outsider = CommitCertificate(height: outsider.height, round: outsider.round, blockID: outsider.blockID,
                                     signatures: outsider.signatures)
        #expect(throws: CertificateError.notAnAuthority(stranger.publicKey.address)) {
            try verifier.verify(block.header, certificate: outsider)
        }
        // A certificate for another block.
        #expect(throws: CertificateError.self) { try verifier.verify(block.header, certificate: blocks[2].1) }
        #expect(verifier.height == 1)
        // The genuine one still verifies.
        try verifier.verify(block.header, certificate: certificate)
        #expect(verifier.height == 2)
    }

    @Test func consensusMessagesRoundTripAndRejectNonCanonicalForms() throws {
        let (_, blocks) = Self.chain()
        let (block, certificate) = blocks[1]
        for message: ConsensusMessage in [.committedBlock(block, certificate), .blockRequest(height: 7),
                                          .vote(Vote(kind: .prevote, height: 3, round: 2, blockID: nil, validator: certificate.signatures[0].validator)),
                                          .transactionRequest(height: 2, ids: [block.header.id]),
                                          .compactBlock(CompactBlock(header: block.header,
                                                                     transactionIDs: block.transactions.map(\.id),
                                                                     evidence: block.evidence, certificate: certificate)),
                                          .committedTransactionsRequest(height: 2, ids: [block.header.id])] {
            let decoded = try ConsensusMessage(wireEncoded: message.wireEncoded)
            #expect(decoded == message)
            // One byte more, or one less, is refused.
            #expect(throws: WireError.self) { try ConsensusMessage(wireEncoded: message.wireEncoded + [0]) }
            #expect(throws: WireError.self) { try ConsensusMessage(wireEncoded: Array(message.wireEncoded.dropLast())) }
        }
        // A request for more bodies than one answer carries is refused.
        let tooMany = ConsensusMessage.committedTransactionsRequest(
            height: 2, ids: Array(repeating: block.header.id, count: ConsensusMessage.maxTransactionsPerMessage + 1))
        #expect(throws: WireError.self) { try ConsensusMessage(wireEncoded: tooMany.wireEncoded) }
        // Certificate signatures out of order are refused on decode.
        var unsorted = certificate
        unsorted.signatures.reverse()
        #expect(throws: WireError.self) { try CommitCertificate(wireEncoded: unsorted.wireEncoded) }
        // A proposal whose valid round is not before its round.
        let proposal = SignedProposal(height: 1, round: 2, validRound: 2, blockID: block.header.id,
                                      proposer: certificate.signatures[0].validator)
        #expect(throws: WireError.self) { try SignedProposal(wireEncoded: proposal.wireEncoded) }
        // Evidence whose two votes agree is not evidence.
        let vote = Vote(kind: .precommit, height: 1, round: 0, blockID: block.header.id, validator: certificate.signatures[0].validator)
        #expect(throws: WireError.self) { try Evidence(wireEncoded: Evidence.conflictingVotes(vote, vote).wireEncoded) }
    }
}

@Suite struct StoredSafetyStateTests {
    @Test func safetyStateRoundTripsWithItsLock() throws {
        let value = Blake2b.hash256(Array("block".utf8))
        let state = ConsensusEngine.Core.SignedState(height: 9, round: 3, step: .prevote, value: nil, lockedRound: 2, lockedValue: value)
        let bytes = ConsensusEngine.encode(state)
        #expect(try ConsensusEngine.decodeSignedState(bytes) == state)
        // Trailing bytes and unknown versions are refused.
        #expect(throws: WireError.self) { try ConsensusEngine.decodeSignedState(bytes + [0]) }
        var future = bytes
        future[0] = 9
        #expect(throws: WireError.self) { try ConsensusEngine.decodeSignedState(future) }
    }
}
