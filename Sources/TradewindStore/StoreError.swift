import CLMDB

/// A storage failure. LMDB failures keep LMDB's code and message.
public enum StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    case lmdb(operation: String, code: Int32, message: String)
    /// A stored value (or key) could not be decoded as the table's type.
    case decoding(table: String, reason: String)
    /// The environment was not opened with a database of this name.
    case unknownTable(String)
    /// A write was attempted through a read-only environment.
    case readOnly
    /// A key longer than LMDB's maximum (511 bytes by default).
    case keyTooLong(table: String, length: Int, maximum: Int)

    static func check(_ code: Int32, _ operation: @autoclosure () -> String) throws(StoreError) {
        if code != MDB_SUCCESS { throw lmdb(code, operation()) }
    }

    static func lmdb(_ code: Int32, _ operation: String) -> StoreError {
        .lmdb(operation: operation, code: code, message: String(cString: mdb_strerror(code)))
    }

    /// True for `MDB_MAP_FULL`, which the environment handles by growing the map.
    public var isMapFull: Bool {
        if case let .lmdb(_, code, _) = self { return code == MDB_MAP_FULL }
        return false
    }

    public var description: String {
        switch self {
        case let .lmdb(operation, code, message):
            return "LMDB \(operation) failed (\(code)): \(message)"
        case let .decoding(table, reason):
            return "cannot decode a record of table '\(table)': \(reason)"
        case let .unknownTable(name):
            return "table '\(name)' was not opened in this environment"
        case .readOnly:
            return "the store is open read-only"
        case let .keyTooLong(table, length, maximum):
            return "key of \(length) bytes for table '\(table)' exceeds LMDB's maximum of \(maximum)"
        }
    }
}
