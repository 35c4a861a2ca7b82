import TradewindCrypto
import TradewindWire

/// Read access to the ledger state. TradewindStore implements it over LMDB; tests
/// and the simulator implement it over a dictionary.
public protocol StateView {
    /// The stored bytes under `key`, or nil.
    func value(for key: StateKey) throws -> [UInt8]?
}

/// Failures reading state: a corrupt record is a storage fault, never a
/// transaction result.
public enum LedgerError: Error, Equatable, Sendable, CustomStringConvertible {
    case corruptRecord(key: StateKey, reason: String)
    case storage(String)
    case missingChainState
    case invalidBlock(String)

    public var description: String {
        switch self {
        case let .corruptRecord(key, reason): return "corrupt state record \(key): \(reason)"
        case let .storage(reason): return "state storage failed: \(reason)"
        case .missingChainState: return "the state has no chain record (not initialised from a genesis?)"
        case let .invalidBlock(reason): return "invalid block: \(reason)"
        }
    }
}

/// A state view with pending writes on top: what the ledger reads while it executes
/// a block, and the write set it produces.
public struct StateOverlay<Base: StateView> {
    public let base: Base
    public private(set) var writes: [StateKey: [UInt8]?] = [:]
    /// While a transaction runs: what each key held before it, to undo a failed one.
    private var journal: [(key: StateKey, previous: [UInt8]??)]?

    public init(base: Base) { self.base = base }

    /// Starts recording changes so that `rollback` can undo them.
    mutating func begin() { journal = [] }

    /// Keeps the changes since `begin`.
    mutating func commit() { journal = nil }

    /// Undoes every change since `begin`.
    mutating func rollback() {
        guard let entries = journal else { return }
        for entry in entries.reversed() {
            if let previous = entry.previous { writes[entry.key] = previous } else { writes[entry.key] = nil }
        }
        journal = nil
    }

    private mutating func remember(_ key: StateKey) {
        guard journal != nil else { return }
        let previous: [UInt8]?? = writes.index(forKey: key).map { writes[$0].value }
        journal?.append((key, previous))
    }

    public func value(for key: StateKey) throws(LedgerError) -> [UInt8]? {
        if let pending = writes[key] { return pending }
        do {
            return try base.value(for: key)
        } catch let error as LedgerError {
            throw error
        } catch {
            throw .storage("\(error)")
        }
    }

    public func record<T: WireDecodable>(_ key: StateKey, as type: T.Type = T.self) throws(LedgerError) -> T? {
        guard let bytes = try value(for: key) else { return nil }
        do {
            return try T(wireEncoded: bytes)
        } catch {
            throw .corruptRecord(key: key, reason: error.description)
        }
    }

    public mutating func set(_ key: StateKey, _ value: some WireEncodable) {
        remember(key)
        writes[key] = .some(value.wireEncoded)
    }

    public mutating func remove(_ key: StateKey) {
        remember(key)
        writes[key] = .some(nil)
    }

    /// The writes in key order: what a block changes.
    public var sortedWrites: [(key: StateKey, value: [UInt8]?)] {
        writes.map { ($0.key, $0.value) }.sorted { $0.key < $1.key }
    }
}

/// The state root: a hash chain over each block's canonical, sorted write set.
public enum StateRoot {
    public static func next(previous: Bytes32, writes: [(key: StateKey, value: [UInt8]?)]) -> Bytes32 {
        var writer = WireWriter(reservingCapacity: 64 + writes.count * 64)
        writer.write(previous)
        writer.writeArray(writes) { writer, write in
            writer.writeBytes(write.key.bytes)
            writer.writeOptional(write.value) { $0.writeBytes($1) }
        }
        return Blake2b.hash256(writer.bytes)
    }
}

/// A plain in-memory state, for tests and the simulator.
public struct MemoryState: StateView, Sendable {
    public var entries: [StateKey: [UInt8]] = [:]

    public init() {}

    public func value(for key: StateKey) -> [UInt8]? { entries[key] }

    public mutating func apply(_ writes: [(key: StateKey, value: [UInt8]?)]) {
        for write in writes {
            if let value = write.value { entries[write.key] = value } else { entries[write.key] = nil }
        }
    }
}
