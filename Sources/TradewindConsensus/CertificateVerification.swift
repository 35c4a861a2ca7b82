import TradewindCrypto
import TradewindLedger
import TradewindWire

/// Why a commit certificate or a certified block was refused; each case names
/// the offending value.
public enum CertificateError: Error, Equatable, Sendable, CustomStringConvertible {
    case wrongBlock(expected: Bytes32, certified: Bytes32)
    case wrongHeight(expected: UInt64, certified: UInt64)
    case notAnAuthority(Address)
    case forgedSignature(Address)
    case tooFewSignatures(have: Int, quorum: Int)
    case wrongAuthoritySet(height: UInt64)
    case notNext(expected: UInt64, got: UInt64)
    case wrongParent(height: UInt64)

    public var description: String {
        switch self {
        case let .wrongBlock(expected, certified): return "certificate is for block \(certified.hex), not \(expected.hex)"
        case let .wrongHeight(expected, certified): return "certificate is for height \(certified), not \(expected)"
        case let .notAnAuthority(address): return "certificate signer \(address) is not in the authority set"
        case let .forgedSignature(address): return "certificate signature of \(address) does not verify"
        case let .tooFewSignatures(have, quorum): return "certificate has \(have) signatures, the quorum is \(quorum)"
        case let .wrongAuthoritySet(height): return "block \(height) names an authority set other than the one in force"
        case let .notNext(expected, got): return "expected block \(expected), got \(got)"
        case let .wrongParent(height): return "block \(height) does not extend the verified chain"
        }
    }
}

/// Quorum among `count` authorities of equal power: more than two thirds.
public func quorum(of count: Int) -> Int { (2 * count) / 3 + 1 }

extension CommitCertificate {
    /// Checks that this certifies `blockID` at `height` with valid precommit
    /// signatures from a quorum of `authorities`. Any bad signature refuses the whole
    /// certificate: a certificate is evidence, and a forged part taints it.
    public func verify(blockID: Bytes32, height: UInt64, authorities: [Address], network: Bytes32) throws(CertificateError) {
        guard self.blockID == blockID else { throw .wrongBlock(expected: blockID, certified: self.blockID) }
        guard self.height == height else { throw .wrongHeight(expected: height, certified: self.height) }
        let members = Set(authorities)
        for entry in signatures {
            guard members.contains(entry.validator) else { throw .notAnAuthority(entry.validator) }
            var vote = precommit(by: entry.validator)
            vote.signature = entry.signature
            guard vote.hasValidSignature(network: network) else { throw .forgedSignature(entry.validator) }
        }
        // Signatures are sorted and unique by construction of the decoder.
        let distinct = Set(signatures.map(\.validator)).count
        guard distinct >= quorum(of: authorities.count) else {
            throw .tooFewSignatures(have: distinct, quorum: quorum(of: authorities.count))
        }
    }
}

/// Follows a chain by certificates alone, as a peer that is not an authority can:
/// it knows the genesis set, checks each block's certificate against the set in
/// force at its height, and learns set changes from the headers (a header's
/// `nextAuthorities` take effect two heights later).
public struct ChainVerifier: Sendable {
    public let network: Bytes32
    public private(set) var height: UInt64 = 0
    public private(set) var headID = Bytes32.zero
    private var current: [Address]
    private var scheduled: [(height: UInt64, authorities: [Address])] = []

    public init(genesisAuthorities: [Address], network: Bytes32) {
        self.network = network
        current = genesisAuthorities.sorted()
    }

    /// The set that signs block `height` (the next one, or later if already scheduled).
    public func authorities(at height: UInt64) -> [Address] {
        scheduled.last { $0.height <= height }?.authorities ?? current
    }

    /// Accepts the next block if its header extends the verified chain, names the
    /// set in force and carries a valid certificate from it.
    public mutating func verify(_ header: BlockHeader, certificate: CommitCertificate) throws(CertificateError) {
        guard header.height == height + 1 else { throw .notNext(expected: height + 1, got: header.height) }
        guard header.parentID == headID else { throw .wrongParent(height: header.height) }
        let signers = authorities(at: header.height)
        guard header.authoritySetHash == Ledger.authoritySetHash(signers) else { throw .wrongAuthoritySet(height: header.height) }
        try certificate.verify(blockID: header.id, height: header.height, authorities: signers, network: network)
        height = header.height
        headID = header.id
        if let due = scheduled.last(where: { $0.height <= height }) {
            current = due.authorities
            scheduled.removeAll { $0.height <= height }
        }
        if let next = header.nextAuthorities {
            scheduled.append((height + 2, next.sorted()))
        }
    }
}
