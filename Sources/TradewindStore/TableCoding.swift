import TradewindWire

/// How a table's keys are stored. LMDB orders keys by their bytes, so encodings of
/// ordered keys (heights) must sort the way the values do: integers are big-endian.
public protocol StoreKey: Sendable {
    var storeKeyBytes: [UInt8] { get }
    init(storeKeyBytes: UnsafeRawBufferPointer) throws(StoreError)
}

/// How a table's values are stored.
public protocol StoreValue: Sendable {
    var storeValueBytes: [UInt8] { get }
    init(storeValueBytes: UnsafeRawBufferPointer) throws(StoreError)
}

/// Values with a canonical wire encoding are stored as that encoding.
extension StoreValue where Self: WireCodable {
    public var storeValueBytes: [UInt8] { wireEncoded }

    public init(storeValueBytes: UnsafeRawBufferPointer) throws(StoreError) {
        do {
            self = try Self(wireEncoded: Array(storeValueBytes))
        } catch {
            throw .decoding(table: String(describing: Self.self), reason: error.description)
        }
    }
}

extension UInt64: StoreKey, StoreValue {
    public var storeKeyBytes: [UInt8] { withUnsafeBytes(of: bigEndian) { Array($0) } }
    public var storeValueBytes: [UInt8] { storeKeyBytes }

    public init(storeKeyBytes bytes: UnsafeRawBufferPointer) throws(StoreError) {
        guard bytes.count == 8 else {
            throw .decoding(table: "UInt64", reason: "expected 8 bytes, found \(bytes.count)")
        }
        self = bytes.reduce(0) { $0 << 8 | UInt64($1) }
    }

    public init(storeValueBytes bytes: UnsafeRawBufferPointer) throws(StoreError) {
        try self.init(storeKeyBytes: bytes)
    }
}

extension Bytes32: StoreKey, StoreValue {
    public var storeKeyBytes: [UInt8] { bytes }
    public var storeValueBytes: [UInt8] { bytes }

    public init(storeKeyBytes bytes: UnsafeRawBufferPointer) throws(StoreError) {
        guard let value = Bytes32(bytes) else {
            throw .decoding(table: "Bytes32", reason: "expected 32 bytes, found \(bytes.count)")
        }
        self = value
    }

    public init(storeValueBytes bytes: UnsafeRawBufferPointer) throws(StoreError) {
        try self.init(storeKeyBytes: bytes)
    }
}

extension Array: StoreKey, StoreValue where Element == UInt8 {
    public var storeKeyBytes: [UInt8] { self }
    public var storeValueBytes: [UInt8] { self }
    public init(storeKeyBytes bytes: UnsafeRawBufferPointer) { self = Array(bytes) }
    public init(storeValueBytes bytes: UnsafeRawBufferPointer) { self = Array(bytes) }
}

extension String: StoreKey, StoreValue {
    public var storeKeyBytes: [UInt8] { Array(utf8) }
    public var storeValueBytes: [UInt8] { Array(utf8) }

    public init(storeKeyBytes bytes: UnsafeRawBufferPointer) throws(StoreError) {
        guard let string = String(validating: bytes, as: UTF8.self) else {
            throw .decoding(table: "String", reason: "not valid UTF-8")
        }
        self = string
    }

    public init(storeValueBytes bytes: UnsafeRawBufferPointer) throws(StoreError) {
        try self.init(storeKeyBytes: bytes)
    }
}

/// A named LMDB database with typed keys and values.
public struct Table<Key: StoreKey, Value: StoreValue>: Sendable, Hashable {
    public let name: String

    public init(_ name: String) { self.name = name }
}
