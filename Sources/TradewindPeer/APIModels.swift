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
    /// Bytes of the store in use (LMDB's pages up to the highest written): what the
    /// chain and state occupy on disk.
    public var storeBytes: UInt64
    /// False when the CLI read a stopped peer's store: then round is 0, step "stopped",
    /// and mempool, members, uptime and the since-start counters are 0 (nothing runs).
    public var running = true
}

public struct MemberView: Codable, Sendable {
    public var address: String
    /// The name this peer's config.json gives it (null when it is not listed there).
    public var name: String?
    /// authority (in the current authority set) or participant.
    public var role: String
    public var endpoint: String
    /// alive, suspect or dead, as the membership protocol sees it.
    public var status: String
    public var incarnation: UInt64
    public var height: UInt64
    /// When this peer last received a message from the member (Unix ms), null if never since start.
    public var lastContact: UInt64?

    public init(address: String, name: String?, role: String, endpoint: String, status: String, incarnation: UInt64,
                height: UInt64, lastContact: UInt64?) {
        self.address = address
        self.name = name
        self.role = role
        self.endpoint = endpoint
        self.status = status
        self.incarnation = incarnation
        self.height = height
        self.lastContact = lastContact
    }

    /// Every key is present (unknown ones as null), so scripts can rely on the shape.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(address, forKey: .address)
        try container.encode(name, forKey: .name)
        try container.encode(role, forKey: .role)
        try container.encode(endpoint, forKey: .endpoint)
        try container.encode(status, forKey: .status)
        try container.encode(incarnation, forKey: .incarnation)
        try container.encode(height, forKey: .height)
        try container.encode(lastContact, forKey: .lastContact)
    }
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
    /// mempool, parked behind the missing sequence `waitingForSequence`, or until a
    /// block's parent time reaches `waitingForDeadline`); or unknown.
    public var status: String
    public var sender: String?
    public var sequence: UInt64?
    public var kind: String?
    public var receipt: ReceiptView?
    /// With status waiting: the sender's first sequence that no transaction in the mempool has.
    public var waitingForSequence: UInt64?
    /// With status waiting: seconds until it is dropped if still waiting.
    public var expiresInSeconds: UInt64?
    /// With status waiting: the deadline (Unix ms) of a refund or release sent before it.
    public var waitingForDeadline: UInt64?

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

/// Every fact the ledger keeps about an order, and what can happen to it next
/// (from `OrderRules`, judged at `chainTime`). Times are Unix milliseconds; every
/// key is present, facts not (yet) recorded as null.
public struct OrderView: Codable, Sendable {
    public var id: String
    public var buyer: String
    public var seller: String
    public var carrier: String?
    public var arbiter: String?
    public var state: String
    /// The price, in the seller's asset.
    public var asset: String
    public var price: UInt64
    public var display: String
    public var shipBy: UInt64
    public var deliverBy: UInt64
    public var fxLocked: Bool
    /// Whether the order required the seller to be a verified merchant.
    public var requireVerifiedMerchant: Bool
    public var goodsHash: String
    public var trackingHash: String?
    public var disputeReasonHash: String?
    public var createdHeight: UInt64
    public var createdAt: UInt64
    public var shippedAt: UInt64?
    public var deliveredAt: UInt64?
    public var disputedAt: UInt64?
    public var checkpoints: [CheckpointView]
    /// The escrowed money: one leg (buyer → seller), or two with an FX quote
    /// (provider → seller in the seller's asset, buyer → provider in the buyer's).
    public var legs: [LegView]
    /// The FX quote the order was created with.
    public var fx: FXView?
    /// For a resolved order: the seller's share in basis points.
    public var sellerBasisPoints: UInt16?
    /// The t (the last block's time) the windows and next steps are judged at.
    public var chainTime: UInt64
    public var windows: [WindowView]
    /// What the ledger would accept next, by whom, when (steps whose time has passed left out).
    public var nextSteps: [NextStepView]

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(buyer, forKey: .buyer)
        try container.encode(seller, forKey: .seller)
        try container.encode(carrier, forKey: .carrier)
        try container.encode(arbiter, forKey: .arbiter)
        try container.encode(state, forKey: .state)
        try container.encode(asset, forKey: .asset)
        try container.encode(price, forKey: .price)
        try container.encode(display, forKey: .display)
        try container.encode(shipBy, forKey: .shipBy)
        try container.encode(deliverBy, forKey: .deliverBy)
        try container.encode(fxLocked, forKey: .fxLocked)
        try container.encode(requireVerifiedMerchant, forKey: .requireVerifiedMerchant)
        try container.encode(goodsHash, forKey: .goodsHash)
        try container.encode(trackingHash, forKey: .trackingHash)
        try container.encode(disputeReasonHash, forKey: .disputeReasonHash)
        try container.encode(createdHeight, forKey: .createdHeight)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(shippedAt, forKey: .shippedAt)
        try container.encode(deliveredAt, forKey: .deliveredAt)
        try container.encode(disputedAt, forKey: .disputedAt)
        try container.encode(checkpoints, forKey: .checkpoints)
        try container.encode(legs, forKey: .legs)
        try container.encode(fx, forKey: .fx)
        try container.encode(sellerBasisPoints, forKey: .sellerBasisPoints)
        try container.encode(chainTime, forKey: .chainTime)
        try container.encode(windows, forKey: .windows)
        try container.encode(nextSteps, forKey: .nextSteps)
    }
}

public struct CheckpointView: Codable, Sendable, Equatable {
    /// pickedUp, inTransit, customs, outForDelivery or delivered.
    public var kind: String
    public var time: UInt64
}

/// Money held for an order: refunded to `from`, paid out to `to`.
public struct LegView: Codable, Sendable, Equatable {
    public var asset: String
    public var amount: UInt64
    public var display: String
    public var from: String
    public var to: String
}

public struct FXView: Codable, Sendable, Equatable {
    public var provider: String
    /// The asset the buyer paid in, and the seller's.
    public var buyerAsset: String
    public var sellerAsset: String
    /// Buyer-asset minor units per seller-asset minor unit, exactly.
    public var rateNumerator: UInt64
    public var rateDenominator: UInt64
    /// Units of the buyer's asset per unit of the seller's ("1.0873"), to 8 decimals at most.
    public var rate: String
    public var quoteID: UInt64
    public var expiryHeight: UInt64
}

public struct WindowView: Codable, Sendable, Equatable {
    /// shipping, delivery, dispute or arbitration.
    public var kind: String
    public var opened: UInt64
    public var closes: UInt64
    /// Open at `chainTime`.
    public var open: Bool
}

public struct NextStepView: Codable, Sendable, Equatable {
    /// The transaction, as in the order table (orderConfirm, …).
    public var transaction: String
    /// For orderCheckpoint: the kinds this step covers.
    public var checkpoints: [String]
    /// buyer, seller, carrier, arbiter or anyone (any one of them).
    public var by: [String]
    /// Possible while from ≤ t < until (null: no bound).
    public var from: UInt64?
    public var until: UInt64?
    /// The state it leads to.
    public var to: String
    /// Possible at `chainTime`.
    public var openNow: Bool

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(transaction, forKey: .transaction)
        try container.encode(checkpoints, forKey: .checkpoints)
        try container.encode(by, forKey: .by)
        try container.encode(from, forKey: .from)
        try container.encode(until, forKey: .until)
        try container.encode(to, forKey: .to)
        try container.encode(openNow, forKey: .openNow)
    }
}

public struct SubmissionView: Codable, Sendable {
    public var id: String
    public var accepted: Bool
    public var code: UInt16?
    public var result: String?
    public var message: String
    /// For terTOO_EARLY: the deadline (Unix ms) the parent block's time must reach.
    public var appliesFrom: UInt64?

    public init(id: String, accepted: Bool, code: UInt16?, result: String?, message: String, appliesFrom: UInt64? = nil) {
        self.id = id
        self.accepted = accepted
        self.code = code
        self.result = result
        self.message = message
        self.appliesFrom = appliesFrom
    }
}

public struct ErrorView: Codable, Sendable {
    public var error: String
}
