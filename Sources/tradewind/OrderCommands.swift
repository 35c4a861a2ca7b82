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

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an order and lock its payment \(OrderText.by(OrderRules.parties(of: .orderCreate))).")
        @OptionGroup var options: SubmitOptions
        @Option(name: .long, help: "The seller's address.") var seller: String
        @Option(name: .long, help: "The price, like 250.00, in --asset.") var amount: String
        @Option(name: .long, help: "The price's asset (the seller's).") var asset: String
        @Option(name: .long, help: "The carrier that may record checkpoints.") var carrier: String?
        @Option(name: .long, help: "The arbiter of disputes.") var arbiter: String?
        @Option(name: .long, help: "Ship-by deadline: 90s, 10m, 2h, 3d or Unix ms.") var shipBy: String
        @Option(name: .long, help: "Deliver-by deadline.") var deliverBy: String
        @Option(name: .long, help: "A description of the goods (only its hash goes on the ledger).") var goods: String = ""
        @Flag(name: .long, help: "Require the seller to be a verified merchant.") var verifiedMerchant = false
        @Option(name: .long, help: "An FX quote file from `tradewind fx quote`: pay in the quote's asset at its rate.") var quote: String?

        func run() throws {
            let sellerAddress = try parseAddress(seller, "--seller")
            let submitter = try Submitter(options)
            let (code, price) = try submitter.amount(amount, asset: asset)
            var fxQuote: FXQuote?
            if let quote { fxQuote = try QuoteFile.read(quote) }
            let terms = OrderTerms(
                seller: sellerAddress, asset: code, price: price, carrier: try carrier.map { try parseAddress($0, "--carrier") },
                arbiter: try arbiter.map { try parseAddress($0, "--arbiter") }, goodsHash: Blake2b.hash256(Array(goods.utf8)),
                shipBy: try deadline(shipBy), deliverBy: try deadline(deliverBy), requireVerifiedMerchant: verifiedMerchant,
                fxQuote: fxQuote)
            try submitter.submit(.orderCreate(terms))
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

    struct Accept: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Accept a created order before ship-by \(OrderText.by(OrderRules.parties(of: .orderAccept))).")
        @OptionGroup var options: SubmitOptions
        @Argument(help: "The order id.") var id: String
        func run() throws { try Submitter(options).submit(.orderAccept(order: try parseID(id))) }
    }

    struct Decline: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decline a created order; the buyer is refunded \(OrderText.by(OrderRules.parties(of: .orderDecline))).")
        @OptionGroup var options: SubmitOptions
        @Argument(help: "The order id.") var id: String
        func run() throws { try Submitter(options).submit(.orderDecline(order: try parseID(id))) }
    }

    struct Cancel: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Cancel a created or accepted order before ship-by; the buyer is refunded \(OrderText.by(OrderRules.parties(of: .orderCancel))).")
        @OptionGroup var options: SubmitOptions
        @Argument(help: "The order id.") var id: String
        func run() throws { try Submitter(options).submit(.orderCancel(order: try parseID(id))) }
    }

    struct Ship: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record the shipment of an accepted order before ship-by \(OrderText.by(OrderRules.parties(of: .orderShip))).")
        @OptionGroup var options: SubmitOptions
        @Argument(help: "The order id.") var id: String
        @Option(name: .long, help: "The tracking reference (only its hash goes on the ledger).") var tracking: String = ""
        func run() throws {
            try Submitter(options).submit(.orderShip(order: try parseID(id), trackingHash: Blake2b.hash256(Array(tracking.utf8))))
        }
    }

    struct Checkpoint: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record a transport checkpoint before deliver-by; delivered ends transport \(OrderText.by(OrderRules.parties(of: .orderCheckpoint))).")
        @OptionGroup var options: SubmitOptions
        @Argument(help: "The order id.") var id: String
        @Option(name: .long, help: "picked-up, in-transit, customs, out-for-delivery or delivered.") var kind: String

        func run() throws {
            let kinds: [String: CheckpointKind] = ["picked-up": .pickedUp, "in-transit": .inTransit, "customs": .customs,
                                                   "out-for-delivery": .outForDelivery, "delivered": .delivered]
            guard let checkpoint = kinds[kind] else {
                throw ValidationError("unknown checkpoint '\(kind)'; one of \(kinds.keys.sorted().joined(separator: ", "))")
            }
            try Submitter(options).submit(.orderCheckpoint(order: try parseID(id), kind: checkpoint))
        }
    }

    struct Confirm: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Confirm receipt of a shipped or delivered order; the seller is paid \(OrderText.by(OrderRules.parties(of: .orderConfirm))).")
        @OptionGroup var options: SubmitOptions
        @Argument(help: "The order id.") var id: String
        func run() throws { try Submitter(options).submit(.orderConfirm(order: try parseID(id))) }
    }

    struct Release: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pay the seller once the dispute window has passed, after delivery (or after deliver-by without a carrier) \(OrderText.by(OrderRules.parties(of: .orderRelease))).")
        @OptionGroup var options: SubmitOptions
        @Argument(help: "The order id.") var id: String
        func run() throws { try Submitter(options).submit(.orderRelease(order: try parseID(id))) }
    }

    struct Refund: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Refund the buyer: the seller at any time until the order ends; anyone after ship-by if not shipped, after deliver-by if not delivered (with a carrier), or after the arbitration window \(OrderText.by(OrderRules.parties(of: .orderRefund))).")
        @OptionGroup var options: SubmitOptions
        @Argument(help: "The order id.") var id: String
        func run() throws { try Submitter(options).submit(.orderRefund(order: try parseID(id))) }
    }

    struct Dispute: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Dispute a shipped or delivered order within the dispute window, if it has an arbiter \(OrderText.by(OrderRules.parties(of: .orderDispute))).")
        @OptionGroup var options: SubmitOptions
        @Argument(help: "The order id.") var id: String
        @Option(name: .long, help: "Why (only its hash goes on the ledger).") var reason: String = ""
        func run() throws {
            try Submitter(options).submit(.orderDispute(order: try parseID(id), reasonHash: Blake2b.hash256(Array(reason.utf8))))
        }
    }

    struct Resolve: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Resolve a dispute within the arbitration window: the seller's share in percent, the rest to the buyer \(OrderText.by(OrderRules.parties(of: .orderResolve))).")
        @OptionGroup var options: SubmitOptions
        @Argument(help: "The order id.") var id: String
        @Option(name: .long, help: "The seller's share, 0 to 100 (up to two decimals).") var sellerShare: String

        func run() throws {
            // "37.5" → 3750 basis points.
            let parts = sellerShare.split(separator: ".", omittingEmptySubsequences: false)
            guard (1...2).contains(parts.count), let whole = UInt64(parts[0]), parts.count == 1 || (1...2).contains(parts[1].count),
                  let fraction = parts.count == 2 ? UInt64(parts[1].padding(toLength: 2, withPad: "0", startingAt: 0)) : 0,
                  whole * 100 + fraction <= 10_000 else {
                throw ValidationError("--seller-share must be a percentage from 0 to 100 with at most two decimals, got '\(sellerShare)'")
            }
            try Submitter(options).submit(.orderResolve(order: try parseID(id), sellerBasisPoints: UInt16(whole * 100 + fraction)))
        }
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
        @Option(name: .long, help: "Units of --pay per unit of --receive, like 1.0873.") var rate: String
        @Option(name: .long, help: "The largest price (in --receive) the quote covers.") var max: String
        @Option(name: .long, help: "How many blocks the quote stays valid.") var validForBlocks: UInt64 = 1000
        @Option(name: .long, help: "The quote's id (unique per provider; default: the current time).") var id: UInt64?
        @Option(name: .long, help: "Where to write the quote file.") var out: String

        func run() throws {
            let buyerAddress = try parseAddress(buyer, "--buyer")
            let client = try access.client()
            let status = try client.decode(StatusView.self, try client.get("/status"))
            guard let payCode = AssetCode(pay), let payDecimals = status.assets[payCode.rawValue],
                  let receiveCode = AssetCode(receive), let receiveDecimals = status.assets[receiveCode.rawValue] else {
                throw ValidationError("unknown asset; this network has \(status.assets.keys.sorted().joined(separator: ", "))")
            }
            // The rate in minor units: rate × 10^payDecimals / 10^receiveDecimals, as an exact fraction.
            let fractionDigits = UInt8(rate.split(separator: ".").dropFirst().first?.count ?? 0)
            let scaled: UInt64
            do { scaled = try Amount.parse(rate, decimals: fractionDigits) } catch { throw ValidationError("--rate: \(error)") }
            var numerator = scaled * power(10, payDecimals)
            var denominator = power(10, fractionDigits) * power(10, receiveDecimals)
            let divisor = gcd(numerator, denominator)
            numerator /= divisor
            denominator /= divisor
            let maxAmount: UInt64
            do { maxAmount = try Amount.parse(max, decimals: receiveDecimals) } catch { throw ValidationError("--max: \(error)") }
            let key = try wallet.key(from)
            guard let networkBytes = Hex.decode(status.network), let network = Bytes32(networkBytes) else {
                throw CLIError("the peer reported a malformed network id")
            }
            let quoteID = id ?? UInt64(Date().timeIntervalSince1970 * 1000)
            let quote = FXQuote(provider: key.publicKey.address, buyer: buyerAddress, buyerAsset: payCode, sellerAsset: receiveCode,
                                rateNumerator: numerator, rateDenominator: denominator, maxAmount: maxAmount,
                                expiryHeight: status.height + validForBlocks, quoteID: quoteID).signed(by: key, network: network)
            let contents = QuoteFile.Contents(provider: key.publicKey.address.description, buyer: buyerAddress.description,
                                              pay: payCode.rawValue, receive: receiveCode.rawValue, rate: rate, maxAmount: max,
                                              expiryHeight: quote.expiryHeight, quoteID: quoteID, quote: Hex.encode(quote.wireEncoded))
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(contents).write(to: URL(fileURLWithPath: out))
            access.print(contents) { "quote \($0.quoteID): \($0.rate) \($0.pay) per \($0.receive), up to \($0.maxAmount) \($0.receive), until height \($0.expiryHeight) -> \(out)" }
        }

        func power(_ base: UInt64, _ exponent: UInt8) -> UInt64 { (0..<exponent).reduce(1) { value, _ in value * base } }
        func gcd(_ a: UInt64, _ b: UInt64) -> UInt64 { b == 0 ? a : gcd(b, a % b) }
    }
}
