import TradewindCrypto
import TradewindWire

/// A transaction with its id and encoded size, computed once where its bytes were at
/// hand (decoding, admission), so that later stages need not encode and hash it again.
public struct IdentifiedTransaction: Sendable {
    public var transaction: Transaction
    public var id: Bytes32
    public var size: Int

    public init(transaction: Transaction, id: Bytes32, size: Int) {
        self.transaction = transaction
        self.id = id
        self.size = size
    }

    /// Encodes and hashes `transaction`.
    public init(_ transaction: Transaction) {
        let encoded = transaction.wireEncoded
        self.init(transaction: transaction, id: Blake2b.hash256(encoded), size: encoded.count)
    }

    /// Decodes `bytes`, whose hash is the id.
    public init(wireEncoded bytes: [UInt8]) throws(WireError) {
        self.init(transaction: try Transaction(wireEncoded: bytes), id: Blake2b.hash256(bytes), size: bytes.count)
    }
}
