import TradewindWire

/// The escrowed order machine (docs/ARCHITECTURE.md, "Orders"). "t" is the parent
/// block's time; "past X" means t ≥ X.
extension Step {
    mutating func createOrder<B>(id: Bytes32, buyer: Address, terms: OrderTerms, _ state: inout StateOverlay<B>)
        throws(LedgerError) -> TransactionResult {
        guard now < terms.shipBy else {
            return TransactionResult(.tecTOO_LATE, "ship-by \(terms.shipBy) is not after t = \(now)")
        }
        guard try state.value(for: .order(id)) == nil else { return TransactionResult(.tecNO_CHANGE, "order exists") }
        if terms.requireVerifiedMerchant, try state.value(for: .merchant(terms.seller)) == nil {
            return TransactionResult(.tecNOT_VERIFIED, "\(terms.seller)")
        }
        if try accountState(terms.seller, state)?.frozen == true {
            return TransactionResult(.tecFROZEN, "seller \(terms.seller)")
        }
        var legs: [Order.Leg] = []
        if let quote = terms.fxQuote {
            let name = "quote \(quote.quoteID) of \(quote.provider)"
            guard context.height <= quote.expiryHeight else {
                return TransactionResult(.tecQUOTE_EXPIRED, "\(name) was valid to height \(quote.expiryHeight), this block is \(context.height)")
            }
            guard terms.price <= quote.maxAmount else {
                return TransactionResult(.tecQUOTE_LIMIT, "price \(terms.price) \(terms.asset) is above the \(quote.maxAmount) of \(name)")
            }
            let usedKey = StateKey.usedQuote(provider: quote.provider, id: quote.quoteID)
            if let usedUntil = try state.record(usedKey, as: UInt64.self), context.height <= usedUntil {
                return TransactionResult(.tecQUOTE_USED, "\(name) paid for another order")
            }
            if try accountState(quote.provider, state)?.frozen == true {
                return TransactionResult(.tecFROZEN, "FX provider \(quote.provider)")
            }
            guard let converted = FX.convertRoundingUp(terms.price, numerator: quote.rateNumerator,
                                                       denominator: quote.rateDenominator) else {
                return TransactionResult(.tecOVERFLOW, "price \(terms.price) at \(quote.rateNumerator)/\(quote.rateDenominator)")
            }
            if let failure = try debit(quote.provider, terms.asset, terms.price, &state) { return failure }
            if let failure = try debit(buyer, quote.buyerAsset, converted, &state) { return failure }
            state.set(usedKey, quote.expiryHeight)
            legs = [
                Order.Leg(asset: terms.asset, amount: terms.price, owner: quote.provider, beneficiary: terms.seller),
                Order.Leg(asset: quote.buyerAsset, amount: converted, owner: buyer, beneficiary: quote.provider),
            ]
        } else {
            if let failure = try debit(buyer, terms.asset, terms.price, &state) { return failure }
            legs = [Order.Leg(asset: terms.asset, amount: terms.price, owner: buyer, beneficiary: terms.seller)]
        }
        for leg in legs {
            let escrow = try state.record(.escrow(leg.asset), as: UInt64.self) ?? 0
            state.set(.escrow(leg.asset), escrow + leg.amount)
        }
        let order = Order(
            id: id, buyer: buyer, terms: terms, state: .created, createdHeight: context.height, createdAt: now,
            shippedAt: nil, deliveredAt: nil, disputedAt: nil, trackingHash: nil, disputeReasonHash: nil,
            checkpoints: [], legs: legs, sellerBasisPoints: nil)
        state.set(.order(id), order)
        try touchCredit(buyer, &state) { $0.ordersAsBuyer += 1 }
        try touchCredit(terms.seller, &state) { $0.ordersAsSeller += 1 }
        return .success
    }

    mutating func orderTransition<B>(_ transaction: Transaction, _ state: inout StateOverlay<B>) throws(LedgerError) -> TransactionResult {
        let sender = transaction.sender
        let orderID: Bytes32
        switch transaction.body {
        case let .orderAccept(id), let .orderDecline(id), let .orderCancel(id), let .orderRefund(id),
             let .orderShip(id, _), let .orderCheckpoint(id, _), let .orderConfirm(id), let .orderRelease(id),
             let .orderDispute(id, _), let .orderResolve(id, _):
            orderID = id
        default:
            return TransactionResult(.temMALFORMED)
        }
        guard var order = try state.record(.order(orderID), as: Order.self) else {
            return TransactionResult(.tecNO_ENTRY, "order \(orderID.hex)")
        }
        let terms = order.terms
        let isBuyer = sender == order.buyer
        let isSeller = sender == terms.seller
        func denied(_ role: String) -> TransactionResult {
            TransactionResult(.tecNO_PERMISSION, "only the \(role) may do this")
        }
        func wrongState() -> TransactionResult {
            TransactionResult(.tecWRONG_STATE, "order is \(order.state)")
        }
        /// Not applied (the sequence is kept): the transaction waits for a block whose parent is past `deadline`.
        func tooEarly(_ what: String, _ deadline: UInt64) -> TransactionResult {
            TransactionResult(.terTOO_EARLY, "\(what) \(deadline), t = \(now)", appliesFrom: deadline)
        }
        let window = parameters.disputeWindowMs
        let arbitration = parameters.arbitrationWindowMs

        switch transaction.body {
        case .orderAccept:
            guard isSeller else { return denied("seller") }
            guard order.state == .created else { return wrongState() }
            guard now < terms.shipBy else { return TransactionResult(.tecTOO_LATE, "ship-by \(terms.shipBy), t = \(now)") }
            order.state = .accepted

        case .orderDecline:
            guard isSeller else { return denied("seller") }
            guard order.state == .created else { return wrongState() }
            try settle(&order, sellerBasisPoints: 0, as: .refunded, &state)

        case .orderCancel:
            guard isBuyer else { return denied("buyer") }
            guard order.state == .created || order.state == .accepted else { return wrongState() }
            guard now < terms.shipBy else { return TransactionResult(.tecTOO_LATE, "ship-by \(terms.shipBy), t = \(now)") }
            try settle(&order, sellerBasisPoints: 0, as: .refunded, &state)

        case .orderRefund:
            if isSeller && [.created, .accepted, .shipped, .delivered].contains(order.state) {
                try settle(&order, sellerBasisPoints: 0, as: .refunded, &state)
            } else {
                switch order.state {
                case .created, .accepted:
                    guard now >= terms.shipBy else { return tooEarly("ship-by", terms.shipBy) }
                case .shipped where terms.carrier != nil:
                    guard now >= terms.deliverBy else {
                        return tooEarly("deliver-by", terms.deliverBy)
                    }
                case .disputed:
                    let deadline = (order.disputedAt ?? 0) &+ arbitration
                    guard now >= deadline else { return tooEarly("arbitration until", deadline) }
                    // The arbiter let the window pass: the buyer wins, the arbiter's record shows it.
                    try touchCredit(order.buyer, &state) { $0.disputesWon += 1 }
                    try touchCredit(terms.seller, &state) { $0.disputesLost += 1 }
                    if let arbiter = terms.arbiter { try touchCredit(arbiter, &state) { $0.arbitrationTimeouts += 1 } }
                default:
                    return wrongState()
                }
                try settle(&order, sellerBasisPoints: 0, as: .refunded, &state)
            }

        case let .orderShip(_, trackingHash):
            guard isSeller else { return denied("seller") }
            guard order.state == .accepted else { return wrongState() }
            guard now < terms.shipBy else { return TransactionResult(.tecTOO_LATE, "ship-by \(terms.shipBy), t = \(now)") }
            order.state = .shipped
            order.shippedAt = now
            order.trackingHash = trackingHash

        case let .orderCheckpoint(_, kind):
            guard let carrier = terms.carrier, sender == carrier else { return denied("carrier") }
            guard order.state == .shipped else { return wrongState() }
            guard now < terms.deliverBy else { return TransactionResult(.tecTOO_LATE, "deliver-by \(terms.deliverBy), t = \(now)") }
            guard order.checkpoints.count < Order.maxCheckpoints else {
                return TransactionResult(.tecNO_CHANGE, "at most \(Order.maxCheckpoints) checkpoints")
            }
            order.checkpoints.append(Order.Checkpoint(kind: kind, time: now))
            if kind == .delivered {
                order.state = .delivered
                order.deliveredAt = now
            }

        case .orderConfirm:
            guard isBuyer else { return denied("buyer") }
            guard order.state == .shipped || order.state == .delivered else { return wrongState() }
            try settle(&order, sellerBasisPoints: 10_000, as: .completed, &state)

        case .orderRelease:
            switch order.state {
            case .delivered:
                let deadline = (order.deliveredAt ?? 0) &+ window
                guard now >= deadline else { return tooEarly("dispute window until", deadline) }
            case .shipped where terms.carrier == nil:
                let deadline = terms.deliverBy &+ window
                guard now >= deadline else { return tooEarly("dispute window until", deadline) }
            default:
                return wrongState()
            }
            try settle(&order, sellerBasisPoints: 10_000, as: .completed, &state)

        case let .orderDispute(_, reasonHash):
            guard isBuyer || isSeller else { return denied("buyer or seller") }
            guard terms.arbiter != nil else { return TransactionResult(.tecNO_PERMISSION, "the order has no arbiter") }
            switch order.state {
            case .delivered:
                let deadline = (order.deliveredAt ?? 0) &+ window
                guard now < deadline else { return TransactionResult(.tecTOO_LATE, "dispute window ended at \(deadline), t = \(now)") }
            case .shipped:
                let deadline = terms.carrier != nil ? terms.deliverBy : terms.deliverBy &+ window
                guard now < deadline else { return TransactionResult(.tecTOO_LATE, "disputes closed at \(deadline), t = \(now)") }
            default:
                return wrongState()
            }
            order.state = .disputed
            order.disputedAt = now
            order.disputeReasonHash = reasonHash
            try touchCredit(order.buyer, &state) { $0.disputed += 1 }
            try touchCredit(terms.seller, &state) { $0.disputed += 1 }

        case let .orderResolve(_, basisPoints):
            guard let arbiter = terms.arbiter, sender == arbiter else { return denied("arbiter") }
            guard order.state == .disputed else { return wrongState() }
            let deadline = (order.disputedAt ?? 0) &+ arbitration
            guard now < deadline else { return TransactionResult(.tecTOO_LATE, "arbitration ended at \(deadline), t = \(now)") }
            if basisPoints > 5000 {
                try touchCredit(terms.seller, &state) { $0.disputesWon += 1 }
                try touchCredit(order.buyer, &state) { $0.disputesLost += 1 }
            } else if basisPoints < 5000 {
                try touchCredit(order.buyer, &state) { $0.disputesWon += 1 }
                try touchCredit(terms.seller, &state) { $0.disputesLost += 1 }
            }
            try touchCredit(arbiter, &state) { _ in }
            try settle(&order, sellerBasisPoints: basisPoints, as: .resolved, &state)

        default:
            return TransactionResult(.temMALFORMED)
        }
        state.set(.order(orderID), order)
        return .success
    }

    /// Moves the order to a terminal state, paying ⌊x·leg⌋ of each leg onward and
    /// returning the rest to its owner (x in basis points: 10000 pays all onward,
    /// 0 refunds all).
    mutating func settle<B>(_ order: inout Order, sellerBasisPoints: UInt16, as final: Order.State,
                            _ state: inout StateOverlay<B>) throws(LedgerError) {
        for leg in order.legs {
            let onward = FX.fraction(leg.amount, basisPoints: sellerBasisPoints)
            try payout(leg.beneficiary, leg.asset, onward, &state)
            try payout(leg.owner, leg.asset, leg.amount - onward, &state)
        }
        order.state = final
        if final == .resolved { order.sellerBasisPoints = sellerBasisPoints }
        let buyer = order.buyer
        let seller = order.terms.seller
        switch final {
        case .completed:
            try touchCredit(buyer, &state) { $0.completed += 1 }
            try touchCredit(seller, &state) { $0.completed += 1 }
        case .refunded:
            try touchCredit(buyer, &state) { $0.refunded += 1 }
            try touchCredit(seller, &state) { $0.refunded += 1 }
        default:
            break
        }
        if final == .completed || final == .resolved {
            // Volume settled: what the buyer paid and what the seller received, per asset.
            let paidLeg = order.legs.last { $0.owner == buyer }
            let receivedLeg = order.legs.first { $0.beneficiary == seller }
            if let paidLeg {
                let paid = FX.fraction(paidLeg.amount, basisPoints: sellerBasisPoints)
                if paid > 0 { try touchCredit(buyer, &state) { $0.volumeSettled[paidLeg.asset, default: 0] &+= paid } }
            }
            if let receivedLeg {
                let received = FX.fraction(receivedLeg.amount, basisPoints: sellerBasisPoints)
                if received > 0 { try touchCredit(seller, &state) { $0.volumeSettled[receivedLeg.asset, default: 0] &+= received } }
            }
        }
    }
}

/// Integer conversions with 128-bit intermediates.
public enum FX {
    /// ⌈amount × numerator / denominator⌉, or nil if it does not fit 64 bits.
    public static func convertRoundingUp(_ amount: UInt64, numerator: UInt64, denominator: UInt64) -> UInt64? {
        guard denominator > 0 else { return nil }
        let product = amount.multipliedFullWidth(by: numerator)
        guard product.high < denominator else { return nil }
        let (quotient, remainder) = denominator.dividingFullWidth(product)
        if remainder == 0 { return quotient }
        return quotient == .max ? nil : quotient + 1
    }

    /// ⌊amount × basisPoints / 10000⌋ (never more than `amount`).
    public static func fraction(_ amount: UInt64, basisPoints: UInt16) -> UInt64 {
        let points = UInt64(min(basisPoints, 10_000))
        let product = amount.multipliedFullWidth(by: points)
        return UInt64(10_000).dividingFullWidth(product).quotient
    }
}

extension TransactionBody {
    /// The transitions whose bodies wait for a deadline (and may answer terTOO_EARLY).
    var waitsForDeadline: Bool {
        switch self {
        case .orderRefund, .orderRelease: return true
        default: return false
        }
    }
}
