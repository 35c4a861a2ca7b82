import TradewindConsensus
import TradewindLedger
import TradewindWire

/// What a peer has made durable, as `PeerCore` reads and writes it: committed state,
/// committed blocks with their certificates, and the consensus safety state. The
/// running peer implements it over LMDB, the simulator in memory; either way a
/// commit applies block, certificate and state atomically.
public protocol PeerStorage {
    associatedtype State: StateView

    /// Runs `body` against one consistent view of the committed state.
    func read<T>(_ body: (State) -> T) throws(PeerStorageError) -> T
    /// Writes the last signed (height, round, step, value) durably, before anything
    /// signed leaves the peer.
    mutating func persist(_ signed: ConsensusEngine.Core.SignedState) throws(PeerStorageError)
    mutating func commit(_ block: Block, certificate: CommitCertificate, execution: Ledger.Execution) throws(PeerStorageError)
    func committedBlock(at height: UInt64) throws(PeerStorageError) -> (block: Block, certificate: CommitCertificate)?
}

/// The storage failed: the peer must stop rather than sign or send what it could
/// not make durable.
public struct PeerStorageError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
