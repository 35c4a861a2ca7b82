import CLMDB
import Foundation

/// One LMDB environment (a directory holding `data.mdb` and `lock.mdb`) with its
/// named databases.
///
/// - Opened with `MDB_NOTLS`, never with `MDB_NOSYNC`, `MDB_NOMETASYNC` or
///   `MDB_MAPASYNC`: a commit that returned is on disk.
/// - Transactions are synchronous closures. A write commits when its closure
///   returns and aborts when it throws; if the map is full it is grown and the
///   closure runs again, so a write closure must have no effects outside the
///   transaction.
/// - The map grows without a ceiling: on `MDB_MAP_FULL`, once no transaction of this
///   process is open. Another process that grew the map is noticed through
///   `MDB_MAP_RESIZED` and adopted.
public final class StoreEnvironment: @unchecked Sendable {
    public struct Options: Sendable {
        /// The first map size; it grows as needed.
        public var initialMapSize: Int = 64 << 20
        public var maxDatabases: UInt32 = 32
        public var maxReaders: UInt32 = 126
        public var readOnly = false
        /// File mode for data.mdb and lock.mdb.
        public var fileMode: mode_t = 0o600

        public init() {}

        public static var readOnly: Options {
            var options = Options()
            options.readOnly = true
            return options
        }
    }

    public let path: String
    public let isReadOnly: Bool
    private let env: OpaquePointer
    private let databases: [String: MDB_dbi]
    private let gate = TransactionGate()
    /// Stale reader slots (left by processes that died) cleared when opening.
    public let staleReadersCleared: Int32

    /// Opens (creating if needed, unless read-only) the environment in `directory`
    /// with the named databases `tables`.
    public init(directory: String, tables: [String], options: Options = Options()) throws(StoreError) {
        path = directory
        isReadOnly = options.readOnly
        if !options.readOnly {
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        var handle: OpaquePointer?
        try StoreError.check(mdb_env_create(&handle), "env_create")
        guard let env = handle else { throw StoreError.lmdb(ENOMEM, "env_create") }
        do {
            try StoreError.check(mdb_env_set_maxdbs(env, options.maxDatabases), "env_set_maxdbs")
            try StoreError.check(mdb_env_set_maxreaders(env, options.maxReaders), "env_set_maxreaders")
            if !options.readOnly {
                try StoreError.check(mdb_env_set_mapsize(env, options.initialMapSize), "env_set_mapsize")
            }
            let flags = UInt32(MDB_NOTLS) | (options.readOnly ? UInt32(MDB_RDONLY) : 0)
            try StoreError.check(mdb_env_open(env, directory, flags, options.fileMode), "env_open \(directory)")
            var dead: Int32 = 0
            try StoreError.check(mdb_reader_check(env, &dead), "reader_check")
            staleReadersCleared = dead
            databases = try Self.openDatabases(env, names: tables, create: !options.readOnly)
        } catch {
            mdb_env_close(env)
            throw error
        }
        self.env = env
    }

    private static func openDatabases(
        _ env: OpaquePointer, names: [String], create: Bool
    ) throws(StoreError) -> [String: MDB_dbi] {
        var txn: OpaquePointer?
        var code = mdb_txn_begin(env, nil, create ? 0 : UInt32(MDB_RDONLY), &txn)
        if code == MDB_MAP_RESIZED {
            mdb_env_set_mapsize(env, 0)
            code = mdb_txn_begin(env, nil, create ? 0 : UInt32(MDB_RDONLY), &txn)
        }
        try StoreError.check(code, "txn_begin (open databases)")
        var result: [String: MDB_dbi] = [:]
        for name in names {
            var dbi: MDB_dbi = 0
            let status = mdb_dbi_open(txn, name, create ? UInt32(MDB_CREATE) : 0, &dbi)
            guard status == MDB_SUCCESS else {
                mdb_txn_abort(txn)
                throw StoreError.lmdb(status, "dbi_open '\(name)'")
            }
            result[name] = dbi
        }
        try StoreError.check(mdb_txn_commit(txn), "txn_commit (open databases)")
        return result
    }

    deinit {
        mdb_env_close(env)
    }

    func dbi(_ name: String) throws(StoreError) -> MDB_dbi {
        guard let dbi = databases[name] else { throw .unknownTable(name) }
        return dbi
    }

    /// Frees reader slots held by processes that have died (a dead reader pins old
    /// pages and makes the file grow). Returns how many were cleared.
    @discardableResult
    public func clearStaleReaders() throws(StoreError) -> Int32 {
        var dead: Int32 = 0
        try StoreError.check(mdb_reader_check(env, &dead), "reader_check")
        return dead
    }

    /// The flags LMDB reports for this environment.
    public var flags: UInt32 {
        var flags: UInt32 = 0
        mdb_env_get_flags(env, &flags)
        return flags
    }

    /// True when none of the flags that trade durability for speed is set.
    public var isDurable: Bool {
        flags & UInt32(MDB_NOSYNC | MDB_NOMETASYNC | MDB_MAPASYNC) == 0
    }

    /// The current map size in bytes.
    public var mapSize: Int {
        var info = MDB_envinfo()
        mdb_env_info(env, &info)
        return info.me_mapsize
    }

    /// Bytes of the map in use: up to the highest page LMDB has written (freed pages
    /// below it are reused before the file grows, so this is what the store occupies).
    public var usedBytes: UInt64 {
        var info = MDB_envinfo()
        var stat = MDB_stat()
        mdb_env_info(env, &info)
        mdb_env_stat(env, &stat)
        return UInt64(info.me_last_pgno + 1) * UInt64(stat.ms_psize)
    }

    /// LMDB's maximum key size.
    public var maxKeySize: Int { Int(mdb_env_get_maxkeysize(env)) }

    // MARK: Transactions

    /// Runs `body` in a read-only snapshot.
    public func read<R>(_ body: (ReadTransaction) throws -> R) throws -> R {
        gate.enter()
        defer { gate.leave() }
        let txn = try beginTransaction(readOnly: true)
        defer { mdb_txn_abort(txn) }
        return try body(ReadTransaction(pointer: txn, environment: self))
    }

    /// Runs `body` in a write transaction, committing when it returns. When the map
    /// is full the transaction is aborted, the map grown, and `body` run again.
    public func write<R>(_ body: (WriteTransaction) throws -> R) throws -> R {
        guard !isReadOnly else { throw StoreError.readOnly }
        while true {
            if let result = try attemptWrite(body) { return result }
            try growMap()
        }
    }

    /// One attempt: the result, or nil when the map filled up and must grow first.
    private func attemptWrite<R>(_ body: (WriteTransaction) throws -> R) throws -> R? {
        gate.enter()
        defer { gate.leave() }
        let txn = try beginTransaction(readOnly: false)
        let transaction = WriteTransaction(pointer: txn, environment: self)
        let result: R
        do {
            result = try body(transaction)
        } catch {
            mdb_txn_abort(txn)
            if transaction.state.hitMapFull { return nil }
            throw error
        }
        // The body may have caught MDB_MAP_FULL itself; the transaction is unusable then.
        if transaction.state.hitMapFull {
            mdb_txn_abort(txn)
            return nil
        }
        let code = mdb_txn_commit(txn)
        if code == MDB_MAP_FULL { return nil }
        try StoreError.check(code, "txn_commit")
        return result
    }

    private func beginTransaction(readOnly: Bool) throws(StoreError) -> OpaquePointer {
        var attempts = 0
        while true {
            var txn: OpaquePointer?
            let code = mdb_txn_begin(env, nil, readOnly ? UInt32(MDB_RDONLY) : 0, &txn)
            if code == MDB_SUCCESS, let txn { return txn }
            // Another process grew the map: adopt its size. Setting the size needs every
            // transaction of this process closed, so step out of the gate meanwhile.
            if code == MDB_MAP_RESIZED && attempts < 8 {
                attempts += 1
                gate.leave()
                gate.exclusive { _ = mdb_env_set_mapsize(env, 0) }
                gate.enter()
                continue
            }
            throw StoreError.lmdb(code, readOnly ? "txn_begin (read)" : "txn_begin (write)")
        }
    }

    /// Growth per step: double, but by at most 1 GiB at a time.
    private func growMap() throws(StoreError) {
        var result: Int32 = MDB_SUCCESS
        gate.exclusive {
            let current = mapSize
            let next = current + min(current, 1 << 30)
            result = mdb_env_set_mapsize(env, next)
        }
        try StoreError.check(result, "env_set_mapsize")
    }

    // MARK: Maintenance

    /// Writes a consistent copy of the live environment to a new file (a `data.mdb`),
    /// compacted, while writers go on. Restore by placing it as `data.mdb` in an
    /// empty directory.
    public func copy(toFile target: String) throws(StoreError) {
        let descriptor = open(target, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw StoreError.lmdb(errno, "copy: create \(target)") }
        defer { close(descriptor) }
        let code = mdb_env_copyfd2(env, descriptor, UInt32(MDB_CP_COMPACT))
        guard code == MDB_SUCCESS else {
            unlink(target)
            throw StoreError.lmdb(code, "env_copyfd2 \(target)")
        }
        guard fsync(descriptor) == 0 else { throw StoreError.lmdb(errno, "copy: fsync \(target)") }
    }

    /// Number of entries in a table.
    public func count<K, V>(_ table: Table<K, V>) throws -> Int {
        try read { try $0.count(table) }
    }
}
