import Testing
import TradewindConsensus
import TradewindGossip
import TradewindLedger
import TradewindPeerCore
import TradewindSimulation
import TradewindWire

/// Committed blocks cross the mesh as header, transaction ids and certificate; each
/// peer rebuilds them from its mempool and fetches only the bodies it lacks.
@Suite struct CompactBlockTests {
    static let roster = MeshRoster(authorities: 4, participants: 2)

    /// Four authorities and two participants on a 5 ms network, every block spread
    /// compact; the second participant (index 5) hears no transaction gossip.
    static func mesh(seed: UInt64) -> Simulation<MeshNode> {
        var configuration = MeshNode.Core.Configuration()
        configuration.maxPushedBlock = 0
        var simulation = Simulation<MeshNode>(seed: seed, profile: .init(delay: .milliseconds(5), jitter: .milliseconds(5)),
                                              tickInterval: .milliseconds(50))
        for index in 0..<6 {
            var node = MeshNode(index: index, roster: roster, seeds: [0, 1], seed: seed, configuration: configuration)
            node.deafToTransactionGossip = index == 5
            node.countsReceived = index == 5
            simulation.add(roster.addresses[index], node)
        }
        simulation.run(for: .seconds(5))
        return simulation
    }

    static func transfer(sequence: UInt64) -> Transaction {
        let key = roster.participantKeys[0]
        return Transaction(sender: key.publicKey.address, sequence: sequence, lastValidHeight: 1_000_000,
                           body: .transfer(to: roster.participantKeys[1].publicKey.address, asset: MeshRoster.usd,
                                           amount: 100, memo: Array(repeating: 7, count: 64)))
            .signed(by: key, network: roster.ledger.networkID)
    }

    /// The height at which a peer committed `id`, if it did.
    static func committedHeight(of id: Bytes32, at node: MeshNode) -> UInt64? {
        node.storage.blocks.first { $0.value.block.transactions.contains { $0.id == id } }?.key
    }

    @Test(arguments: [UInt64(3), 11])
    func aPeerThatMissedATransactionFetchesOnlyItsBody(seed: UInt64) throws {
        var simulation = Self.mesh(seed: seed)
        let submitter = Self.roster.addresses[4]
        let deaf = Self.roster.addresses[5]
        var ids: [Bytes32] = []
        let before = try #require(simulation.node(Self.roster.addresses[5])).receivedByKind
        for sequence in 0..<3 {
            let transaction = Self.transfer(sequence: UInt64(sequence))
            let now = simulation.now
            let (submission, out) = try #require(simulation.with(submitter) { $0.submit(transaction, now: now) })
            #expect(submission?.acceptedID == transaction.id)
            simulation.send(out, from: submitter)
            ids.append(transaction.id)
        }
        simulation.run(for: .seconds(3))

        let deafNode = try #require(simulation.node(deaf))
        #expect(deafNode.failures.isEmpty, "\(deafNode.failures)")
        // It never held the transfers, yet committed the very blocks the others did.
        for id in ids {
            let height = try #require(Self.committedHeight(of: id, at: deafNode), "the deaf participant lacks \(id)")
            for address in simulation.liveNodes {
                let node = try #require(simulation.node(address))
                #expect(node.storage.blocks[height]?.block == deafNode.storage.blocks[height]?.block)
            }
        }
        #expect(deafNode.core.counters.compactBlocksFetched >= 1)
        // The bodies came as answers to its requests: since the transfers, no peer sent
        // it a whole block or parts.
        let whole = ["direct block", "parts"].map { deafNode.receivedByKind[$0, default: 0] - before[$0, default: 0] }
        #expect(whole == [0, 0], "received \(deafNode.receivedByKind)")
        #expect(deafNode.receivedByKind["direct transactions", default: 0] > before["direct transactions", default: 0])
        // The participant that heard the transfers rebuilt every block from its mempool.
        let hearing = try #require(simulation.node(Self.roster.addresses[4]))
        #expect(hearing.core.counters.compactBlocksFetched == 0)
        #expect(hearing.core.counters.compactBlocksFromMempool >= 1)
    }
}

extension CompactBlockTests {
    /// A copy whose evidence does not match its header passes the certificate (the
    /// header is intact) but would fail every replay: it is rejected on arrival and
    /// never relayed, and the honest copy after it commits.
    @Test func aCopyWithAlteredEvidenceIsRejectedAndTheHonestOneCommits() throws {
        let simulation = Self.mesh(seed: 5)
        let source = try #require(simulation.node(Self.roster.addresses[0]))
        let stored = try #require(source.storage.blocks[1])
        let honest = CompactBlock(header: stored.block.header, transactionIDs: stored.block.transactions.map(\.id),
                                  evidence: stored.block.evidence, certificate: stored.certificate)
        var altered = honest
        altered.evidence = [[1, 2, 3]]
        var fresh = MeshNode(index: 5, roster: Self.roster, seeds: [0], seed: 5)
        let sender = Self.roster.addresses[0]
        func push(_ compact: CompactBlock, at seconds: Int64) throws -> [MeshNode.Core.Output] {
            let envelope = GossipEnvelope.dissemination(.push(.blocks, payload: ConsensusMessage.compactBlock(compact).wireEncoded))
            // The core and its storage as two values (one inout access each).
            var (core, storage) = (fresh.core, fresh.storage)
            defer { (fresh.core, fresh.storage) = (core, storage) }
            return try core.receive(envelope.wireEncoded, from: sender, now: MeshNode.time(.zero + .seconds(seconds)),
                                    storage: &storage)
        }
        let afterAltered = try push(altered, at: 1)
        #expect(fresh.core.dissemination.rejectedMessages == 1)
        #expect(fresh.core.engine.head.height == 0)
        let relayed = afterAltered.contains { output in
            if case .send(.dissemination(.push(.blocks, _)), _) = output { return true }
            return false
        }
        #expect(!relayed, "the altered copy was relayed")
        _ = try push(honest, at: 2)
        #expect(fresh.core.engine.head.height == 1 && fresh.core.engine.head.blockID == stored.block.header.id)
    }
}

extension CompactBlockTests {
    /// A compact block naming bodies this peer lacks, under a certificate no quorum
    /// signed, is refused at once: no request goes out, no assembly slot is taken.
    @Test func aForgedCertificateCostsNoRequest() throws {
        var fresh = MeshNode(index: 5, roster: Self.roster, seeds: [0], seed: 9)
        let unknown = Self.transfer(sequence: 40)
        let genesisRoot = Self.roster.ledger.genesisState().root
        let header = BlockHeader(networkID: Self.roster.ledger.networkID, height: 1, time: MeshRoster.genesisTime + 1,
                                 parentID: .zero, transactionsRoot: Ledger.transactionsRoot([unknown.id]),
                                 stateRoot: genesisRoot, authoritySetHash: .zero, proposer: Self.roster.addresses[0],
                                 evidenceRoot: Ledger.evidenceRoot([]), lastCommitHash: .zero)
        let forged = CompactBlock(header: header, transactionIDs: [unknown.id], evidence: [],
                                  certificate: CommitCertificate(height: 1, round: 0, blockID: header.id, signatures: []))
        let envelope = GossipEnvelope.dissemination(.push(.blocks, payload: ConsensusMessage.compactBlock(forged).wireEncoded))
        var (core, storage) = (fresh.core, fresh.storage)
        let out = try core.receive(envelope.wireEncoded, from: Self.roster.addresses[1], now: MeshNode.time(.zero + .seconds(1)),
                                   storage: &storage)
        (fresh.core, fresh.storage) = (core, storage)
        #expect(fresh.core.dissemination.rejectedMessages == 1)
        #expect(fresh.core.assembly.pendingCount == 0)
        let requests = out.filter { output in
            if case .send(.direct, _) = output { return true }
            return false
        }
        #expect(requests.isEmpty, "sent \(requests.count) requests for a forged block")
    }
}

/// The assembly of one compact block, input by input.
@Suite struct BlockAssemblyTests {
    static let key = MeshRoster.key("assembly")
    static let members = (0..<3).map { MeshRoster.key("member-\($0)").publicKey.address }

    static func transactions(_ count: Int) -> [Transaction] {
        (0..<count).map { sequence in
            Transaction(sender: key.publicKey.address, sequence: UInt64(sequence), lastValidHeight: 10,
                        body: .transfer(to: members[0], asset: MeshRoster.usd, amount: 1, memo: []))
                .signed(by: key, network: .zero)
        }
    }

    static func compact(height: UInt64, _ transactions: [Transaction]) -> CompactBlock {
        let ids = transactions.map(\.id)
        let header = BlockHeader(networkID: .zero, height: height, time: 1, parentID: .zero,
                                 transactionsRoot: Ledger.transactionsRoot(ids), stateRoot: .zero,
                                 authoritySetHash: .zero, nextAuthorities: nil, proposer: members[0],
                                 evidenceRoot: .zero, lastCommitHash: .zero)
        return CompactBlock(header: header, transactionIDs: ids, evidence: [],
                            certificate: CommitCertificate(height: height, round: 0, blockID: header.id, signatures: []))
    }

    static func copy(_ compact: CompactBlock, from member: Int) -> BlockAssembly.Copy {
        .init(gossipID: Blake2bID.of(compact, member), payload: ConsensusMessage.compactBlock(compact).wireEncoded,
              certificate: compact.certificate, sender: members[member])
    }

    @Test func bodiesCompleteTheBlockInTheHeadersOrder() throws {
        var assembly = BlockAssembly()
        let bodies = Self.transactions(3)
        let compact = Self.compact(height: 5, bodies)
        let started = assembly.start(compact, copy: Self.copy(compact, from: 0), bodies: [bodies[1].id: bodies[1]],
                                     now: .zero)
        let requests = try #require(started)
        #expect(requests.count == 1)
        #expect(requests.first?.height == 5 && requests.first?.member == Self.members[0])
        #expect(requests.first?.ids == [bodies[0].id, bodies[2].id].sorted())
        #expect(assembly.wants(bodies[2].id) && !assembly.wants(bodies[1].id))
        let notYet = assembly.fill(bodies[2], id: bodies[2].id)
        #expect(notYet.isEmpty)
        let completed = assembly.fill(bodies[0], id: bodies[0].id)
        #expect(completed.count == 1)
        #expect(completed.first?.block.transactions == bodies)
        #expect(assembly.pendingCount == 0 && !assembly.wants(bodies[0].id))
    }

    @Test func retriesGoToEachSenderInTurnThenToAnyHolderThenGiveUp() throws {
        var assembly = BlockAssembly()
        let bodies = Self.transactions(2)
        let compact = Self.compact(height: 9, bodies)
        let started = assembly.start(compact, copy: Self.copy(compact, from: 0), bodies: [:], now: .zero)
        #expect(started?.count == 1)
        let added = assembly.addCopy(Self.copy(compact, from: 1), of: compact.header.id)
        #expect(added)
        let step = assembly.configuration.retryAfter
        let early = assembly.tick(now: .zero + step / 2).requests
        #expect(early.isEmpty)
        let second = assembly.tick(now: .zero + step).requests
        #expect(second.map(\.member) == [Self.members[1]])
        let third = assembly.tick(now: .zero + step * 2).requests
        #expect(third.map(\.member) == [nil])
        let end = assembly.tick(now: .zero + assembly.configuration.giveUpAfter)
        #expect(end.abandoned.map(\.sender) == [Self.members[0], Self.members[1]])
        #expect(assembly.pendingCount == 0 && !assembly.wants(bodies[0].id))
    }

    @Test func copiesOfOneBlockAreCapped() {
        var assembly = BlockAssembly()
        let compact = Self.compact(height: 4, Self.transactions(1))
        let started = assembly.start(compact, copy: Self.copy(compact, from: 0), bodies: [:], now: .zero)
        #expect(started != nil)
        for _ in 1..<assembly.configuration.maxCopies {
            let added = assembly.addCopy(Self.copy(compact, from: 1), of: compact.header.id)
            #expect(added)
        }
        let beyond = assembly.addCopy(Self.copy(compact, from: 2), of: compact.header.id)
        #expect(!beyond && assembly.isAssembling(compact.header.id))
    }

    @Test func aCommittedHeightIsDroppedAndTheCapHolds() throws {
        var assembly = BlockAssembly()
        let bodies = Self.transactions(1)
        for height in UInt64(1)...UInt64(assembly.configuration.maxPending) {
            let compact = Self.compact(height: height, bodies)
            let started = assembly.start(compact, copy: Self.copy(compact, from: 0), bodies: [:], now: .zero)
            #expect(started != nil)
        }
        let extra = Self.compact(height: 100, bodies)
        let refused = assembly.start(extra, copy: Self.copy(extra, from: 0), bodies: [:], now: .zero)
        #expect(refused == nil)
        let dropped = assembly.drop(through: 3)
        #expect(dropped.count == 3)
        #expect(assembly.pendingCount == assembly.configuration.maxPending - 3)
        // The body every block waits for completes them all.
        let completed = assembly.fill(bodies[0], id: bodies[0].id)
        #expect(completed.count == assembly.configuration.maxPending - 3)
    }
}

/// A gossip id per (block, sender) for the copies above.
enum Blake2bID {
    static func of(_ compact: CompactBlock, _ member: Int) -> Bytes32 {
        var bytes = compact.header.id.bytes
        bytes[0] ^= UInt8(member + 1)
        return Bytes32(bytes)!
    }
}
