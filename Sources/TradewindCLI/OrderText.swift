import TradewindLedger
import TradewindPeer
import TradewindWire

/// An order as text: every fact the ledger keeps, its windows, and what can happen
/// next (from `OrderRules`, via the view), with times in ISO 8601 and relative to now.
enum OrderText {
    /// The CLI command that sends `transaction`.
    static func command(_ transaction: OrderRules.Transaction) -> String {
        switch transaction {
        case .orderCreate: return "order create"
        case .orderAccept: return "order accept"
        case .orderDecline: return "order decline"
        case .orderCancel: return "order cancel"
        case .orderRefund: return "order refund"
        case .orderShip: return "order ship"
        case .orderCheckpoint: return "order checkpoint"
        case .orderConfirm: return "order confirm"
        case .orderRelease: return "order release"
        case .orderDispute: return "order dispute"
        case .orderResolve: return "order resolve"
        }
    }

    /// "(by the seller)", "(by the buyer or seller)", "(by anyone)": how help texts name
    /// who may send a transaction, checked against the order table by the tests.
    static func by(_ parties: [OrderRules.Party]) -> String {
        let names = parties.map(\.rawValue)
        if names == ["anyone"] { return "(by anyone)" }
        return "(by the \(names.joined(separator: " or ")))"
    }

    static func render(_ o: OrderView, now: UInt64) -> String {
        func time(_ milliseconds: UInt64) -> String { TimeText.describe(milliseconds, now: now) }
        func who(_ address: String) -> String {
            if address == o.buyer { return "the buyer" }
            if address == o.seller { return "the seller" }
            if address == o.fx?.provider { return "the FX provider" }
            return address
        }
        var lines = [
            "order \(o.id): \(o.state)",
            "price \(o.display) \(o.asset)\(o.fxLocked ? " (FX-locked)" : "")"
                + (o.requireVerifiedMerchant ? ", seller must be a verified merchant" : ", no merchant verification required"),
            "buyer   \(o.buyer)",
            "seller  \(o.seller)",
            "carrier \(o.carrier ?? "none")",
            "arbiter \(o.arbiter ?? "none")",
        ]
        if let fx = o.fx {
            lines.append("FX quote \(fx.quoteID) of provider \(fx.provider): \(fx.rate) \(fx.buyerAsset) per \(fx.sellerAsset) "
                + "(exactly \(fx.rateNumerator)/\(fx.rateDenominator) in minor units), valid to height \(fx.expiryHeight)")
        }
        if let paid = o.legs.last(where: { $0.from == o.buyer }) {
            lines.append("the buyer paid \(paid.display) \(paid.asset)")
        }
        let ended = o.nextSteps.isEmpty && o.windows.isEmpty
        lines.append(ended ? "was held in escrow until the order ended:" : "held in escrow until the order ends:")
        for leg in o.legs {
            lines.append("  \(leg.display) \(leg.asset) from \(who(leg.from)), paid out to \(who(leg.to)) (refunds go back to \(who(leg.from)))")
        }
        lines.append("created     \(time(o.createdAt)) at height \(o.createdHeight)")
        lines.append("ship by     \(time(o.shipBy))")
        lines.append("deliver by  \(time(o.deliverBy))")
        lines.append("shipped     " + (o.shippedAt.map(time) ?? "not yet"))
        if o.checkpoints.isEmpty {
            lines.append("checkpoints none")
        } else {
            lines.append("checkpoints")
            lines += o.checkpoints.map { "  \($0.kind.padding(toLength: 15, withPad: " ", startingAt: 0)) \(time($0.time))" }
        }
        lines.append("delivered   " + (o.deliveredAt.map(time) ?? "not yet"))
        lines.append("disputed    " + (o.disputedAt.map(time) ?? "no"))
        if let share = o.sellerBasisPoints {
            lines.append("resolved: \(Amount.format(UInt64(share), decimals: 2))% to the seller, the rest to the buyer")
        }
        lines.append("goods hash \(o.goodsHash)")
        if let tracking = o.trackingHash { lines.append("tracking hash \(tracking)") }
        if let reason = o.disputeReasonHash { lines.append("dispute reason hash \(reason)") }
        lines.append("chain time  \(time(o.chainTime)), the last block's: windows and next steps are judged at it")
        if !o.windows.isEmpty {
            lines.append("windows")
            for window in o.windows {
                let state = window.open ? "open, closes \(time(window.closes))"
                    : window.closes <= o.chainTime ? "closed at \(time(window.closes))" : "opens \(time(window.opened))"
                lines.append("  \(window.kind.padding(toLength: 12, withPad: " ", startingAt: 0)) \(state)")
            }
        }
        if o.nextSteps.isEmpty {
            lines.append("next: nothing; the order has ended")
        } else {
            lines.append("next")
            for step in o.nextSteps {
                let transaction = OrderRules.Transaction(rawValue: step.transaction)
                var name = transaction.map(command) ?? step.transaction
                if !step.checkpoints.isEmpty { name += " --kind " + step.checkpoints.map(kebab).joined(separator: "|") }
                let parties = by(step.by.compactMap(OrderRules.Party.init(rawValue:)))
                var when = step.openNow ? "now" : step.from.map { "from \(time($0))" } ?? "now"
                if let until = step.until { when += ", until \(time(until))" }
                lines.append("  \(name) \(parties) \(when) -> \(step.to)")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// "outForDelivery" → "out-for-delivery", as `order checkpoint --kind` takes it.
    static func kebab(_ camel: String) -> String {
        camel.reduce(into: "") { text, character in
            if character.isUppercase { text += "-" + character.lowercased() } else { text.append(character) }
        }
    }
}
