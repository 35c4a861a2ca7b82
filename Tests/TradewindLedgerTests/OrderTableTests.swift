import Testing
import TradewindCrypto
import TradewindLedger
import TradewindWire

/// Every row of the order table (docs/ARCHITECTURE.md "Orders"), its deadline
/// boundaries (t = X), and the transitions it refuses.
@Suite struct OrderTableTests {
    typealias H = LedgerHarness
    static let price: UInt64 = 10_000

    struct Setup {
        var harness = H()
        var id = Bytes32.zero
        var shipBy: UInt64 = 0
        var deliverBy: UInt64 = 0
    }

    /// A created order (buyer → seller, price in USD), optionally with carrier and arbiter.
    func created(carrier: Bool = true, arbiter: Bool = true) throws -> Setup {
        var setup = Setup()
        setup.shipBy = H.genesisTime + 10 * H.day
        setup.deliverBy = H.genesisTime + 20 * H.day
        let terms = OrderTerms(
            seller: setup.harness.address("seller"), asset: H.usd, price: Self.price,
            carrier: carrier ? setup.harness.address("carrier") : nil,
            arbiter: arbiter ? setup.harness.address("arbiter") : nil,
            goodsHash: Blake2b.hash256(Array("goods".utf8)), shipBy: setup.shipBy, deliverBy: setup.deliverBy)
        let create = setup.harness.tx("buyer", .orderCreate(terms))
        #expect(try setup.harness.block([create]) == [.success])
        setup.id = create.id
        #expect(setup.harness.order(setup.id)?.state == .created)
        return setup
    }

    func accepted(carrier: Bool = true, arbiter: Bool = true) throws -> Setup {
        var setup = try created(carrier: carrier, arbiter: arbiter)
        #expect(try setup.harness.run("seller", .orderAccept(order: setup.id)) == .success)
        return setup
    }

    func shipped(carrier: Bool = true, arbiter: Bool = true) throws -> Setup {
        var setup = try accepted(carrier: carrier, arbiter: arbiter)
        #expect(try setup.harness.run("seller", .orderShip(order: setup.id, trackingHash: .zero)) == .success)
        #expect(setup.harness.order(setup.id)?.state == .shipped)
        return setup
    }

    func delivered(arbiter: Bool = true) throws -> Setup {
        var setup = try shipped(arbiter: arbiter)
        #expect(try setup.harness.run("carrier", .orderCheckpoint(order: setup.id, kind: .pickedUp)) == .success)
        #expect(try setup.harness.run("carrier", .orderCheckpoint(order: setup.id, kind: .delivered)) == .success)
        #expect(setup.harness.order(setup.id)?.state == .delivered)
        return setup
    }

    func disputed() throws -> Setup {
        var setup = try delivered()
        #expect(try setup.harness.run("buyer", .orderDispute(order: setup.id, reasonHash: .zero)) == .success)
        #expect(setup.harness.order(setup.id)?.state == .disputed)
        return setup
    }

    func expectSupplyHolds(_ harness: H) {
        for asset in [H.usd, H.eur] {
            let check = harness.supplyCheck(asset)
            #expect(check.accounted == check.outstanding, "\(asset): \(check)")
        }
    }

    // MARK: Creation

    @Test func createMovesFundsIntoEscrow() throws {
        let setup = try created()
        #expect(setup.harness.balance("buyer") == 1_000_000 - Self.price)
        #expect(setup.harness.record(.escrow(H.usd), as: UInt64.self) == Self.price)
        #expect(setup.harness.credit("buyer").ordersAsBuyer == 1)
        #expect(setup.harness.credit("seller").ordersAsSeller == 1)
        expectSupplyHolds(setup.harness)
    }

    @Test func createNeedsTBeforeShipByBeforeDeliverBy() throws {
        var harness = H()
        let seller = harness.address("seller")
        let shipBy = harness.time + 5000
        func terms(_ shipBy: UInt64, _ deliverBy: UInt64) -> OrderTerms {
            OrderTerms(seller: seller, asset: H.usd, price: 10, goodsHash: .zero, shipBy: shipBy, deliverBy: deliverBy)
        }
        #expect(try harness.run("buyer", .orderCreate(terms(shipBy, shipBy))).code == .temBAD_DEADLINES)
        try harness.advance(toParentTime: shipBy)
        // t = ship-by: too late.
        #expect(try harness.run("buyer", .orderCreate(terms(shipBy, shipBy + 10))).code == .tecTOO_LATE)
        #expect(try harness.run("buyer", .orderCreate(terms(shipBy + 5000, shipBy + 9000))).code == .tesSUCCESS)
        #expect(harness.balance("buyer") == 1_000_000 - 10)
    }

    @Test func createChecksPartiesFundsAndMerchantVerification() throws {
        var harness = H()
        let seller = harness.address("seller")
        let later = harness.time + H.day
        var terms = OrderTerms(seller: seller, asset: H.usd, price: 2_000_000, goodsHash: .zero, shipBy: later, deliverBy: later + 1)
        #expect(try harness.run("buyer", .orderCreate(terms)).code == .tecINSUFFICIENT_FUNDS)
        terms.price = 100
        terms.arbiter = harness.address("buyer")
        #expect(try harness.run("buyer", .orderCreate(terms)).code == .temBAD_PARTIES)
        terms.arbiter = nil
        terms.requireVerifiedMerchant = true
        #expect(try harness.run("buyer", .orderCreate(terms)).code == .tecNOT_VERIFIED)
        #expect(try harness.run("auth1", .merchantAttest(merchant: seller, name: "Seller Ltd", jurisdiction: "DE",
                                                           registrationHash: .zero)).code == .tesSUCCESS)
        #expect(try harness.run("buyer", .orderCreate(terms)).code == .tesSUCCESS)
        // Only authorities attest.
        #expect(try harness.run("alice", .merchantAttest(merchant: harness.address("bob"), name: "B", jurisdiction: "FR",
                                                            registrationHash: .zero)).code == .tecNO_PERMISSION)
    }

    // MARK: created

    @Test func acceptBySellerBeforeShipBy() throws {
        var setup = try created()
        #expect(try setup.harness.run("buyer", .orderAccept(order: setup.id)).code == .tecNO_PERMISSION)
        #expect(try setup.harness.run("seller", .orderAccept(order: setup.id)) == .success)
        #expect(setup.harness.order(setup.id)?.state == .accepted)
        #expect(try setup.harness.run("seller", .orderAccept(order: setup.id)).code == .tecWRONG_STATE)
    }

    @Test func acceptAtShipByIsTooLate() throws {
        var setup = try created()
        try setup.harness.advance(toParentTime: setup.shipBy - 1)
        var late = try created()
        try late.harness.advance(toParentTime: late.shipBy)
        #expect(try setup.harness.run("seller", .orderAccept(order: setup.id)) == .success)
        #expect(try late.harness.run("seller", .orderAccept(order: late.id)).code == .tecTOO_LATE)
    }

    @Test func declineRefundsTheBuyer() throws {
        var setup = try created()
        #expect(try setup.harness.run("buyer", .orderDecline(order: setup.id)).code == .tecNO_PERMISSION)
        #expect(try setup.harness.run("seller", .orderDecline(order: setup.id)) == .success)
        #expect(setup.harness.order(setup.id)?.state == .refunded)
        #expect(setup.harness.balance("buyer") == 1_000_000)
        #expect(setup.harness.credit("buyer").refunded == 1)
        // Decline is only for created orders.
        var accepted = try accepted()
        #expect(try accepted.harness.run("seller", .orderDecline(order: accepted.id)).code == .tecWRONG_STATE)
        expectSupplyHolds(setup.harness)
    }

    @Test(arguments: [false, true])
    func cancelByBuyerBeforeShipBy(afterAccept: Bool) throws {
        var setup = afterAccept ? try accepted() : try created()
        #expect(try setup.harness.run("seller", .orderCancel(order: setup.id)).code == .tecNO_PERMISSION)
        try setup.harness.advance(toParentTime: setup.shipBy - 1)
        #expect(try setup.harness.run("buyer", .orderCancel(order: setup.id)) == .success)
        #expect(setup.harness.order(setup.id)?.state == .refunded)
        #expect(setup.harness.balance("buyer") == 1_000_000)
        var late = afterAccept ? try accepted() : try created()
        try late.harness.advance(toParentTime: late.shipBy)
        #expect(try late.harness.run("buyer", .orderCancel(order: late.id)).code == .tecTOO_LATE)
    }

    @Test(arguments: ["created", "accepted", "shipped", "delivered"])
    func voluntaryRefundBySeller(state: String) throws {
        var setup: Setup
        switch state {
        case "created": setup = try created()
        case "accepted": setup = try accepted()
        case "shipped": setup = try shipped()
        default: setup = try delivered()
        }
        #expect(try setup.harness.run("seller", .orderRefund(order: setup.id)) == .success)
        #expect(setup.harness.order(setup.id)?.state == .refunded)
        #expect(setup.harness.balance("buyer") == 1_000_000)
        #expect(try setup.harness.run("seller", .orderRefund(order: setup.id)).code == .tecWRONG_STATE)
        expectSupplyHolds(setup.harness)
    }

    @Test(arguments: [false, true])
    func refundByAnyoneFromShipBy(afterAccept: Bool) throws {
        var early = afterAccept ? try accepted() : try created()
        try early.harness.advance(toParentTime: early.shipBy - 1)
        #expect(try early.harness.run("alice", .orderRefund(order: early.id)).code == .terTOO_EARLY)
        var setup = afterAccept ? try accepted() : try created()
        try setup.harness.advance(toParentTime: setup.shipBy)
        #expect(try setup.harness.run("alice", .orderRefund(order: setup.id)) == .success)
        #expect(setup.harness.order(setup.id)?.state == .refunded)
        #expect(setup.harness.balance("buyer") == 1_000_000)
    }

    // MARK: accepted → shipped

    @Test func shipBySellerBeforeShipBy() throws {
        var fromCreated = try created()
        #expect(try fromCreated.harness.run("seller", .orderShip(order: fromCreated.id, trackingHash: .zero)).code == .tecWRONG_STATE)
        var setup = try accepted()
        #expect(try setup.harness.run("buyer", .orderShip(order: setup.id, trackingHash: .zero)).code == .tecNO_PERMISSION)
        try setup.harness.advance(toParentTime: setup.shipBy - 1)
        #expect(try setup.harness.run("seller", .orderShip(order: setup.id, trackingHash: .zero)) == .success)
        #expect(setup.harness.order(setup.id)?.shippedAt == setup.shipBy - 1)
        var late = try accepted()
        try late.harness.advance(toParentTime: late.shipBy)
        #expect(try late.harness.run("seller", .orderShip(order: late.id, trackingHash: .zero)).code == .tecTOO_LATE)
    }

    // MARK: shipped

    @Test func checkpointsByCarrierBeforeDeliverBy() throws {
        var setup = try shipped()
        #expect(try setup.harness.run("seller", .orderCheckpoint(order: setup.id, kind: .pickedUp)).code == .tecNO_PERMISSION)
        for kind in [CheckpointKind.pickedUp, .inTransit, .customs, .outForDelivery] {
            #expect(try setup.harness.run("carrier", .orderCheckpoint(order: setup.id, kind: kind)) == .success)
            #expect(setup.harness.order(setup.id)?.state == .shipped)
        }
        try setup.harness.advance(toParentTime: setup.deliverBy - 1)
        #expect(try setup.harness.run("carrier", .orderCheckpoint(order: setup.id, kind: .delivered)) == .success)
        #expect(setup.harness.order(setup.id)?.state == .delivered)
        #expect(setup.harness.order(setup.id)?.deliveredAt == setup.deliverBy - 1)
        #expect(setup.harness.order(setup.id)?.checkpoints.count == 5)
        var late = try shipped()
        try late.harness.advance(toParentTime: late.deliverBy)
        #expect(try late.harness.run("carrier", .orderCheckpoint(order: late.id, kind: .delivered)).code == .tecTOO_LATE)
        var noCarrier = try shipped(carrier: false)
        #expect(try noCarrier.harness.run("carrier", .orderCheckpoint(order: noCarrier.id, kind: .delivered)).code == .tecNO_PERMISSION)
    }

    @Test(arguments: [false, true])
    func confirmByBuyerCompletes(afterDelivery: Bool) throws {
        var setup = afterDelivery ? try delivered() : try shipped()
        #expect(try setup.harness.run("seller", .orderConfirm(order: setup.id)).code == .tecNO_PERMISSION)
        #expect(try setup.harness.run("buyer", .orderConfirm(order: setup.id)) == .success)
        #expect(setup.harness.order(setup.id)?.state == .completed)
        #expect(setup.harness.balance("seller") == 1_000_000 + Self.price)
        #expect(setup.harness.credit("seller").completed == 1)
        #expect(setup.harness.credit("seller").volumeSettled[H.usd] == Self.price)
        #expect(setup.harness.credit("buyer").volumeSettled[H.usd] == Self.price)
        #expect(try setup.harness.run("buyer", .orderConfirm(order: setup.id)).code == .tecWRONG_STATE)
        expectSupplyHolds(setup.harness)
    }

    @Test func confirmRefusedBeforeShipment() throws {
        var setup = try accepted()
        #expect(try setup.harness.run("buyer", .orderConfirm(order: setup.id)).code == .tecWRONG_STATE)
    }

    @Test func releaseByAnyoneAfterTheDisputeWindow() throws {
        let window = 2 * H.day
        var early = try delivered()
        let deliveredAt = early.harness.order(early.id)!.deliveredAt!
        try early.harness.advance(toParentTime: deliveredAt + window - 1)
        #expect(try early.harness.run("alice", .orderRelease(order: early.id)).code == .terTOO_EARLY)
        var setup = try delivered()
        try setup.harness.advance(toParentTime: deliveredAt + window)
        #expect(try setup.harness.run("alice", .orderRelease(order: setup.id)) == .success)
        #expect(setup.harness.order(setup.id)?.state == .completed)
        #expect(setup.harness.balance("seller") == 1_000_000 + Self.price)
    }

    @Test func releaseOfAShipmentWithoutCarrier() throws {
        let window = 2 * H.day
        var early = try shipped(carrier: false)
        try early.harness.advance(toParentTime: early.deliverBy + window - 1)
        #expect(try early.harness.run("alice", .orderRelease(order: early.id)).code == .terTOO_EARLY)
        var setup = try shipped(carrier: false)
        try setup.harness.advance(toParentTime: setup.deliverBy + window)
        #expect(try setup.harness.run("alice", .orderRelease(order: setup.id)) == .success)
        #expect(setup.harness.order(setup.id)?.state == .completed)
        // With a carrier, a shipped order is not released: it is refunded at deliver-by.
        var withCarrier = try shipped()
        try withCarrier.harness.advance(toParentTime: withCarrier.deliverBy + window)
        #expect(try withCarrier.harness.run("alice", .orderRelease(order: withCarrier.id)).code == .tecWRONG_STATE)
    }

    @Test func refundOfAShipmentWithCarrierFromDeliverBy() throws {
        var early = try shipped()
        try early.harness.advance(toParentTime: early.deliverBy - 1)
        #expect(try early.harness.run("alice", .orderRefund(order: early.id)).code == .terTOO_EARLY)
        var setup = try shipped()
        try setup.harness.advance(toParentTime: setup.deliverBy)
        #expect(try setup.harness.run("alice", .orderRefund(order: setup.id)) == .success)
        #expect(setup.harness.balance("buyer") == 1_000_000)
        var noCarrier = try shipped(carrier: false)
        try noCarrier.harness.advance(toParentTime: noCarrier.deliverBy + 10 * H.day)
        #expect(try noCarrier.harness.run("alice", .orderRefund(order: noCarrier.id)).code == .tecWRONG_STATE)
    }

    // MARK: Disputes

    @Test func disputeOfADeliveryWithinTheWindow() throws {
        let window = 2 * H.day
        var setup = try delivered()
        let deliveredAt = setup.harness.order(setup.id)!.deliveredAt!
        #expect(try setup.harness.run("alice", .orderDispute(order: setup.id, reasonHash: .zero)).code == .tecNO_PERMISSION)
        try setup.harness.advance(toParentTime: deliveredAt + window - 1)
        #expect(try setup.harness.run("seller", .orderDispute(order: setup.id, reasonHash: .zero)) == .success)
        #expect(setup.harness.credit("buyer").disputed == 1 && setup.harness.credit("seller").disputed == 1)
        var late = try delivered()
        try late.harness.advance(toParentTime: deliveredAt + window)
        #expect(try late.harness.run("buyer", .orderDispute(order: late.id, reasonHash: .zero)).code == .tecTOO_LATE)
        var noArbiter = try delivered(arbiter: false)
        #expect(try noArbiter.harness.run("buyer", .orderDispute(order: noArbiter.id, reasonHash: .zero)).code == .tecNO_PERMISSION)
    }

    @Test func disputeOfAShipment() throws {
        let window = 2 * H.day
        var withCarrier = try shipped()
        try withCarrier.harness.advance(toParentTime: withCarrier.deliverBy - 1)
        #expect(try withCarrier.harness.run("buyer", .orderDispute(order: withCarrier.id, reasonHash: .zero)) == .success)
        var lateCarrier = try shipped()
        try lateCarrier.harness.advance(toParentTime: lateCarrier.deliverBy)
        #expect(try lateCarrier.harness.run("buyer", .orderDispute(order: lateCarrier.id, reasonHash: .zero)).code == .tecTOO_LATE)
        var noCarrier = try shipped(carrier: false)
        try noCarrier.harness.advance(toParentTime: noCarrier.deliverBy + window - 1)
        #expect(try noCarrier.harness.run("buyer", .orderDispute(order: noCarrier.id, reasonHash: .zero)) == .success)
        var lateNoCarrier = try shipped(carrier: false)
        try lateNoCarrier.harness.advance(toParentTime: lateNoCarrier.deliverBy + window)
        #expect(try lateNoCarrier.harness.run("buyer", .orderDispute(order: lateNoCarrier.id, reasonHash: .zero)).code == .tecTOO_LATE)
        var accepted = try accepted()
        #expect(try accepted.harness.run("buyer", .orderDispute(order: accepted.id, reasonHash: .zero)).code == .tecWRONG_STATE)
    }

    @Test(arguments: [(UInt16(10_000), "seller"), (UInt16(7_500), "seller"), (UInt16(5_000), "neither"),
                      (UInt16(2_500), "buyer"), (UInt16(0), "buyer")])
    func resolveByArbiter(basisPoints: UInt16, winner: String) throws {
        var setup = try disputed()
        #expect(try setup.harness.run("buyer", .orderResolve(order: setup.id, sellerBasisPoints: 10_000)).code == .tecNO_PERMISSION)
        #expect(try setup.harness.run("arbiter", .orderResolve(order: setup.id, sellerBasisPoints: 10_001)).code == .temBAD_FRACTION)
        #expect(try setup.harness.run("arbiter", .orderResolve(order: setup.id, sellerBasisPoints: basisPoints)) == .success)
        let toSeller = Self.price * UInt64(basisPoints) / 10_000
        #expect(setup.harness.order(setup.id)?.state == .resolved)
        #expect(setup.harness.balance("seller") == 1_000_000 + toSeller)
        #expect(setup.harness.balance("buyer") == 1_000_000 - toSeller)
        let buyer = setup.harness.credit("buyer")
        let seller = setup.harness.credit("seller")
        switch winner {
        case "seller": #expect(seller.disputesWon == 1 && buyer.disputesLost == 1 && buyer.disputesWon == 0)
        case "buyer": #expect(buyer.disputesWon == 1 && seller.disputesLost == 1 && seller.disputesWon == 0)
        default: #expect(buyer.disputesWon + buyer.disputesLost + seller.disputesWon + seller.disputesLost == 0)
        }
        expectSupplyHolds(setup.harness)
    }

    /// Before its deadline a refund is not applied at all: its sequence stays the
    /// buyer's next, nothing changes, admission says when it applies, and a block that
    /// holds it anyway is invalid. The same transaction commits once t reaches ship-by.
    @Test func aRefundBeforeShipByWaitsInsteadOfFailing() throws {
        var setup = try accepted()
        let buyer = setup.harness.address("buyer")
        try setup.harness.advance(toParentTime: setup.shipBy - 1)
        let refund = setup.harness.tx("buyer", .orderRefund(order: setup.id))
        let sequenceBefore = setup.harness.record(.account(buyer), as: AccountState.self)?.nextSequence
        let rootBefore = setup.harness.root

        let context = Ledger.BlockContext(height: setup.harness.height + 1, time: setup.shipBy,
                                          parentTime: setup.harness.time)
        let checked = try setup.harness.ledger.check(refund, size: refund.wireEncoded.count, view: setup.harness.state,
                                                     at: context)
        #expect(checked?.code == .terTOO_EARLY && checked?.appliesFrom == setup.shipBy, "\(String(describing: checked))")
        #expect(throws: LedgerError.self) {
            try setup.harness.ledger.apply([refund], context: context, previousRoot: rootBefore, view: setup.harness.state)
        }

        let results = try setup.harness.block([refund], at: setup.shipBy)
        #expect(results.map(\.code) == [.terTOO_EARLY])
        #expect(results.first?.message.contains("ship-by \(setup.shipBy)") == true)
        #expect(setup.harness.record(.account(buyer), as: AccountState.self)?.nextSequence == sequenceBefore)
        #expect(setup.harness.order(setup.id)?.state == .accepted)

        // The parent is now at ship-by: the very same transaction applies.
        #expect(try setup.harness.ledger.check(refund, size: refund.wireEncoded.count, view: setup.harness.state,
                                               at: .init(height: setup.harness.height + 1, time: setup.harness.time + 1000,
                                                         parentTime: setup.harness.time)) == nil)
        #expect(try setup.harness.block([refund]) == [.success])
        #expect(setup.harness.order(setup.id)?.state == .refunded)
        expectSupplyHolds(setup.harness)
    }

    @Test func arbitrationWindowBoundaries() throws {
        let arbitration = 3 * H.day
        var setup = try disputed()
        let disputedAt = setup.harness.order(setup.id)!.disputedAt!
        try setup.harness.advance(toParentTime: disputedAt + arbitration - 1)
        // One block, so both see t = X − 1.
        let refund = setup.harness.tx("alice", .orderRefund(order: setup.id))
        let resolve = setup.harness.tx("arbiter", .orderResolve(order: setup.id, sellerBasisPoints: 6000))
        let results = try setup.harness.block([refund, resolve])
        #expect(results.map(\.code) == [.terTOO_EARLY, .tesSUCCESS])

        var late = try disputed()
        try late.harness.advance(toParentTime: disputedAt + arbitration)
        #expect(try late.harness.run("arbiter", .orderResolve(order: late.id, sellerBasisPoints: 6000)).code == .tecTOO_LATE)
        // Past the window anyone refunds: the buyer wins and the arbiter's record shows the timeout.
        #expect(try late.harness.run("alice", .orderRefund(order: late.id)) == .success)
        #expect(late.harness.order(late.id)?.state == .refunded)
        #expect(late.harness.balance("buyer") == 1_000_000)
        #expect(late.harness.credit("buyer").disputesWon == 1)
        #expect(late.harness.credit("seller").disputesLost == 1)
        #expect(late.harness.credit("arbiter").arbitrationTimeouts == 1)
    }

    @Test func terminalStatesRefuseEverything() throws {
        var setup = try shipped()
        #expect(try setup.harness.run("buyer", .orderConfirm(order: setup.id)) == .success)
        let id = setup.id
        let attempts: [(String, TransactionBody)] = [
            ("seller", .orderAccept(order: id)), ("seller", .orderDecline(order: id)), ("buyer", .orderCancel(order: id)),
            ("seller", .orderRefund(order: id)), ("alice", .orderRefund(order: id)),
            ("seller", .orderShip(order: id, trackingHash: .zero)), ("carrier", .orderCheckpoint(order: id, kind: .delivered)),
            ("buyer", .orderConfirm(order: id)), ("alice", .orderRelease(order: id)),
            ("buyer", .orderDispute(order: id, reasonHash: .zero)), ("arbiter", .orderResolve(order: id, sellerBasisPoints: 1)),
        ]
        for (name, body) in attempts {
            let result = try setup.harness.run(name, body)
            #expect(result.code == .tecWRONG_STATE || result.code == .tecNO_PERMISSION, "\(body.kind): \(result)")
        }
        #expect(try setup.harness.run("buyer", .orderConfirm(order: Bytes32.zero)).code == .tecNO_ENTRY)
        #expect(setup.harness.balance("seller") == 1_000_000 + Self.price)
    }
}
