/// A block's commit certificate: precommit signatures for its id from a quorum of
/// the authority set that signs its height. Anyone holding the set verifies it.
public struct CommitCertificate: Hashable, Sendable {
    public static let version: UInt8 = 1

    public struct Signature: Hashable, Sendable {
        public var validator: Address
        public var signature: Bytes64

        public init(validator: Address, signature: Bytes64) {
            self.validator = validator
            self.signature = signature
        }
    }

    public var height: UInt64
    public var round: UInt32
    public var blockID: Bytes32
    /// Sorted by validator, one each: the encoding is canonical.
    public var signatures: [Signature]

    public init(height: UInt64, round: UInt32, blockID: Bytes32, signatures: [Signature]) {
        self.height = height
        self.round = round
        self.blockID = blockID
        self.signatures = signatures.sorted { $0.validator < $1.validator }
    }

    /// The precommit a signature in this certificate signs.
    public func precommit(by validator: Address) -> Vote {
        Vote(kind: .precommit, height: height, round: round, blockID: blockID, validator: validator)
    }
}

extension CommitCertificate: WireCodable {
    public func encode(to writer: inout WireWriter) {
        writer.writeUInt8(Self.version)
        writer.writeVarint(height)
        writer.writeVarint(UInt64(round))
        writer.write(blockID)
        writer.writeArray(signatures) { writer, entry in
            writer.write(entry.validator)
            writer.write(entry.signature)
        }
    }

    public init(from reader: inout WireReader) throws(WireError) {
        _ = try reader.readVersion(of: "CommitCertificate", supported: Self.version...Self.version)
        height = try reader.readVarint()
        round = try reader.readRound()
        blockID = try reader.read()
        signatures = try reader.readArray(maxCount: Genesis.maxAuthorities) { (r: inout WireReader) throws(WireError) in
            Signature(validator: try r.read(), signature: try r.read())
        }
        guard zip(signatures, signatures.dropFirst()).allSatisfy({ $0.validator < $1.validator }) else {
            throw .invalidValue(type: "CommitCertificate", reason: "signatures must be sorted by validator, one each")
        }
    }
}

extension CommitCertificate {
    /// What a block header's `lastCommitHash` holds for the certificate of its parent.
    public static let absentHash = Bytes32.zero
}
