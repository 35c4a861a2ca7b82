import TradewindWire

/// What can happen to an order next, by whom, and in which window of time: the
/// order table of docs/ARCHITECTURE.md ("Orders") as data, and one pure function
/// over an order that applies the same conditions as `Step.orderTransition`.
/// The CLI, the local API and any explorer read it from here, so they cannot
/// disagree with the ledger or with each other.
public enum OrderRules {
    /// An order transaction, named as in the table.
    public enum Transaction: String, Sendable, CaseIterable, Codable {
        case orderCreate, orderAccept, orderDecline, orderCancel, orderRefund, orderShip, orderCheckpoint,
             orderConfirm, orderRelease, orderDispute, orderResolve
    }

    /// Who may send a transaction (the table's "by" column).
    public enum Party: String, Sendable, CaseIterable, Codable {
        case buyer, seller, carrier, arbiter, anyone
    }

    /// One row of the table, without its time condition (that lives in `nextSteps`).
    public struct Row: Hashable, Sendable {
        /// The states it applies to; empty for orderCreate (no order yet).
        public var from: [Order.State]
        public var transaction: Transaction
        public var by: [Party]
        public var to: Order.State

        public init(from: [Order.State], transaction: Transaction, by: [Party], to: Order.State) {
            self.from = from
            self.transaction = transaction
            self.by = by
            self.to = to
        }
    }

    /// The table, row by row, in the document's order.
    public static let table: [Row] = [
        Row(from: [], transaction: .orderCreate, by: [.buyer], to: .created),
        Row(from: [.created], transaction: .orderAccept, by: [.seller], to: .accepted),
        Row(from: [.created], transaction: .orderDecline, by: [.seller], to: .refunded),
        Row(from: [.created, .accepted], transaction: .orderCancel, by: [.buyer], to: .refunded),
        Row(from: [.created, .accepted, .shipped, .delivered], transaction: .orderRefund, by: [.seller], to: .refunded),
        Row(from: [.accepted], transaction: .orderShip, by: [.seller], to: .shipped),
        Row(from: [.shipped], transaction: .orderCheckpoint, by: [.carrier], to: .shipped),
        Row(from: [.shipped], transaction: .orderCheckpoint, by: [.carrier], to: .delivered),
        Row(from: [.shipped, .delivered], transaction: .orderConfirm, by: [.buyer], to: .completed),
        Row(from: [.delivered], transaction: .orderRelease, by: [.anyone], to: .completed),
        Row(from: [.shipped], transaction: .orderRelease, by: [.anyone], to: .completed),
        Row(from: [.created, .accepted], transaction: .orderRefund, by: [.anyone], to: .refunded),
        Row(from: [.shipped], transaction: .orderRefund, by: [.anyone], to: .refunded),
        Row(from: [.delivered], transaction: .orderDispute, by: [.buyer, .seller], to: .disputed),
        Row(from: [.shipped], transaction: .orderDispute, by: [.buyer, .seller], to: .disputed),
        Row(from: [.disputed], transaction: .orderResolve, by: [.arbiter], to: .resolved),
        Row(from: [.disputed], transaction: .orderRefund, by: [.anyone], to: .refunded),
    ]

    /// Everyone who may send `transaction` in some row, in table order ("seller, or anyone").
    public static func parties(of transaction: Transaction) -> [Party] {
        var parties: [Party] = []
        for row in table where row.transaction == transaction {
            for party in row.by where !parties.contains(party) { parties.append(party) }
        }
        return parties
    }

    /// One thing that can happen next: `transaction` by any of `by`, while
    /// `from` ≤ t < `until` (nil: no bound on that side), leading to `to`.
    /// "t" is the parent block's time, as in the ledger.
    public struct NextStep: Hashable, Sendable {
        public var transaction: Transaction
        /// For orderCheckpoint: the kinds this step covers (delivered ends transport); empty otherwise.
        public var checkpoints: [CheckpointKind]
        public var by: [Party]
        public var from: UInt64?
        public var until: UInt64?
        public var to: Order.State

        /// Whether a transaction applied at t passes the time condition.
        public func isOpen(at t: UInt64) -> Bool { (from.map { t >= $0 } ?? true) && (until.map { t < $0 } ?? true) }
        /// Whether no t from `t` on can pass it.
        public func hasClosed(at t: UInt64) -> Bool { until.map { t >= $0 } ?? false }
    }

    /// A deadline window of the order: something can be done while t < `closes`.
    public struct Window: Hashable, Sendable {
        public enum Kind: String, Sendable, CaseIterable, Codable {
            /// Accept, ship or cancel before ship-by.
            case shipping
            /// The carrier's checkpoints before deliver-by.
            case delivery
            /// Dispute (with an arbiter) before it closes; release only after.
            case dispute
            /// The arbiter resolves before it closes; anyone may refund after.
            case arbitration
        }

        public var kind: Kind
        public var opened: UInt64
        public var closes: UInt64

        public func isOpen(at t: UInt64) -> Bool { t >= opened && t < closes }
    }

    /// Every step the ledger would accept from the order's current state at some t,
    /// with its time bounds (steps whose window has closed included: filter with
    /// `hasClosed(at:)`). A terminal order has none. Account-level conditions are
    /// not order rules and are not reflected: a frozen sender fails (tecFROZEN), and
    /// every transaction needs the sender's next sequence.
    public static func nextSteps(of order: Order, disputeWindowMs window: UInt64, arbitrationWindowMs arbitration: UInt64)
        -> [NextStep] {
        let terms = order.terms
        func step(_ transaction: Transaction, _ by: [Party], from: UInt64? = nil, until: UInt64? = nil,
                  to: Order.State, checkpoints: [CheckpointKind] = []) -> NextStep {
            NextStep(transaction: transaction, checkpoints: checkpoints, by: by, from: from, until: until, to: to)
        }
        // The same sums as the ledger (wrapping, like Step+Orders).
        switch order.state {
        case .created:
            return [
                step(.orderAccept, [.seller], until: terms.shipBy, to: .accepted),
                step(.orderDecline, [.seller], to: .refunded),
                step(.orderCancel, [.buyer], until: terms.shipBy, to: .refunded),
                step(.orderRefund, [.seller], to: .refunded),
                step(.orderRefund, [.anyone], from: terms.shipBy, to: .refunded),
            ]
        case .accepted:
            return [
                step(.orderShip, [.seller], until: terms.shipBy, to: .shipped),
                step(.orderCancel, [.buyer], until: terms.shipBy, to: .refunded),
                step(.orderRefund, [.seller], to: .refunded),
                step(.orderRefund, [.anyone], from: terms.shipBy, to: .refunded),
            ]
        case .shipped:
            var steps: [NextStep] = []
            if terms.carrier != nil && order.checkpoints.count < Order.maxCheckpoints {
                steps.append(step(.orderCheckpoint, [.carrier], until: terms.deliverBy, to: .shipped,
                                  checkpoints: CheckpointKind.allCases.filter { $0 != .delivered }))
                steps.append(step(.orderCheckpoint, [.carrier], until: terms.deliverBy, to: .delivered,
                                  checkpoints: [.delivered]))
            }
            steps.append(step(.orderConfirm, [.buyer], to: .completed))
            if terms.arbiter != nil {
                let closes = terms.carrier != nil ? terms.deliverBy : terms.deliverBy &+ window
                steps.append(step(.orderDispute, [.buyer, .seller], until: closes, to: .disputed))
            }
            steps.append(step(.orderRefund, [.seller], to: .refunded))
            if terms.carrier == nil {
                steps.append(step(.orderRelease, [.anyone], from: terms.deliverBy &+ window, to: .completed))
            } else {
                steps.append(step(.orderRefund, [.anyone], from: terms.deliverBy, to: .refunded))
            }
            return steps
        case .delivered:
            let closes = (order.deliveredAt ?? 0) &+ window
            var steps = [step(.orderConfirm, [.buyer], to: .completed)]
            if terms.arbiter != nil { steps.append(step(.orderDispute, [.buyer, .seller], until: closes, to: .disputed)) }
            steps.append(step(.orderRefund, [.seller], to: .refunded))
            steps.append(step(.orderRelease, [.anyone], from: closes, to: .completed))
            return steps
        case .disputed:
            let closes = (order.disputedAt ?? 0) &+ arbitration
            return [
                step(.orderResolve, [.arbiter], until: closes, to: .resolved),
                step(.orderRefund, [.anyone], from: closes, to: .refunded),
            ]
        case .completed, .refunded, .resolved:
            return []
        }
    }

    /// The order's deadline windows in its current state (none once it has ended).
    public static func windows(of order: Order, disputeWindowMs window: UInt64, arbitrationWindowMs arbitration: UInt64)
        -> [Window] {
        let terms = order.terms
        switch order.state {
        case .created, .accepted:
            return [Window(kind: .shipping, opened: order.createdAt, closes: terms.shipBy)]
        case .shipped:
            let shipped = order.shippedAt ?? order.createdAt
            var windows: [Window] = []
            if terms.carrier != nil { windows.append(Window(kind: .delivery, opened: shipped, closes: terms.deliverBy)) }
            if terms.carrier == nil {
                windows.append(Window(kind: .dispute, opened: shipped, closes: terms.deliverBy &+ window))
            } else if terms.arbiter != nil {
                windows.append(Window(kind: .dispute, opened: shipped, closes: terms.deliverBy))
            }
            return windows
        case .delivered:
            let delivered = order.deliveredAt ?? 0
            return [Window(kind: .dispute, opened: delivered, closes: delivered &+ window)]
        case .disputed:
            let disputed = order.disputedAt ?? 0
            return [Window(kind: .arbitration, opened: disputed, closes: disputed &+ arbitration)]
        case .completed, .refunded, .resolved:
            return []
        }
    }
}
