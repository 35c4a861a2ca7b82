import Dispatch
import Foundation
import TradewindConsensus
import TradewindCrypto
import TradewindLedger
import TradewindChainStore
import TradewindStore
import TradewindTransport
import TradewindWire

/// A fresh peer syncing a certified chain: each block's certificate (a quorum of
/// precommit signatures) and its transactions' signatures are verified, the block is
/// replayed by the ledger and committed to LMDB — the work a peer that joins late does.
enum CatchupBench {
    struct Chain {
        var ledger: Ledger
        var blocks: [(Block, CommitCertificate)]
        var signaturesPerBlock: Double
    }

    /// `count` blocks of `perBlock` transfers each, certified by 3 of 4 authorities.
    static func makeChain(count: Int, perBlock: Int) throws -> Chain {
        let authorities = (0..<4).map { _ in Ed25519.PrivateKey.generate() }
        let accounts = (0..<64).map { _ in Ed25519.PrivateKey.generate() }
        let usd = AssetCode("USD")!
        var parameters = Genesis.Parameters()
        parameters.heartbeatIntervalMs = 250
        let genesisTime = UInt64(Date().timeIntervalSince1970 * 1000) - UInt64(count) * 300
        let genesis = Genesis(chainName: "catchup", genesisTime: genesisTime,
                              authorities: authorities.map(\.publicKey.address),
                              assets: [.init(code: usd, decimals: 2, issuer: authorities[0].publicKey.address)],
                              balances: accounts.map { .init(account: $0.publicKey.address, asset: usd, amount: 1 << 40) },
                              parameters: parameters)
        let ledger = try Ledger(genesis: genesis)
        let set = authorities.map(\.publicKey.address).sorted()
        let byAddress = Dictionary(uniqueKeysWithValues: authorities.map { ($0.publicKey.address, $0) })
        // Sign every transfer up front, on all cores.
        let total = count * perBlock
        let signed = SignedBatch(count: total)
        DispatchQueue.concurrentPerform(iterations: accounts.count) { account in
            let key = accounts[account]
            var sequence: UInt64 = 0
            for index in stride(from: account, to: total, by: accounts.count) {
                let transaction = Transaction(sender: key.publicKey.address, sequence: sequence, lastValidHeight: 1 << 40,
                                              body: .transfer(to: accounts[(account + 1) % accounts.count].publicKey.address,
                                                              asset: usd, amount: 1, memo: []))
                    .signed(by: key, network: ledger.networkID)
                signed.set(index, transaction.wireEncoded)
                sequence += 1
            }
        }
        let transactions = try signed.values.map { try Transaction(wireEncoded: $0) }
        var state = MemoryState()
        let initial = ledger.genesisState()
        state.apply(initial.writes)
        var root = initial.root, parent = Bytes32.zero, time = genesisTime
        var lastCertificate: CommitCertificate?
        var blocks: [(Block, CommitCertificate)] = []
        blocks.reserveCapacity(count)
        for height in 1...UInt64(count) {
            time += 250
            let context = Ledger.BlockContext(height: height, time: time, parentTime: time - 250)
            let batch = Array(transactions[Int(height - 1) * perBlock..<Int(height) * perBlock])
            let execution = try ledger.execute(batch, context: context, previousRoot: root, view: state, signatures: .none)
            let block = ledger.block(from: execution, context: context, parentID: parent, proposer: set[Int(height % 4)],
                                     authorities: set, lastCommitHash: lastCertificate?.hash ?? CommitCertificate.absentHash)
            let id = block.header.id
            let signatures = set.prefix(3).map { address -> CommitCertificate.Signature in
                let vote = Vote(kind: .precommit, height: height, round: 0, blockID: id, validator: address)
                    .signed(by: byAddress[address]!, network: ledger.networkID)
                return .init(validator: address, signature: vote.signature)
            }
            let certificate = CommitCertificate(height: height, round: 0, blockID: id, signatures: signatures)
            state.apply(execution.writes)
            root = execution.stateRoot
            parent = id
            lastCertificate = certificate
            blocks.append((block, certificate))
        }
        return Chain(ledger: ledger, blocks: blocks, signaturesPerBlock: Double(3 + perBlock))
    }

    /// Blocks per second a fresh follower applies the chain at, through its consensus engine.
    static func sync(_ chain: Chain, directory: String) throws -> Double {
        let store = try ChainStore(directory: directory)
        try store.initialize(ledger: chain.ledger)
        let head = try store.head()
        guard let state = try store.withState({ try $0.chain() }) else { throw BenchError("no chain state") }
        let follower = Ed25519.PrivateKey.generate()
        var engine = ConsensusEngine(
            ledger: chain.ledger, key: nil, me: follower.publicKey.address,
            head: .init(height: 0, blockID: head.blockID, stateRoot: head.stateRoot, time: chain.ledger.genesis.genesisTime,
                        certificate: nil),
            chain: state, lastSigned: nil, now: SystemClock.now)
        let source = chain.blocks[0].1.signatures[0].validator
        let start = DispatchTime.now().uptimeNanoseconds
        for (block, certificate) in chain.blocks {
            let now = SystemClock.now
            let actions = try store.withState { engine.receive(.committedBlock(block, certificate), from: source, now: now, state: $0) }
            var committed = false
            for case let .commit(committedBlock, committedCertificate, execution) in actions {
                try store.commit(committedBlock, certificate: committedCertificate, execution: execution)
                committed = true
            }
            guard committed else { throw BenchError("block \(block.header.height) was not applied") }
            _ = try store.withState { engine.resume(now: now, state: $0) }
        }
        return Double(chain.blocks.count) / (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
}
