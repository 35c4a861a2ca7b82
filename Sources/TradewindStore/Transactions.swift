import CLMDB

/// State shared between a write transaction value and the environment that runs it.
final class TransactionState {
    var hitMapFull = false
}

/// Reads common to read and write transactions. A transaction value is valid only
/// inside the closure it was passed to.
public protocol ReadableTransaction {
    var pointer: OpaquePointer { get }
    var environment: StoreEnvironment { get }
}

extension ReadableTransaction {
    /// The value stored under `key`, or nil.
    public func get<K, V>(_ key: K, in table: Table<K, V>) throws(StoreError) -> V? {
        let dbi = try environment.dbi(table.name)
        var keyBytes = key.storeKeyBytes
        var mdbValue = MDB_val()
        let code = keyBytes.withUnsafeMutableBytes { keyBuffer in
            var mdbKey = MDB_val(mv_size: keyBuffer.count, mv_data: keyBuffer.baseAddress)
            return mdb_get(pointer, dbi, &mdbKey, &mdbValue)
        }
        if code == MDB_NOTFOUND { return nil }
        try StoreError.check(code, "get from '\(table.name)'")
        // The value points into the map, valid while this transaction is open.
        return try V(storeValueBytes: UnsafeRawBufferPointer(start: mdbValue.mv_data, count: mdbValue.mv_size))
    }

    public func contains<K, V>(_ key: K, in table: Table<K, V>) throws(StoreError) -> Bool {
        try get(key, in: table) != nil
    }

    public func count<K, V>(_ table: Table<K, V>) throws(StoreError) -> Int {
        var stat = MDB_stat()
        try StoreError.check(mdb_stat(pointer, try environment.dbi(table.name), &stat), "stat '\(table.name)'")
        return stat.ms_entries
    }

    /// Visits entries in key order (or reverse order) from `start` through `end`,
    /// both inclusive; in reverse, `start` is the highest key visited. `body` returns
    /// false to stop.
    public func forEach<K, V>(
        in table: Table<K, V>, from start: K? = nil, through end: K? = nil, reverse: Bool = false,
        _ body: (K, V) throws -> Bool
    ) throws {
        let dbi = try environment.dbi(table.name)
        var cursor: OpaquePointer?
        try StoreError.check(mdb_cursor_open(pointer, dbi, &cursor), "cursor_open '\(table.name)'")
        defer { mdb_cursor_close(cursor) }
        let endBytes = end?.storeKeyBytes
        var key = MDB_val()
        var value = MDB_val()
        var startBytes = start?.storeKeyBytes ?? []
        var code: Int32
        if let _ = start {
            code = startBytes.withUnsafeMutableBytes { buffer in
                key = MDB_val(mv_size: buffer.count, mv_data: buffer.baseAddress)
                return mdb_cursor_get(cursor, &key, &value, MDB_SET_RANGE)
            }
            if reverse {
                if code == MDB_NOTFOUND {
                    code = mdb_cursor_get(cursor, &key, &value, MDB_LAST)
                } else if code == MDB_SUCCESS && compare(key, startBytes) > 0 {
                    code = mdb_cursor_get(cursor, &key, &value, MDB_PREV)
                }
            }
        } else {
            code = mdb_cursor_get(cursor, &key, &value, reverse ? MDB_LAST : MDB_FIRST)
        }
        while code == MDB_SUCCESS {
            if let endBytes {
                let order = compare(key, endBytes)
                if reverse ? order < 0 : order > 0 { break }
            }
            let decodedKey = try K(storeKeyBytes: UnsafeRawBufferPointer(start: key.mv_data, count: key.mv_size))
            let decodedValue = try V(storeValueBytes: UnsafeRawBufferPointer(start: value.mv_data, count: value.mv_size))
            guard try body(decodedKey, decodedValue) else { return }
            code = mdb_cursor_get(cursor, &key, &value, reverse ? MDB_PREV : MDB_NEXT)
        }
        if code != MDB_NOTFOUND && code != MDB_SUCCESS {
            throw StoreError.lmdb(code, "cursor_get '\(table.name)'")
        }
    }

    /// Up to `limit` entries, as `forEach` visits them.
    public func entries<K, V>(
        in table: Table<K, V>, from start: K? = nil, through end: K? = nil, reverse: Bool = false,
        limit: Int = .max
    ) throws -> [(key: K, value: V)] {
        var result: [(key: K, value: V)] = []
        guard limit > 0 else { return result }
        try forEach(in: table, from: start, through: end, reverse: reverse) { key, value in
            result.append((key, value))
            return result.count < limit
        }
        return result
    }

    /// LMDB's default order: bytes compared as unsigned, a prefix first.
    private func compare(_ value: MDB_val, _ bytes: [UInt8]) -> Int {
        let left = UnsafeRawBufferPointer(start: value.mv_data, count: value.mv_size)
        for (a, b) in zip(left, bytes) where a != b { return a < b ? -1 : 1 }
        return left.count == bytes.count ? 0 : (left.count < bytes.count ? -1 : 1)
    }
}

/// A read-only snapshot.
public struct ReadTransaction: ReadableTransaction {
    public let pointer: OpaquePointer
    public let environment: StoreEnvironment
}

/// A write transaction; at most one is open per environment at a time (LMDB's rule).
public struct WriteTransaction: ReadableTransaction {
    public let pointer: OpaquePointer
    public let environment: StoreEnvironment
    let state = TransactionState()

    init(pointer: OpaquePointer, environment: StoreEnvironment) {
        self.pointer = pointer
        self.environment = environment
    }

    private func record(_ code: Int32, _ operation: @autoclosure () -> String) throws(StoreError) {
        if code == MDB_MAP_FULL { state.hitMapFull = true }
        try StoreError.check(code, operation())
    }

    public func put<K, V>(_ value: V, forKey key: K, in table: Table<K, V>) throws(StoreError) {
        let dbi = try environment.dbi(table.name)
        var keyBytes = key.storeKeyBytes
        var valueBytes = value.storeValueBytes
        guard keyBytes.count <= environment.maxKeySize, !keyBytes.isEmpty else {
            throw .keyTooLong(table: table.name, length: keyBytes.count, maximum: environment.maxKeySize)
        }
        let code = keyBytes.withUnsafeMutableBytes { keyBuffer in
            valueBytes.withUnsafeMutableBytes { valueBuffer in
                var mdbKey = MDB_val(mv_size: keyBuffer.count, mv_data: keyBuffer.baseAddress)
                var mdbValue = MDB_val(mv_size: valueBuffer.count, mv_data: valueBuffer.baseAddress)
                return mdb_put(pointer, dbi, &mdbKey, &mdbValue, 0)
            }
        }
        try record(code, "put into '\(table.name)'")
    }

    /// Removes `key`; returns whether it was there.
    @discardableResult
    public func delete<K, V>(_ key: K, in table: Table<K, V>) throws(StoreError) -> Bool {
        let dbi = try environment.dbi(table.name)
        var keyBytes = key.storeKeyBytes
        let code = keyBytes.withUnsafeMutableBytes { keyBuffer in
            var mdbKey = MDB_val(mv_size: keyBuffer.count, mv_data: keyBuffer.baseAddress)
            return mdb_del(pointer, dbi, &mdbKey, nil)
        }
        if code == MDB_NOTFOUND { return false }
        try record(code, "delete from '\(table.name)'")
        return true
    }

    /// Removes every entry of a table.
    public func clear<K, V>(_ table: Table<K, V>) throws(StoreError) {
        try record(mdb_drop(pointer, try environment.dbi(table.name), 0), "drop '\(table.name)'")
    }
}
