import Testing
import TradewindCrypto
import TradewindLedger
import TradewindWire

@Suite struct FXTests {
    typealias H = LedgerHarness

    /// An order priced 10,001 EUR minor units, paid in USD at 1.0873 USD per EUR
    /// (10873 / 10000): the buyer's leg is ⌈10001 × 10873 / 10000⌉ = 10875 (10874.0873… rounded up).
    func fxOrder() throws -> (H, Bytes32) {
        var harness = H()
        let quote = FXQuote(
            provider: harness.address("fx"), buyer: harness.address("buyer"), buyerAsset: H.usd, sellerAsset: H.eur,
            rateNumerator: 10_873, rateDenominator: 10_000, maxAmount: 50_000, expiryHeight: 100, quoteID: 7
        ).signed(by: harness.keys["fx"]!, network: harness.network)
        let terms = OrderTerms(
            seller: harness.address("seller"), asset: H.eur, price: 10_001, carrier: harness.address("carrier"),
            arbiter: harness.address("arbiter"), goodsHash: .zero, shipBy: H.genesisTime + 10 * H.day,
            deliverBy: H.genesisTime + 20 * H.day, fxQuote: quote)
        let create = harness.tx("buyer", .orderCreate(terms))
        #expect(try harness.block([create]) == [.success])
        #expect(harness.balance("buyer", H.usd) == 1_000_000 - 10_875)
        #expect(harness.balance("fx", H.eur) == 1_000_000 - 10_001)
        #expect(harness.order(create.id)?.legs.map(\.amount) == [10_001, 10_875])
        #expect(try harness.run("seller", .orderAccept(order: create.id)) == .success)
        #expect(try harness.run("seller", .orderShip(order: create.id, trackingHash: .zero)) == .success)
        return (harness, create.id)
    }

    @Test func conversionRoundsUpWith128BitIntermediates() {
        #expect(FX.convertRoundingUp(10_001, numerator: 10_873, denominator: 10_000) == 10_875)
        #expect(FX.convertRoundingUp(10_000, numerator: 10_873, denominator: 10_000) == 10_873)
        #expect(FX.convertRoundingUp(UInt64.max, numerator: 1, denominator: 1) == UInt64.max)
        #expect(FX.convertRoundingUp(UInt64.max, numerator: 3, denominator: 3) == UInt64.max)
        #expect(FX.convertRoundingUp(UInt64.max, numerator: 2, denominator: 1) == nil)
        #expect(FX.convertRoundingUp(1 << 40, numerator: 1 << 40, denominator: 1 << 30) == 1 << 50)
        #expect(FX.fraction(10_875, basisPoints: 3_333) == 3_624) // 3624.6375 rounded down
        #expect(FX.fraction(UInt64.max, basisPoints: 10_000) == UInt64.max)
    }

    @Test func completionPaysBothLegsOnward() throws {
        var (harness, id) = try fxOrder()
        #expect(try harness.run("buyer", .orderConfirm(order: id)) == .success)
        #expect(harness.balance("seller", H.eur) == 1_000_000 + 10_001)
        #expect(harness.balance("fx", H.usd) == 1_000_000 + 10_875)
        #expect(harness.balance("buyer", H.usd) == 1_000_000 - 10_875)
        #expect(harness.credit("buyer").volumeSettled[H.usd] == 10_875)
        #expect(harness.credit("seller").volumeSettled[H.eur] == 10_001)
    }

    @Test func refundReturnsEachLegToItsOwner() throws {
        var (harness, id) = try fxOrder()
        #expect(try harness.run("seller", .orderRefund(order: id)) == .success)
        #expect(harness.balance("buyer", H.usd) == 1_000_000)
        #expect(harness.balance("fx", H.eur) == 1_000_000)
        #expect(harness.balance("seller", H.eur) == 1_000_000)
    }

    @Test func resolutionSplitsEachLegRoundingDown() throws {
        var (harness, id) = try fxOrder()
        #expect(try harness.run("buyer", .orderDispute(order: id, reasonHash: .zero)) == .success)
        #expect(try harness.run("arbiter", .orderResolve(order: id, sellerBasisPoints: 3_333)) == .success)
        // Seller's leg: ⌊10001 × 0.3333⌋ = 3333 to the seller, 6668 back to the provider.
        #expect(harness.balance("seller", H.eur) == 1_000_000 + 3_333)
        #expect(harness.balance("fx", H.eur) == 1_000_000 - 3_333)
        // Buyer's leg: ⌊10875 × 0.3333⌋ = 3624 to the provider, 7251 back to the buyer.
        #expect(harness.balance("fx", H.usd) == 1_000_000 + 3_624)
        #expect(harness.balance("buyer", H.usd) == 1_000_000 - 3_624)
        for asset in [H.usd, H.eur] {
            let check = harness.supplyCheck(asset)
            #expect(check.accounted == check.outstanding)
        }
    }

    @Test func quoteRules() throws {
        var harness = H()
        func quote(_ id: UInt64, max: UInt64 = 50_000, expiry: UInt64 = 100, signer: String = "fx") -> FXQuote {
            FXQuote(provider: harness.address("fx"), buyer: harness.address("buyer"), buyerAsset: H.usd, sellerAsset: H.eur,
                    rateNumerator: 11, rateDenominator: 10, maxAmount: max, expiryHeight: expiry, quoteID: id)
                .signed(by: harness.keys[signer]!, network: harness.network)
        }
        func order(_ quote: FXQuote, price: UInt64 = 1000) -> TransactionBody {
            .orderCreate(OrderTerms(seller: harness.address("seller"), asset: H.eur, price: price, goodsHash: .zero,
                                    shipBy: H.genesisTime + H.day, deliverBy: H.genesisTime + 2 * H.day, fxQuote: quote))
        }
        #expect(try harness.run("buyer", order(quote(1, signer: "alice"))).code == .temBAD_QUOTE)
        #expect(try harness.run("buyer", order(quote(1, max: 999))).code == .tecQUOTE_LIMIT)
        #expect(try harness.run("buyer", order(quote(1))).code == .tesSUCCESS)
        #expect(try harness.run("buyer", order(quote(1))).code == .tecQUOTE_USED)
        let expiring = quote(2, expiry: harness.height + 1)
        try harness.block([])
        try harness.block([])
        #expect(try harness.run("buyer", order(expiring)).code == .tecQUOTE_EXPIRED)
        // Someone else cannot use a quote made out to the buyer.
        #expect(try harness.run("alice", order(quote(3))).code == .temQUOTE_WRONG_BUYER)
    }

    /// A quote for 1000 EUR paid in USD at 11/10, up to 5000, valid to height 50, by "fx" for "buyer".
    func quote(_ harness: H, id: UInt64 = 9, buyer: String = "buyer", pay: AssetCode = H.usd, receive: AssetCode = H.eur,
               rate: (UInt64, UInt64) = (11, 10), max: UInt64 = 5000, expiry: UInt64 = 50) -> FXQuote {
        FXQuote(provider: harness.address("fx"), buyer: harness.address(buyer), buyerAsset: pay, sellerAsset: receive,
                rateNumerator: rate.0, rateDenominator: rate.1, maxAmount: max, expiryHeight: expiry, quoteID: id)
            .signed(by: harness.keys["fx"]!, network: harness.network)
    }

    func order(_ harness: H, _ quote: FXQuote, asset: AssetCode = H.eur, price: UInt64 = 1000) -> TransactionBody {
        .orderCreate(OrderTerms(seller: harness.address("seller"), asset: asset, price: price, goodsHash: .zero,
                                shipBy: H.genesisTime + H.day, deliverBy: H.genesisTime + 2 * H.day, fxQuote: quote))
    }

    /// The user sees why a quote is refused: each reason has its own code, and the
    /// message names the values at fault. The malformed ones (tem) are refused at
    /// admission, before any block.
    @Test func aRefusedQuoteNamesItsReason() throws {
        var harness = H()
        let buyer = harness.address("buyer"), alice = harness.address("alice"), fx = harness.address("fx")

        let wrongBuyer = try harness.run("alice", order(harness, quote(harness)))
        #expect(wrongBuyer.code == .temQUOTE_WRONG_BUYER)
        #expect(wrongBuyer.message.contains("quote 9 of \(fx)") && wrongBuyer.message.contains("\(buyer)")
                && wrongBuyer.message.contains("\(alice)"), "\(wrongBuyer.message)")

        let mismatch = try harness.run("buyer", order(harness, quote(harness), asset: H.usd))
        #expect(mismatch.code == .temQUOTE_ASSETS)
        #expect(mismatch.message.contains("converts USD to EUR; the order is priced in USD"), "\(mismatch.message)")

        let zeroRate = try harness.run("buyer", order(harness, quote(harness, rate: (0, 10))))
        #expect(zeroRate.code == .temBAD_QUOTE)
        #expect(zeroRate.message.contains("rate 0/10"), "\(zeroRate.message)")

        var forged = quote(harness)
        forged.maxAmount = 1_000_000 // changed after signing
        let badSignature = try harness.run("buyer", order(harness, forged))
        #expect(badSignature.code == .temBAD_QUOTE)
        #expect(badSignature.message.contains("signature of quote 9"), "\(badSignature.message)")

        let overMaximum = try harness.run("buyer", order(harness, quote(harness), price: 5001))
        #expect(overMaximum.code == .tecQUOTE_LIMIT)
        #expect(overMaximum.message.contains("5001") && overMaximum.message.contains("5000"), "\(overMaximum.message)")

        let expired = try harness.run("buyer", order(harness, quote(harness, expiry: 1)))
        #expect(expired.code == .tecQUOTE_EXPIRED)
        #expect(expired.message.contains("height 1") && expired.message.contains("is \(harness.height)"), "\(expired.message)")

        #expect(try harness.run("buyer", order(harness, quote(harness))) == .success)
        let reused = try harness.run("buyer", order(harness, quote(harness)))
        #expect(reused.code == .tecQUOTE_USED)
        #expect(reused.message.contains("quote 9 of \(fx)"), "\(reused.message)")

        // Malformed is refused at admission, with the same message.
        let refused = harness.tx("alice", order(harness, quote(harness, id: 10)), sequence: harness.sequences[alice] ?? 0)
        let admission = try harness.ledger.check(
            refused, size: refused.wireEncoded.count, view: harness.state,
            at: .init(height: harness.height + 1, time: harness.time + 1000, parentTime: harness.time))
        #expect(admission?.code == .temQUOTE_WRONG_BUYER)
    }

    /// A quote converting an asset into itself (USD for USD) is malformed, whatever the order.
    @Test func aQuoteBetweenAnAssetAndItselfIsRefused() throws {
        var harness = H()
        let usdForUSD = quote(harness, pay: H.usd, receive: H.usd)
        let result = try harness.run("buyer", order(harness, usdForUSD, asset: H.usd))
        #expect(result.code == .temQUOTE_SAME_ASSET)
        #expect(result.message.contains("converts USD to USD"), "\(result.message)")
        #expect(harness.balance("buyer") == 1_000_000 && harness.balance("fx") == 1_000_000)
        // Nothing applied: the buyer's next sequence is unchanged.
        #expect(harness.record(.account(harness.address("buyer")), as: AccountState.self)?.nextSequence == 0)
    }

    /// The provider is a party of the order like the others, and the code says so.
    @Test func aProviderQuotingItsOwnSaleIsRefusedAsTheSameParty() throws {
        var harness = H()
        let ownSale = FXQuote(provider: harness.address("seller"), buyer: harness.address("buyer"), buyerAsset: H.usd,
                              sellerAsset: H.eur, rateNumerator: 1, rateDenominator: 1, maxAmount: 5000, expiryHeight: 50,
                              quoteID: 1).signed(by: harness.keys["seller"]!, network: harness.network)
        let result = try harness.run("buyer", order(harness, ownSale))
        #expect(result.code == .temBAD_PARTIES)
        #expect(result.message.contains("FX provider \(harness.address("seller")) is also the seller"), "\(result.message)")
    }
}

@Suite struct AccountRulesTests {
    typealias H = LedgerHarness

    @Test func transfersAndResultClasses() throws {
        var harness = H()
        let bob = harness.address("bob")
        #expect(try harness.run("alice", .transfer(to: bob, asset: H.usd, amount: 250, memo: [])) == .success)
        #expect(harness.balance("alice") == 1_000_000 - 250 && harness.balance("bob") == 1_000_000 + 250)
        #expect(try harness.run("alice", .transfer(to: bob, asset: H.usd, amount: 0, memo: [])).code == .temBAD_AMOUNT)
        #expect(try harness.run("alice", .transfer(to: bob, asset: AssetCode("XYZ")!, amount: 1, memo: [])).code == .temUNKNOWN_ASSET)
        #expect(try harness.run("alice", .transfer(to: harness.address("alice"), asset: H.usd, amount: 1, memo: [])).code == .temREDUNDANT)
        // Applied but failed: the sequence is consumed, the balance untouched.
        let before = harness.sequences[harness.address("alice")]!
        #expect(try harness.run("alice", .transfer(to: bob, asset: H.usd, amount: 5_000_000, memo: [])).code == .tecINSUFFICIENT_FUNDS)
        #expect(harness.record(.account(harness.address("alice")), as: AccountState.self)?.nextSequence == before + 1)
        // Sequence rules.
        let used = harness.tx("alice", .transfer(to: bob, asset: H.usd, amount: 1, memo: []), sequence: 0)
        let ahead = harness.tx("alice", .transfer(to: bob, asset: H.usd, amount: 1, memo: []), sequence: 99)
        let expired = harness.tx("alice", .transfer(to: bob, asset: H.usd, amount: 1, memo: []), sequence: before + 1, lastValid: 1)
        #expect(try harness.block([used, ahead, expired]).map(\.code) == [.tefPAST_SEQ, .terPRE_SEQ, .tefEXPIRED])
        // A forged signature is malformed.
        var forged = harness.tx("alice", .transfer(to: bob, asset: H.usd, amount: 1, memo: []))
        forged.signature = Bytes64(low: forged.signature.high, high: forged.signature.low)
        #expect(try harness.block([forged])[0].code == .temBAD_SIGNATURE)
        // An unknown sender.
        let stranger = Transaction(sender: harness.address("usdIssuer"), sequence: 0, lastValidHeight: 10,
                                   body: .redeem(asset: H.usd, amount: 1)).signed(by: harness.keys["usdIssuer"]!, network: harness.network)
        #expect(try harness.block([stranger])[0].code == .tecINSUFFICIENT_FUNDS)
        let nobody = Ed25519.PrivateKey.generate()
        let ghost = Transaction(sender: nobody.publicKey.address, sequence: 0, lastValidHeight: 10,
                                body: .setDepositAuth(enabled: true)).signed(by: nobody, network: harness.network)
        #expect(try harness.block([ghost])[0].code == .tefNO_ACCOUNT)
        // Messages carry the offending values.
        let result = try harness.run("alice", .transfer(to: bob, asset: H.usd, amount: 9_999_999, memo: []))
        #expect(result.message.contains("9999999"))
    }

    /// A block's replay skips the signature check for the ids a peer says it checked
    /// already (its mempool's) and verifies every other one.
    @Test func onlyListedTransactionsSkipTheSignatureCheck() throws {
        var harness = H()
        let bob = harness.address("bob")
        func forged(_ amount: UInt64) -> Transaction {
            var transaction = harness.tx("alice", .transfer(to: bob, asset: H.usd, amount: amount, memo: []))
            transaction.signature = Bytes64(low: transaction.signature.high, high: transaction.signature.low)
            return transaction
        }
        let listed = forged(1)
        let skipped: SignatureChecks = .allExcept([IdentifiedTransaction(listed).id])
        #expect(try harness.block([forged(2)], signatures: skipped)[0].code == .temBAD_SIGNATURE)
        #expect(try harness.block([listed], signatures: skipped)[0].code == .tesSUCCESS)
        #expect(harness.balance("bob") == 1_000_000 + 1)
    }

    @Test func issueAndRedeemByTheIssuerOnly() throws {
        var harness = H()
        let alice = harness.address("alice")
        #expect(try harness.run("alice", .issue(to: alice, asset: H.usd, amount: 5)).code == .tecNO_PERMISSION)
        #expect(try harness.run("usdIssuer", .issue(to: alice, asset: H.usd, amount: 500)) == .success)
        #expect(harness.balance("alice") == 1_000_500)
        #expect(try harness.run("usdIssuer", .issue(to: harness.address("usdIssuer"), asset: H.usd, amount: 100)) == .success)
        #expect(try harness.run("usdIssuer", .redeem(asset: H.usd, amount: 60)) == .success)
        let supply = harness.record(.supply(H.usd), as: Supply.self)!
        #expect(supply.issued == 7 * 2 * 1_000_000 / 2 + 600 && supply.redeemed == 60)
        let check = harness.supplyCheck(H.usd)
        #expect(check.accounted == check.outstanding)
    }

    @Test func depositAuthorization() throws {
        var harness = H()
        let bob = harness.address("bob")
        #expect(try harness.run("bob", .setDepositAuth(enabled: true)) == .success)
        #expect(try harness.run("alice", .transfer(to: bob, asset: H.usd, amount: 1, memo: [])).code == .tecDEPOSIT_AUTH)
        #expect(try harness.run("bob", .preauthorize(account: harness.address("alice"), authorized: true)) == .success)
        #expect(try harness.run("alice", .transfer(to: bob, asset: H.usd, amount: 1, memo: [])) == .success)
        #expect(try harness.run("bob", .preauthorize(account: harness.address("alice"), authorized: false)) == .success)
        #expect(try harness.run("alice", .transfer(to: bob, asset: H.usd, amount: 1, memo: [])).code == .tecDEPOSIT_AUTH)
    }

    /// Order payouts ignore deposit authorization, and a payout to a frozen account
    /// is held for it: the order still ends, and the account claims once unfrozen.
    @Test func payoutToAFrozenAccountIsHeldAndClaimed() throws {
        var harness = H()
        let seller = harness.address("seller")
        #expect(try harness.run("seller", .setDepositAuth(enabled: true)) == .success)
        let terms = OrderTerms(seller: seller, asset: H.usd, price: 700, goodsHash: .zero,
                               shipBy: H.genesisTime + H.day, deliverBy: H.genesisTime + 2 * H.day)
        let create = harness.tx("buyer", .orderCreate(terms))
        #expect(try harness.block([create]) == [.success])
        #expect(try harness.run("seller", .orderAccept(order: create.id)) == .success)
        #expect(try harness.run("seller", .orderShip(order: create.id, trackingHash: .zero)) == .success)
        #expect(try harness.run("auth2", .freeze(account: seller)) == .success)
        // Frozen: neither sends nor receives.
        #expect(try harness.run("seller", .transfer(to: harness.address("bob"), asset: H.usd, amount: 1, memo: [])).code == .tecFROZEN)
        #expect(try harness.run("alice", .transfer(to: seller, asset: H.usd, amount: 1, memo: [])).code == .tecFROZEN)
        #expect(try harness.run("buyer", .orderConfirm(order: create.id)) == .success)
        #expect(harness.order(create.id)?.state == .completed)
        #expect(harness.held("seller") == 700)
        #expect(harness.balance("seller") == 1_000_000)
        #expect(try harness.run("seller", .claim(asset: H.usd)).code == .tecFROZEN)
        #expect(try harness.run("auth3", .unfreeze(account: seller)) == .success)
        #expect(try harness.run("seller", .claim(asset: H.usd)) == .success)
        #expect(harness.balance("seller") == 1_000_700 && harness.held("seller") == 0)
        #expect(try harness.run("seller", .claim(asset: H.usd)).code == .tecNO_ENTRY)
        #expect(try harness.run("alice", .freeze(account: harness.address("bob"))).code == .tecNO_PERMISSION)
        let check = harness.supplyCheck(H.usd)
        #expect(check.accounted == check.outstanding)
    }

    /// Freezing and unfreezing are symmetric: each fails (tec, the sequence consumed)
    /// when it would change nothing, and neither creates an account.
    @Test func unfreezingAnAccountThatIsNotFrozenChangesNothing() throws {
        var harness = H()
        let bob = harness.address("bob")
        let result = try harness.run("auth1", .unfreeze(account: bob))
        #expect(result.code == .tecNO_CHANGE)
        #expect(result.message.contains("\(bob) is not frozen"), "\(result.message)")
        #expect(harness.record(.account(harness.address("auth1")), as: AccountState.self)?.nextSequence == 1)
        let stranger = Ed25519.PrivateKey.generate().publicKey.address
        #expect(try harness.run("auth1", .unfreeze(account: stranger)).code == .tecNO_CHANGE)
        #expect(harness.record(.account(stranger), as: AccountState.self) == nil)

        #expect(try harness.run("auth1", .freeze(account: bob)) == .success)
        let again = try harness.run("auth2", .freeze(account: bob))
        #expect(again.code == .tecNO_CHANGE)
        #expect(again.message.contains("\(bob) is already frozen"), "\(again.message)")
        #expect(try harness.run("auth2", .unfreeze(account: bob)) == .success)
        #expect(try harness.run("auth2", .unfreeze(account: bob)).code == .tecNO_CHANGE)
        #expect(harness.record(.account(bob), as: AccountState.self)?.frozen == false)
    }

    /// A frozen authority still freezes and unfreezes others, but lifting its own
    /// freeze takes another authority.
    @Test func aFrozenAuthorityCannotLiftItsOwnFreeze() throws {
        var harness = H()
        let auth2 = harness.address("auth2")
        #expect(try harness.run("auth1", .freeze(account: auth2)) == .success)
        let own = try harness.run("auth2", .unfreeze(account: auth2))
        #expect(own.code == .tecFROZEN)
        #expect(own.message.contains("\(auth2) cannot lift its own freeze"), "\(own.message)")
        #expect(harness.record(.account(auth2), as: AccountState.self)?.frozen == true)
        #expect(try harness.run("auth2", .freeze(account: harness.address("bob"))) == .success)
        #expect(try harness.run("auth2", .unfreeze(account: harness.address("bob"))) == .success)
        #expect(try harness.run("auth3", .unfreeze(account: auth2)) == .success)
        #expect(harness.record(.account(auth2), as: AccountState.self)?.frozen == false)
    }

    /// More than two thirds of the authorities voting for a change at height H:
    /// it takes effect at H + 2, and block H's header carries the new set.
    @Test func governanceTakesEffectTwoBlocksLater() throws {
        var harness = H()
        let newcomer = harness.address("alice")
        let change = AuthorityChange.add(newcomer)
        #expect(try harness.run("alice", .authorityVote(change)).code == .tecNO_PERMISSION)
        #expect(try harness.run("auth1", .authorityVote(change)) == .success)
        #expect(try harness.run("auth1", .authorityVote(change)).code == .tecDUPLICATE_VOTE)
        #expect(try harness.run("auth2", .authorityVote(change)) == .success)
        #expect(harness.nextAuthorities.isEmpty) // 2 of 4 is not more than two thirds
        #expect(try harness.run("auth3", .authorityVote(change)) == .success) // 3 of 4
        let decidedAt = harness.height
        #expect(harness.nextAuthorities.count == 1)
        #expect(harness.nextAuthorities[0].contains(newcomer) && harness.nextAuthorities[0].count == 5)
        #expect(!harness.chain.authorities.contains(newcomer))
        try harness.block([])
        #expect(harness.height == decidedAt + 1 && !harness.chain.authorities.contains(newcomer))
        try harness.block([])
        #expect(harness.height == decidedAt + 2 && harness.chain.authorities.contains(newcomer))
        // The newcomer now acts as an authority; removing one needs four of five.
        let removal = AuthorityChange.remove(harness.address("auth4"))
        for (index, name) in ["alice", "auth1", "auth2"].enumerated() {
            #expect(try harness.run(name, .authorityVote(removal)) == .success, "vote \(index)")
        }
        #expect(harness.nextAuthorities.count == 1)
        #expect(try harness.run("auth3", .authorityVote(removal)) == .success)
        #expect(harness.nextAuthorities.count == 2 && harness.nextAuthorities[1].count == 4)
        try harness.block([])
        try harness.block([])
        #expect(!harness.chain.authorities.contains(harness.address("auth4")))
        #expect(try harness.run("auth4", .freeze(account: harness.address("bob"))).code == .tecNO_PERMISSION)
    }

    @Test func blocksMustFollowTheirParent() throws {
        var harness = H()
        let view = harness.state
        #expect(throws: LedgerError.self) {
            try harness.ledger.execute([], context: .init(height: 5, time: harness.time + 1, parentTime: harness.time),
                                       previousRoot: harness.root, view: view)
        }
        #expect(throws: LedgerError.self) {
            try harness.ledger.execute([], context: .init(height: 1, time: harness.time, parentTime: harness.time),
                                       previousRoot: harness.root, view: view)
        }
        // A validator refuses a block holding a transaction that cannot apply.
        let bad = harness.tx("alice", .transfer(to: harness.address("bob"), asset: H.usd, amount: 1, memo: []), sequence: 42)
        #expect(throws: LedgerError.self) {
            try harness.ledger.apply([bad], context: .init(height: 1, time: harness.time + 1, parentTime: harness.time),
                                     previousRoot: harness.root, view: view)
        }
    }
}

@Suite struct ResultCodeTests {
    @Test func codesHaveStableNumbersNamesAndClasses() {
        #expect(ResultCode.tesSUCCESS.label == "tesSUCCESS (0)")
        #expect(ResultCode.tecFROZEN.label == "tecFROZEN (402)")
        for code in ResultCode.allCases {
            let prefix = String(code.name.prefix(3))
            let expected: ResultCode.Class = ["tes": .success, "tem": .malformed, "tef": .cannotApplyNow, "ter": .retry,
                                              "tec": .appliedButFailed][prefix]!
            #expect(code.resultClass == expected, "\(code.label)")
        }
        #expect(Set(ResultCode.allCases.map(\.rawValue)).count == ResultCode.allCases.count)
        #expect(ResultCode.temQUOTE_WRONG_BUYER.label == "temQUOTE_WRONG_BUYER (111)")
        #expect(ResultCode.temQUOTE_ASSETS.label == "temQUOTE_ASSETS (112)")
        #expect(ResultCode.temQUOTE_SAME_ASSET.label == "temQUOTE_SAME_ASSET (113)")
    }
}
