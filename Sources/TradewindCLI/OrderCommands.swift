import ArgumentParser
import Foundation
import TradewindCrypto
import TradewindLedger
import TradewindPeer
import TradewindWire

/// The escrowed order's life: each subcommand is one transaction by the party allowed to make it.
struct OrderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "order", abstract: "Create and move escrowed orders.",
        discussion: """
            The buyer creates an order (its payment is locked on the ledger); the seller \
            accepts or declines; the buyer may cancel until ship-by; the seller ships and may \
            refund the buyer at any time until the order ends; the carrier records \
            checkpoints (delivered ends transport); the buyer confirms; the buyer or the \
            seller disputes within the dispute window (orders with an arbiter); after the \
            dispute window anyone may release; after a missed deadline anyone may refund; \
            the arbiter resolves disputes. `order show` lists what can happen next, by whom, \
            from when (the table in docs/ARCHITECTURE.md, "Orders").
            """,
        subcommands: [Show.self, Create.self, Accept.self, Decline.self, Cancel.self, Ship.self, Checkpoint.self,
                      Confirm.self, Release.self, Refund.self, Dispute.self, Resolve.self],
        defaultSubcommand: Show.self)

    struct Create: SubmittingCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an order and lock its payment \(OrderText.by(OrderRules.parties(of: .orderCreate))).")
        @OptionGroup var options: SubmitOptions
        @Option(name: .long, help: "The seller's address.") var seller: String
        @Option(name: .long, parsing: .unconditional, help: "The price, like 250.00, in --asset.", transform: DecimalText.amount)
        var amount: DecimalText
        @Option(name: .long, help: "The price's asset (the seller's).") var asset: String
        @Option(name: .long, help: "The carrier that may record checkpoints.") var carrier: String?
        @Option(name: .long, help: "The arbiter of disputes.") var arbiter: String?
        @Option(name: .long, parsing: .unconditional, help: "Ship-by deadline: 90s, 10m, 2h, 3d or Unix ms.", transform: DeadlineText.option)
        var shipBy: DeadlineText
        @Option(name: .long, parsing: .unconditional, help: "Deliver-by deadline.", transform: DeadlineText.option) var deliverBy: DeadlineText
        @Option(name: .long, help: "A description of the goods (only its hash goes on the ledger).") var goods: String = ""
        @Flag(name: .long, help: "Require the seller to be a verified merchant.") var verifiedMerchant = false
        @Option(name: .long, help: "An FX quote file from `tradewind fx quote`: pay in the quote's asset at its rate.") var quote: String?

        func validate() throws {
            _ = try parseAddress(seller, "--seller")
            _ = try carrier.map { try parseAddress($0, "--carrier") }
            _ = try arbiter.map { try parseAddress($0, "--arbiter") }
        }

        func body(_ network: NetworkFacts) throws -> TransactionBody {
            let (code, price) = try network.amount(amount, asset: asset, option: "--amount")
            var fxQuote: FXQuote?
            if let quote { fxQuote = try QuoteFile.read(quote) }
            let terms = OrderTerms(
                seller: try parseAddress(seller, "--seller"), asset: code, price: price,
                carrier: try carrier.map { try parseAddress($0, "--carrier") },
                arbiter: try arbiter.map { try parseAddress($0, "--arbiter") }, goodsHash: Blake2b.hash256(Array(goods.utf8)),
                shipBy: try network.time(shipBy, option: "--ship-by"), deliverBy: try network.time(deliverBy, option: "--deliver-by"),
                requireVerifiedMerchant: verifiedMerchant, fxQuote: fxQuote)
            return .orderCreate(terms)
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show an order: its legs, times, open windows, and what can happen next, by whom, from when.")
        @OptionGroup var access: PeerAccess
        @Argument(help: "The order id (the id of the transaction that created it).") var id: String

        func run() throws {
            let orderID = try parseID(id)
            let view: OrderView
            if let store = try access.offlineStore() {
                guard let found = try ChainReader(store: store).order(orderID, parameters: try access.offlineParameters()) else {
                    throw CLIError("no order \(id)")
                }
                view = found
            } else {
                let client = try access.client()
                view = try client.decode(OrderView.self, try client.get("/orders/\(id)"))
            }
            let now = TimeText.now
            access.print(view) { OrderText.render($0, now: now) }
        }
    }

    struct Accept: SubmittingCommand {
        static let configuration = CommandConfiguration(
            abstract: "Accept a created order before ship-by \(OrderText.by(OrderRules.parties(of: .orderAccept))).")
        @OptionGroup var options: SubmitOptions
        @Argument(help: "The order id.") var id: String
        func validate() throws { _ = try parseID(id) }
        func body(_ network: NetworkFacts) throws -> TransactionBody { .orderAccept(order: try parseID(id)) }
    }

    struct Decline: SubmittingCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decline a created order; the buyer is refunded \(OrderText.by(OrderRules.parties(of: .orderDecline))).")
        @OptionGroup var options: SubmitOptions
        @Argument(help: "The order id.") var id: String
        func validate() throws { _ = try parseID(id) }
        func body(_ network: NetworkFacts) throws -> TransactionBody { .orderDecline(order: try parseID(id)) }
    }

    struct Cancel: SubmittingCommand {
        static let configuration = CommandConfiguration(
            abstract: "Cancel a created or accepted order before ship-by; the buyer is refunded \(OrderText.by(OrderRules.parties(of: .orderCancel))).")
        @OptionGroup var options: SubmitOptions
        @Argument(help: "The order id.") var id: String
        func validate() throws { _ = try parseID(id) }
        func body(_ network: NetworkFacts) throws -> TransactionBody { .orderCancel(order: try parseID(id)) }
    }

    struct Ship: SubmittingCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record the shipment of an accepted order before ship-by \(OrderText.by(OrderRules.parties(of: .orderShip))).")
        @OptionGroup var options: SubmitOptions
        @Argument(help: "The order id.") var id: String
        @Option(name: .long, help: "The tracking reference (only its hash goes on the ledger).") var tracking: String = ""
        func validate() throws { _ = try parseID(id) }
        func body(_ network: NetworkFacts) throws -> TransactionBody {
            .orderShip(order: try parseID(id), trackingHash: Blake2b.hash256(Array(tracking.utf8)))
        }
    }

    struct Checkpoint: SubmittingCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record a transport checkpoint before deliver-by; delivered ends transport \(OrderText.by(OrderRules.parties(of: .orderCheckpoint))).")
        @OptionGroup var options: SubmitOptions
        @Argument(help: "The order id.") var id: String
        @Option(name: .long, help: "picked-up, in-transit, customs, out-for-delivery or delivered.") var kind: String

        static let kinds: [String: CheckpointKind] = ["picked-up": .pickedUp, "in-transit": .inTransit, "customs": .customs,
                                                      "out-for-delivery": .outForDelivery, "delivered": .delivered]

        func validate() throws {
            _ = try parseID(id)
            _ = try checkpoint()
        }

        func checkpoint() throws -> CheckpointKind {
            guard let checkpoint = Self.kinds[kind] else {
                throw ValidationError("unknown checkpoint '\(kind)'; one of \(Self.kinds.keys.sorted().joined(separator: ", "))")
            }
            return checkpoint
        }

        func body(_ network: NetworkFacts) throws -> TransactionBody { .orderCheckpoint(order: try parseID(id), kind: try checkpoint()) }
    }

    struct Confirm: SubmittingCommand {
        static let configuration = CommandConfiguration(
            abstract: "Confirm receipt of a shipped or delivered order; the seller is paid \(OrderText.by(OrderRules.parties(of: .orderConfirm))).")
        @OptionGroup var options: SubmitOptions
        @Argument(help: "The order id.") var id: String
        func validate() throws { _ = try parseID(id) }
        func body(_ network: NetworkFacts) throws -> TransactionBody { .orderConfirm(order: try parseID(id)) }
    }

    struct Release: SubmittingCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pay the seller once the dispute window has passed, after delivery (or after deliver-by without a carrier) \(OrderText.by(OrderRules.parties(of: .orderRelease))).")
        @OptionGroup var options: SubmitOptions
        @Argument(help: "The order id.") var id: String
        func validate() throws { _ = try parseID(id) }
        func body(_ network: NetworkFacts) throws -> TransactionBody { .orderRelease(order: try parseID(id)) }
    }

    struct Refund: SubmittingCommand {
        static let configuration = CommandConfiguration(
            abstract: "Refund the buyer: the seller at any time until the order ends; anyone after ship-by if not shipped, after deliver-by if not delivered (with a carrier), or after the arbitration window \(OrderText.by(OrderRules.parties(of: .orderRefund))).")
        @OptionGroup var options: SubmitOptions
        @Argument(help: "The order id.") var id: String
        func validate() throws { _ = try parseID(id) }
        func body(_ network: NetworkFacts) throws -> TransactionBody { .orderRefund(order: try parseID(id)) }
    }

    struct Dispute: SubmittingCommand {
        static let configuration = CommandConfiguration(
            abstract: "Dispute a shipped or delivered order within the dispute window, if it has an arbiter \(OrderText.by(OrderRules.parties(of: .orderDispute))).")
        @OptionGroup var options: SubmitOptions
        @Argument(help: "The order id.") var id: String
        @Option(name: .long, help: "Why (only its hash goes on the ledger).") var reason: String = ""
        func validate() throws { _ = try parseID(id) }
        func body(_ network: NetworkFacts) throws -> TransactionBody {
            .orderDispute(order: try parseID(id), reasonHash: Blake2b.hash256(Array(reason.utf8)))
        }
    }

    struct Resolve: SubmittingCommand {
        static let configuration = CommandConfiguration(
            abstract: "Resolve a dispute within the arbitration window: the seller's share in percent, the rest to the buyer \(OrderText.by(OrderRules.parties(of: .orderResolve))).")
        @OptionGroup var options: SubmitOptions
        @Argument(help: "The order id.") var id: String
        @Option(name: .long, parsing: .unconditional, help: "The seller's share, 0 to 100 (up to two decimals).", transform: parsePercentage)
        var sellerShare: UInt16

        func validate() throws { _ = try parseID(id) }
        func body(_ network: NetworkFacts) throws -> TransactionBody { .orderResolve(order: try parseID(id), sellerBasisPoints: sellerShare) }
    }
}

/// A signed FX quote as a file the provider hands to a buyer.
enum QuoteFile {
    struct Contents: Codable {
        var provider: String
        var buyer: String
        var pay: String
        var receive: String
        var rate: String
        var maxAmount: String
        var expiryHeight: UInt64
        var quoteID: UInt64
        /// The canonical encoding of the signed quote, in hex.
        var quote: String
    }

    static func read(_ path: String) throws -> FXQuote {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch { throw CLIError("cannot read quote \(path): \(error.localizedDescription)") }
        guard let contents = try? JSONDecoder().decode(Contents.self, from: data), let bytes = Hex.decode(contents.quote) else {
            throw CLIError("\(path) is not a quote file from `tradewind fx quote`")
        }
        do { return try FXQuote(wireEncoded: bytes) } catch { throw CLIError("the quote in \(path) does not decode: \(error)") }
    }
}

struct FXCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "fx", abstract: "FX quotes.", subcommands: [Quote.self])

    struct Quote: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sign an FX quote for a buyer (the FX provider): the provider pays the seller and the buyer pays the provider at the rate.")
        @OptionGroup var access: PeerAccess
        @OptionGroup var wallet: WalletOptions
        @Option(name: .long, help: "The provider's wallet.") var from: String
        @Option(name: .long, help: "The buyer's address.") var buyer: String
        @Option(name: .long, help: "The asset the buyer pays in, like USD.") var pay: String
        @Option(name: .long, help: "The seller's asset, like EUR.") var receive: String
        @Option(name: .long, parsing: .unconditional, help: "Units of --pay per unit of --receive, like 1.0873.", transform: DecimalText.rate)
        var rate: DecimalText
        @Option(name: .long, parsing: .unconditional, help: "The largest price (in --receive) the quote covers.", transform: DecimalText.amount)
        var max: DecimalText
        @Option(name: .long, parsing: .unconditional, help: "How many blocks the quote stays valid (1 to 200000000).",
                transform: WholeNumber.validForBlocks)
        var validForBlocks: UInt64 = 1000
        @Option(name: .long, parsing: .unconditional, help: "The quote's id (unique per provider; default: the current time).",
                transform: WholeNumber.quoteID)
        var id: UInt64?
        @Option(name: .long, help: "Where to write the quote file (must not exist).") var out: String

        /// The quote's numbers in minor units, from the arguments and the network's assets and height.
        struct Terms: Equatable {
            var pay: AssetCode
            var receive: AssetCode
            var rateNumerator: UInt64
            var rateDenominator: UInt64
            var maxAmount: UInt64
            var expiryHeight: UInt64
        }

        func validate() throws {
            _ = try parseAddress(buyer, "--buyer")
            // The ledger refuses such a quote (temQUOTE_SAME_ASSET): say so before signing one.
            guard AssetCode(pay) == nil || AssetCode(pay) != AssetCode(receive) else {
                throw ValidationError("--pay '\(pay)' and --receive '\(receive)' are the same asset; a quote converts one asset into another")
            }
            guard !FileManager.default.fileExists(atPath: out) else { throw ValidationError("--out \(out) already exists; choose a new file") }
        }

        func terms(_ network: NetworkFacts, height: UInt64) throws -> Terms {
            let (payCode, payDecimals) = try network.asset(pay)
            let (receiveCode, receiveDecimals) = try network.asset(receive)
            let fraction: (numerator: UInt64, denominator: UInt64)
            do { fraction = try fxRateFraction(rate, payDecimals: payDecimals, receiveDecimals: receiveDecimals) } catch {
                throw ValidationError("--rate '\(rate)' \(error)")
            }
            let (_, maxAmount) = try network.amount(max, asset: receive, option: "--max")
            let (expiry, overflow) = height.addingReportingOverflow(validForBlocks)
            guard !overflow else { throw CLIError("the peer's height \(height) leaves no room for --valid-for-blocks \(validForBlocks)") }
            return Terms(pay: payCode, receive: receiveCode, rateNumerator: fraction.numerator, rateDenominator: fraction.denominator,
                         maxAmount: maxAmount, expiryHeight: expiry)
        }

        func run() throws {
            let buyerAddress = try parseAddress(buyer, "--buyer")
            let client = try access.client()
            let status = try client.decode(StatusView.self, try client.get("/status"))
            let terms = try terms(NetworkFacts(assets: status.assets, now: unixMillisecondsNow()), height: status.height)
            let key = try wallet.key(from)
            guard let networkBytes = Hex.decode(status.network), let network = Bytes32(networkBytes) else {
                throw CLIError("the peer reported a malformed network id")
            }
            let quoteID = id ?? unixMillisecondsNow()
            let quote = FXQuote(provider: key.publicKey.address, buyer: buyerAddress, buyerAsset: terms.pay, sellerAsset: terms.receive,
                                rateNumerator: terms.rateNumerator, rateDenominator: terms.rateDenominator, maxAmount: terms.maxAmount,
                                expiryHeight: terms.expiryHeight, quoteID: quoteID).signed(by: key, network: network)
            let contents = QuoteFile.Contents(provider: key.publicKey.address.description, buyer: buyerAddress.description,
                                              pay: terms.pay.rawValue, receive: terms.receive.rawValue, rate: rate.text, maxAmount: max.text,
                                              expiryHeight: quote.expiryHeight, quoteID: quoteID, quote: Hex.encode(quote.wireEncoded))
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            // Created exclusively: a file that appeared since validate() is not overwritten either.
            do { try FileIO.writeSynced(Array(try encoder.encode(contents)) + [0x0a], to: out, mode: 0o644) } catch {
                throw CLIError("cannot write the quote: \(error)")
            }
            access.print(contents) { "quote \($0.quoteID): \($0.rate) \($0.pay) per \($0.receive), up to \($0.maxAmount) \($0.receive), until height \($0.expiryHeight) -> \(out)" }
        }
    }
}
