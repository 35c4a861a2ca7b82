import TradewindLedger
import TradewindWire

/// The local API's JSON documents; the CLI decodes the same types.
public struct StatusView: Codable, Sendable {
    public var name: String
    public var address: String
    public var version: String
    public var network: String
    public var chain: String
    public var height: UInt64
    public var blockID: String
    public var stateRoot: String
    public var blockTime: UInt64
    public var round: Int
    public var step: String
    public var authority: Bool
    public var authorities: Int
    public var mempool: Int
    public var members: Int
    public var highestSeen: UInt64
    public var uptimeSeconds: Double
    public var committedTransactions: UInt64
    /// Committed blocks received in answer to catch-up's requests (many in flight).
    public var blocksPrefetched: UInt64
    /// The network's assets and their decimals.
    public var assets: [String: UInt8]
}

public struct MemberView: Codable, Sendable {
    public var address: String
    public var endpoint: String
    public var status: String
    public var incarnation: UInt64
    public var height: UInt64
}

public struct BlockSummary: Codable, Sendable {
    public var height: UInt64
    public var id: String
    public var time: UInt64
    public var transactions: Int
    public var proposer: String
    public var stateRoot: String
}

public struct BlockView: Codable, Sendable {
    public var height: UInt64
    public var id: String
    public var time: UInt64
    public var parentID: String
    public var proposer: String
    public var stateRoot: String
    public var transactionsRoot: String
    public var authoritySetHash: String
    public var nextAuthorities: [String]?
    public var evidence: Int
    public var transactions: [String]
    public var certificate: CertificateView?
}

public struct CertificateView: Codable, Sendable {
    public var round: UInt32
    public var signers: [String]
}

public struct ReceiptView: Codable, Sendable {
    public var height: UInt64
    public var index: UInt32
    public var code: UInt16
    public var result: String
    public var message: String
}

public struct TransactionView: Codable, Sendable {
    public var id: String
    /// committed; pending (in this peer's mempool, ready for a block); waiting (in the
    /// mempool, parked behind the missing sequence `waitingForSequence`); or unknown.
    public var status: String
    public var sender: String?
    public var sequence: UInt64?
    public var kind: String?
    public var receipt: ReceiptView?
    /// With status waiting: the sender's first sequence that no transaction in the mempool has.
    public var waitingForSequence: UInt64?
    /// With status waiting: seconds until it is dropped if still waiting.
    public var expiresInSeconds: UInt64?

    public init(id: String, status: String, sender: String?, sequence: UInt64?, kind: String?, receipt: ReceiptView?,
                waitingForSequence: UInt64? = nil, expiresInSeconds: UInt64? = nil) {
        self.id = id
        self.status = status
        self.sender = sender
        self.sequence = sequence
        self.kind = kind
        self.receipt = receipt
        self.waitingForSequence = waitingForSequence
        self.expiresInSeconds = expiresInSeconds
    }
}

public struct BalanceView: Codable, Sendable {
    public var asset: String
    /// In the asset's smallest unit.
    public var amount: UInt64
    /// Payouts held while the account is frozen (claimable after unfreeze).
    public var held: UInt64
    public var decimals: UInt8
    /// The amount in whole units, as text ("12.50").
    public var display: String
}

public struct AccountView: Codable, Sendable {
    public var address: String
    public var exists: Bool
    /// The sequence after the account's committed transactions.
    public var nextSequence: UInt64
    /// The sequence a new transaction should take: `nextSequence` plus the account's
    /// transactions waiting in this peer's mempool in an unbroken run from it (a
    /// stopped peer's store has no mempool: then equal to `nextSequence`).
    public var pendingNextSequence: UInt64
    public var frozen: Bool
    public var depositAuth: Bool
    public var balances: [BalanceView]
    public var credit: CreditView
    public var merchant: MerchantView?
    public var offenses: Int
}

public struct CreditView: Codable, Sendable {
    public var ordersAsBuyer: UInt64
    public var ordersAsSeller: UInt64
    public var completed: UInt64
    public var refunded: UInt64
    public var disputed: UInt64
    public var disputesWon: UInt64
    public var disputesLost: UInt64
    public var arbitrationTimeouts: UInt64
}

public struct MerchantView: Codable, Sendable {
    public var name: String
    public var jurisdiction: String
    public var attestedBy: String
    public var height: UInt64
}

public struct OrderView: Codable, Sendable {
    public var id: String
    public var buyer: String
    public var seller: String
    public var carrier: String?
    public var arbiter: String?
    public var state: String
    public var asset: String
    public var price: UInt64
    public var display: String
    public var shipBy: UInt64
    public var deliverBy: UInt64
    public var fxLocked: Bool
    public var checkpoints: [String]
    public var createdHeight: UInt64
}

public struct SubmissionView: Codable, Sendable {
    public var id: String
    public var accepted: Bool
    public var code: UInt16?
    public var result: String?
    public var message: String
}

public struct ErrorView: Codable, Sendable {
    public var error: String
}

/// Amounts as people write them: "12.50" with the asset's decimals.
public enum Amount {
    public static func format(_ amount: UInt64, decimals: UInt8) -> String {
        guard decimals > 0 else { return String(amount) }
        var scale: UInt64 = 1
        for _ in 0..<decimals { scale *= 10 }
        let fraction = String(amount % scale)
        return "\(amount / scale).\(String(repeating: "0", count: Int(decimals) - fraction.count))\(fraction)"
    }

    /// Parses "12.50" for an asset with `decimals`; the error names the problem.
    public static func parse(_ text: String, decimals: UInt8) throws(AmountError) -> UInt64 {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard !text.isEmpty, parts.count <= 2, parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
              !parts[0].isEmpty else {
            throw AmountError(text: text, reason: "expected digits with an optional decimal point, like 12.50")
        }
        let fraction = parts.count == 2 ? String(parts[1]) : ""
        guard fraction.count <= Int(decimals) else {
            throw AmountError(text: text, reason: "has \(fraction.count) decimals; the asset has \(decimals)")
        }
        var scale: UInt64 = 1
        for _ in 0..<decimals { scale *= 10 }
        guard let whole = UInt64(parts[0]) else { throw AmountError(text: text, reason: "too large") }
        let padded = fraction + String(repeating: "0", count: Int(decimals) - fraction.count)
        let (scaled, overflow) = whole.multipliedReportingOverflow(by: scale)
        let (total, overflow2) = scaled.addingReportingOverflow(UInt64(padded.isEmpty ? "0" : padded) ?? 0)
        guard !overflow, !overflow2 else { throw AmountError(text: text, reason: "too large for 64 bits") }
        guard total > 0 else { throw AmountError(text: text, reason: "must be more than zero") }
        return total
    }
}

public struct AmountError: Error, CustomStringConvertible, Sendable {
    public var text: String
    public var reason: String
    public var description: String { "invalid amount '\(text)': \(reason)" }
}
