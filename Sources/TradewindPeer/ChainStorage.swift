import Foundation
import Logging
import TradewindChainStore
import TradewindConsensus
import TradewindLedger
import TradewindPeerCore
import TradewindStore
import TradewindWire

/// `PeerStorage` over the LMDB chain store: what `PeerCore` persists and commits
/// lands here, synced, before the core goes on.
struct ChainStorage: PeerStorage {
    let store: ChainStore
    /// Test hook (TRADEWIND_CRASH_AFTER_PERSISTED_VOTES): die right after persisting
    /// this many votes, before sending the last one.
    let crashAfterVotes: Int?
    let logger: Logger
    var votesPersisted = 0

    func read<T>(_ body: (TransactionStateView<ReadTransaction>) -> T) throws(PeerStorageError) -> T {
        do {
            return try store.withState { body($0) }
        } catch {
            throw PeerStorageError("cannot read the committed state: \(error)")
        }
    }

    mutating func persist(_ signed: ConsensusEngine.Core.SignedState) throws(PeerStorageError) {
        do {
            try store.saveSignedState(ConsensusEngine.encode(signed))
        } catch {
            throw PeerStorageError("cannot persist the consensus safety state: \(error)")
        }
        guard signed.step != .propose else { return }
        votesPersisted += 1
        if let crashAfterVotes, votesPersisted >= crashAfterVotes {
            logger.warning("crash point reached: vote persisted, not sent")
            kill(getpid(), SIGKILL)
        }
    }

    mutating func commit(_ block: Block, certificate: CommitCertificate, execution: Ledger.Execution) throws(PeerStorageError) {
        do {
            try store.commit(block, certificate: certificate, execution: execution)
        } catch {
            throw PeerStorageError("cannot commit block \(block.header.height): \(error)")
        }
    }

    func committedBlock(at height: UInt64) throws(PeerStorageError) -> (block: Block, certificate: CommitCertificate)? {
        do {
            guard let block = try store.block(at: height), let certificate = try store.certificate(at: height) else { return nil }
            return (block, certificate)
        } catch {
            throw PeerStorageError("cannot read block \(height): \(error)")
        }
    }
}
