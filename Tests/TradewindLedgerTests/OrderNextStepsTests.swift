import Testing
import TradewindCrypto
import TradewindLedger
import TradewindWire

/// `OrderRules.nextSteps` tells a user what can happen to an order next, by whom
/// and when. These tests hold it to what the ledger actually does: every
/// transaction by every party, at every deadline boundary, from every state.
@Suite struct OrderNextStepsTests {
    typealias H = LedgerHarness
    static let parties = ["buyer", "seller", "carrier", "arbiter", "alice"]

    struct Situation {
        var label: String
        var harness: H
        var id: Bytes32
    }

    /// Orders in every non-terminal state, with and without carrier and arbiter.
    static func situations() throws -> [Situation] {
        var situations: [Situation] = []
        for (carrier, arbiter) in [(true, true), (false, true), (true, false), (false, false)] {
            var harness = H()
            let terms = OrderTerms(
                seller: harness.address("seller"), asset: H.usd, price: 10_000,
                carrier: carrier ? harness.address("carrier") : nil, arbiter: arbiter ? harness.address("arbiter") : nil,
                goodsHash: .zero, shipBy: H.genesisTime + 10 * H.day, deliverBy: H.genesisTime + 20 * H.day)
            let create = harness.tx("buyer", .orderCreate(terms))
            try #require(try harness.block([create]) == [.success])
            let label = "carrier \(carrier), arbiter \(arbiter)"
            situations.append(Situation(label: "created, \(label)", harness: harness, id: create.id))
            _ = try harness.run("seller", .orderAccept(order: create.id))
            situations.append(Situation(label: "accepted, \(label)", harness: harness, id: create.id))
            _ = try harness.run("seller", .orderShip(order: create.id, trackingHash: .zero))
            situations.append(Situation(label: "shipped, \(label)", harness: harness, id: create.id))
            guard carrier else { continue }
            _ = try harness.run("carrier", .orderCheckpoint(order: create.id, kind: .delivered))
            situations.append(Situation(label: "delivered, \(label)", harness: harness, id: create.id))
            guard arbiter else { continue }
            _ = try harness.run("buyer", .orderDispute(order: create.id, reasonHash: .zero))
            situations.append(Situation(label: "disputed, \(label)", harness: harness, id: create.id))
        }
        return situations
    }

    static func bodies(_ id: Bytes32) -> [(OrderRules.Transaction, CheckpointKind?, TransactionBody)] {
        [
            (.orderAccept, nil, .orderAccept(order: id)), (.orderDecline, nil, .orderDecline(order: id)),
            (.orderCancel, nil, .orderCancel(order: id)), (.orderRefund, nil, .orderRefund(order: id)),
            (.orderShip, nil, .orderShip(order: id, trackingHash: .zero)),
            (.orderCheckpoint, .customs, .orderCheckpoint(order: id, kind: .customs)),
            (.orderCheckpoint, .delivered, .orderCheckpoint(order: id, kind: .delivered)),
            (.orderConfirm, nil, .orderConfirm(order: id)), (.orderRelease, nil, .orderRelease(order: id)),
            (.orderDispute, nil, .orderDispute(order: id, reasonHash: .zero)),
            (.orderResolve, nil, .orderResolve(order: id, sellerBasisPoints: 5000)),
        ]
    }

    func party(_ name: String) -> OrderRules.Party? { OrderRules.Party(rawValue: name) }

    @Test func nextStepsPredictExactlyWhatTheLedgerAccepts() throws {
        for situation in try Self.situations() {
            guard let order = situation.harness.order(situation.id) else { Issue.record("no order"); continue }
            let parameters = situation.harness.ledger.parameters
            let steps = OrderRules.nextSteps(of: order, disputeWindowMs: parameters.disputeWindowMs,
                                             arbitrationWindowMs: parameters.arbitrationWindowMs)
            // Every boundary the steps name, on both sides, and the present.
            var times: Set<UInt64> = [situation.harness.time]
            for step in steps {
                for bound in [step.from, step.until].compactMap({ $0 }) { times.formUnion([bound - 1, bound]) }
            }
            for t in times.sorted() where t >= situation.harness.time {
                var atTime = situation.harness
                if t > atTime.time { try atTime.advance(toParentTime: t) }
                for (transaction, kind, body) in Self.bodies(situation.id) {
                    for sender in Self.parties {
                        let predicted = steps.first { step in
                            step.transaction == transaction && step.isOpen(at: t)
                                && (kind.map { step.checkpoints.contains($0) } ?? true)
                                && (step.by.contains(.anyone) || party(sender).map(step.by.contains) == true)
                        }
                        var attempt = atTime
                        let result = try attempt.run(sender, body)
                        let context = "\(situation.label): \(transaction) \(kind.map { "\($0)" } ?? "") by \(sender) at t = \(t)"
                        #expect((result.code == .tesSUCCESS) == (predicted != nil), "\(context): \(result.code) \(result.message)")
                        if let predicted, result.code == .tesSUCCESS {
                            #expect(attempt.order(situation.id)?.state == predicted.to, "\(context)")
                        }
                    }
                }
            }
        }
    }

    @Test func everyNextStepIsARowOfTheOrderTable() throws {
        for situation in try Self.situations() {
            guard let order = situation.harness.order(situation.id) else { Issue.record("no order"); continue }
            for step in OrderRules.nextSteps(of: order, disputeWindowMs: 1, arbitrationWindowMs: 1) {
                #expect(OrderRules.table.contains {
                    $0.transaction == step.transaction && $0.by == step.by && $0.to == step.to && $0.from.contains(order.state)
                }, "\(situation.label): \(step)")
            }
        }
    }

    @Test func windowsCloseWhenTheirStepsStopBeingPossible() throws {
        for situation in try Self.situations() {
            guard let order = situation.harness.order(situation.id) else { Issue.record("no order"); continue }
            let parameters = situation.harness.ledger.parameters
            let steps = OrderRules.nextSteps(of: order, disputeWindowMs: parameters.disputeWindowMs,
                                             arbitrationWindowMs: parameters.arbitrationWindowMs)
            let windows = OrderRules.windows(of: order, disputeWindowMs: parameters.disputeWindowMs,
                                             arbitrationWindowMs: parameters.arbitrationWindowMs)
            #expect(!windows.isEmpty, "\(situation.label)")
            for window in windows {
                // Something is bounded by each window: either it ends at its close, or it starts there.
                #expect(steps.contains { $0.until == window.closes || $0.from == window.closes },
                        "\(situation.label): \(window.kind) closing at \(window.closes)")
                #expect(window.isOpen(at: situation.harness.time), "\(situation.label): \(window.kind)")
            }
        }
    }

    @Test func anEndedOrderHasNoNextStepsAndNoWindows() throws {
        var harness = H()
        let terms = OrderTerms(seller: harness.address("seller"), asset: H.usd, price: 100, goodsHash: .zero,
                               shipBy: H.genesisTime + H.day, deliverBy: H.genesisTime + 2 * H.day)
        let create = harness.tx("buyer", .orderCreate(terms))
        #expect(try harness.block([create]) == [.success])
        #expect(try harness.run("seller", .orderDecline(order: create.id)) == .success)
        let order = try #require(harness.order(create.id))
        #expect(order.state == .refunded)
        #expect(OrderRules.nextSteps(of: order, disputeWindowMs: 1, arbitrationWindowMs: 1).isEmpty)
        #expect(OrderRules.windows(of: order, disputeWindowMs: 1, arbitrationWindowMs: 1).isEmpty)
    }
}
