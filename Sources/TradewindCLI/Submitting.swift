import ArgumentParser
import Foundation
import TradewindCrypto
import TradewindLedger
import TradewindPeer
import TradewindWire

/// What every submitting command takes: the peer, the signing wallet, and whether to wait.
struct SubmitOptions: ParsableArguments {
    @OptionGroup var access: PeerAccess
    @OptionGroup var wallet: WalletOptions

    @Option(name: .long, help: "The wallet that signs (a name in the wallets folder).")
    var from: String

    @Flag(name: .long, help: "Wait until the transaction is committed; print its block and result.")
    var wait = false

    @Option(name: .long, parsing: .unconditional, help: "Seconds to wait with --wait (more than 0, at most 3600).",
            transform: WaitTimeout.parse)
    var timeout: Double = 30

    @Option(name: .long, parsing: .unconditional, help: "Use this sequence number instead of the account's next one.",
            transform: WholeNumber.sequence)
    var sequence: UInt64?

    @Option(name: .long, parsing: .unconditional,
            help: "The last height at which the transaction may commit (default: 10,000 past the peer's height).",
            transform: WholeNumber.height)
    var lastValidHeight: UInt64?

    @Flag(name: .long, help: "Sign without a peer; print the id and the signed transaction in hex (submit it later with POST /transactions). Needs --genesis, --sequence and --last-valid-height.")
    var offline = false

    @Option(name: .long, help: "With --offline: the network's genesis.json (its network id and assets).")
    var genesis: String?

    func validate() throws {
        if offline {
            guard genesis != nil, sequence != nil, lastValidHeight != nil else {
                throw ValidationError("--offline needs --genesis FILE, --sequence N and --last-valid-height H (nothing is asked of a peer)")
            }
            guard access.home == nil, access.api == nil, !wait else {
                throw ValidationError("--offline signs without a peer: drop --home, --api and --wait")
            }
        } else if let genesis {
            throw ValidationError("--genesis '\(genesis)' is only for --offline (online, the peer knows its network)")
        }
    }
}

/// Signs a transaction with no peer at all: the network id and the assets come from a
/// genesis file, the sequence and expiry from the command line (cold wallets, shop
/// back offices, and the check that a library built by version signs identically).
struct OfflineSigner {
    let options: SubmitOptions

    func sign(_ body: (NetworkFacts) throws -> TransactionBody) throws {
        guard let path = options.genesis, let sequence = options.sequence, let lastValidHeight = options.lastValidHeight else {
            throw ValidationError("--offline needs --genesis FILE, --sequence N and --last-valid-height H")
        }
        let genesis: Genesis
        do { genesis = try PeerHome.readGenesis(path) } catch { throw CLIError(error.description) }
        let network: Bytes32
        do { network = try Ledger(genesis: genesis).networkID } catch { throw CLIError("\(path): \(error)") }
        let facts = NetworkFacts(assets: Dictionary(genesis.assets.map { ($0.code.rawValue, $0.decimals) }) { first, _ in first },
                                 now: unixMillisecondsNow())
        let key = try options.wallet.key(options.from)
        let transaction = Transaction(sender: key.publicKey.address, sequence: sequence, lastValidHeight: lastValidHeight,
                                      body: try body(facts)).signed(by: key, network: network)
        let signed = SignedTransactionView(id: transaction.id.hex, transaction: Hex.encode(transaction.wireEncoded))
        options.access.print(signed) { "\($0.id)\n\($0.transaction)" }
    }
}

/// An offline-signed transaction: its id and its canonical encoding in hex.
struct SignedTransactionView: Codable {
    var id: String
    var transaction: String
}

/// What a transaction's body needs from the network: its assets' decimals and the time.
struct NetworkFacts {
    var assets: [String: UInt8]
    /// Unix milliseconds.
    var now: UInt64

    func asset(_ text: String) throws -> (code: AssetCode, decimals: UInt8) {
        guard let code = AssetCode(text), let decimals = assets[code.rawValue] else {
            throw ValidationError("unknown asset '\(text)'; this network has \(assets.keys.sorted().joined(separator: ", "))")
        }
        guard decimals <= maxDecimals else { throw CLIError("the peer reports \(decimals) decimals for \(code); at most \(maxDecimals)") }
        return (code, decimals)
    }

    /// `value` in minor units of `asset`; the error names the option and the value.
    func amount(_ value: DecimalText, asset text: String, option: String) throws -> (AssetCode, UInt64) {
        let (code, decimals) = try asset(text)
        guard value.significantFraction.count <= Int(decimals) else {
            throw ValidationError("\(option) '\(value)' has \(value.significantFraction.count) decimals; \(code) has \(decimals)")
        }
        do { return (code, try value.scaled(by: decimals)) } catch { throw ValidationError("\(option) '\(value)' \(error)") }
    }

    /// A deadline option's Unix milliseconds; the error names the option and the value.
    func time(_ deadline: DeadlineText, option: String) throws -> UInt64 {
        do { return try deadline.resolve(now: now) } catch { throw ValidationError("\(option) '\(deadline)' \(error)") }
    }
}

/// A command that submits one transaction: its body comes from the arguments (checked
/// in parsing and `validate()`, without a peer) and the network's facts.
protocol SubmittingCommand: ParsableCommand {
    var options: SubmitOptions { get }
    func body(_ network: NetworkFacts) throws -> TransactionBody
}

extension SubmittingCommand {
    func run() throws {
        if options.offline { return try OfflineSigner(options: options).sign(body) }
        let submitter = try Submitter(options)
        try submitter.submit(try body(submitter.facts))
    }
}

/// Builds, signs, submits and (optionally) waits for one transaction.
struct Submitter {
    let options: SubmitOptions
    let client: LocalAPIClient
    let status: StatusView
    let key: Ed25519.PrivateKey

    init(_ options: SubmitOptions) throws {
        self.options = options
        client = try options.access.client()
        status = try client.decode(StatusView.self, try client.get("/status"))
        key = try options.wallet.key(options.from)
    }

    var network: Bytes32 {
        get throws {
            guard let bytes = Hex.decode(status.network), let id = Bytes32(bytes) else { throw CLIError("the peer reported a malformed network id") }
            return id
        }
    }

    var facts: NetworkFacts { NetworkFacts(assets: status.assets, now: unixMillisecondsNow()) }

    /// How long a transaction stays valid: --last-valid-height, else 10,000 blocks past the peer's height (saturating).
    var lastValidHeight: UInt64 {
        options.lastValidHeight ?? (status.height > UInt64.max - 10_000 ? UInt64.max : status.height + 10_000)
    }

    /// Signs `body` with the next sequence and submits it; prints the id (and the
    /// outcome with --wait). Exits non-zero if the peer refuses it or it fails.
    func submit(_ body: TransactionBody) throws {
        let sender = key.publicKey.address
        let sequence: UInt64
        if let chosen = options.sequence {
            sequence = chosen
        } else {
            // Past the wallet's transactions still pending at this peer: scripts need not wait between sends.
            sequence = try client.decode(AccountView.self, try client.get("/accounts/\(sender)")).pendingNextSequence
        }
        let transaction = Transaction(sender: sender, sequence: sequence, lastValidHeight: lastValidHeight, body: body)
            .signed(by: key, network: try network)
        let payload = try JSONEncoder().encode(["transaction": Hex.encode(transaction.wireEncoded)])
        let reply = try client.post("/transactions", json: payload)
        guard let submission = try? JSONDecoder().decode(SubmissionView.self, from: reply.body) else {
            throw CLIError(LocalAPIClient.message(reply))
        }
        guard submission.accepted else {
            throw CLIError("refused: \(submission.result ?? "error")\(submission.code.map { " (\($0))" } ?? ""): \(submission.message)")
        }
        if let deadline = submission.appliesFrom {
            // Accepted but not applicable yet: said on stderr, so stdout stays the id.
            let code = "\(submission.result ?? "")\(submission.code.map { " (\($0))" } ?? "")"
            FileHandle.standardError.write(Data(
                "waiting: \(code): \(submission.message) (deadline \(TimeText.describe(deadline, now: TimeText.now)))\n".utf8))
        }
        if !options.wait {
            options.access.print(submission) { "\($0.id)" }
            return
        }
        let deadline = Date().addingTimeInterval(options.timeout)
        while Date() < deadline {
            let reply = try client.get("/transactions/\(submission.id)")
            if reply.status == 200, let view = try? JSONDecoder().decode(TransactionView.self, from: reply.body),
               let receipt = view.receipt {
                options.access.print(view) { _ in
                    "\(submission.id)\ncommitted in block \(receipt.height): \(receipt.result) (\(receipt.code)): \(receipt.message)"
                }
                guard receipt.code == 0 else { throw ExitCode.failure }
                return
            }
            usleep(100_000)
        }
        throw CLIError("\(submission.id) was not committed within \(options.timeout) s (it may still be)")
    }
}

func parseAddress(_ text: String, _ what: String) throws -> Address {
    do { return try Address(parsing: text) } catch { throw ValidationError("\(what): \(error.description)") }
}

func parseID(_ text: String, _ what: String = "order id") throws -> Bytes32 {
    guard let bytes = Hex.decode(text), let id = Bytes32(bytes) else { throw ValidationError("invalid \(what) '\(text)': expected 64 hex digits") }
    return id
}

struct SendCommand: SubmittingCommand {
    static let configuration = CommandConfiguration(commandName: "send", abstract: "Transfer an amount of an asset.")
    @OptionGroup var options: SubmitOptions
    @Option(name: .long, help: "The receiving address (tw1…).") var to: String
    @Option(name: .long, parsing: .unconditional, help: "The amount, like 12.50.", transform: DecimalText.amount) var amount: DecimalText
    @Option(name: .long, help: "The asset code, like USD.") var asset: String
    @Option(name: .long, help: "A memo of at most 256 bytes.") var memo: String = ""

    func validate() throws {
        _ = try parseAddress(to, "--to")
        guard memo.utf8.count <= Transaction.maxMemoBytes else { throw ValidationError("--memo is \(memo.utf8.count) bytes; at most \(Transaction.maxMemoBytes)") }
    }

    func body(_ network: NetworkFacts) throws -> TransactionBody {
        let (code, value) = try network.amount(amount, asset: asset, option: "--amount")
        return .transfer(to: try parseAddress(to, "--to"), asset: code, amount: value, memo: Array(memo.utf8))
    }
}

struct IssueCommand: SubmittingCommand {
    static let configuration = CommandConfiguration(commandName: "issue", abstract: "Issue new units of an asset (its issuer only).")
    @OptionGroup var options: SubmitOptions
    @Option(name: .long, help: "Who receives the units.") var to: String
    @Option(name: .long, parsing: .unconditional, help: "The amount, like 1000.00.", transform: DecimalText.amount) var amount: DecimalText
    @Option(name: .long, help: "The asset code.") var asset: String

    func validate() throws { _ = try parseAddress(to, "--to") }

    func body(_ network: NetworkFacts) throws -> TransactionBody {
        let (code, value) = try network.amount(amount, asset: asset, option: "--amount")
        return .issue(to: try parseAddress(to, "--to"), asset: code, amount: value)
    }
}

struct RedeemCommand: SubmittingCommand {
    static let configuration = CommandConfiguration(commandName: "redeem", abstract: "Take units of an asset out of circulation from your own balance (its issuer only).")
    @OptionGroup var options: SubmitOptions
    @Option(name: .long, parsing: .unconditional, help: "The amount.", transform: DecimalText.amount) var amount: DecimalText
    @Option(name: .long, help: "The asset code.") var asset: String

    func body(_ network: NetworkFacts) throws -> TransactionBody {
        let (code, value) = try network.amount(amount, asset: asset, option: "--amount")
        return .redeem(asset: code, amount: value)
    }
}

struct FreezeCommand: SubmittingCommand {
    static let configuration = CommandConfiguration(commandName: "freeze", abstract: "Freeze an account used for illicit trade (authorities).")
    @OptionGroup var options: SubmitOptions
    @Argument(help: "The account to freeze.") var account: String

    func validate() throws { _ = try parseAddress(account, "account") }
    func body(_ network: NetworkFacts) throws -> TransactionBody { .freeze(account: try parseAddress(account, "account")) }
}

struct UnfreezeCommand: SubmittingCommand {
    static let configuration = CommandConfiguration(commandName: "unfreeze", abstract: "Unfreeze an account (authorities).")
    @OptionGroup var options: SubmitOptions
    @Argument(help: "The account to unfreeze.") var account: String

    func validate() throws { _ = try parseAddress(account, "account") }
    func body(_ network: NetworkFacts) throws -> TransactionBody { .unfreeze(account: try parseAddress(account, "account")) }
}

struct MerchantCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merchant", abstract: "Verify or revoke a merchant (authorities).", subcommands: [Attest.self, Revoke.self])

    struct Attest: SubmittingCommand {
        static let configuration = CommandConfiguration(abstract: "Attest that an account is a verified merchant.")
        @OptionGroup var options: SubmitOptions
        @Argument(help: "The merchant's address.") var merchant: String
        @Option(name: .long, help: "The registered name (at most 64 bytes).") var name: String
        @Option(name: .long, help: "The jurisdiction code, like DE (at most 8 bytes).") var jurisdiction: String
        @Option(name: .long, help: "The registration document or number (only its hash goes on the ledger).") var registration: String = ""

        func validate() throws {
            _ = try parseAddress(merchant, "merchant")
            guard name.utf8.count <= TransactionBody.maxNameBytes else {
                throw ValidationError("--name '\(name)' is \(name.utf8.count) bytes; at most \(TransactionBody.maxNameBytes)")
            }
            guard jurisdiction.utf8.count <= TransactionBody.maxJurisdictionBytes else {
                throw ValidationError("--jurisdiction '\(jurisdiction)' is \(jurisdiction.utf8.count) bytes; at most \(TransactionBody.maxJurisdictionBytes)")
            }
        }

        func body(_ network: NetworkFacts) throws -> TransactionBody {
            .merchantAttest(merchant: try parseAddress(merchant, "merchant"), name: name, jurisdiction: jurisdiction,
                            registrationHash: Blake2b.hash256(Array(registration.utf8)))
        }
    }

    struct Revoke: SubmittingCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a merchant's verification.")
        @OptionGroup var options: SubmitOptions
        @Argument(help: "The merchant's address.") var merchant: String

        func validate() throws { _ = try parseAddress(merchant, "merchant") }
        func body(_ network: NetworkFacts) throws -> TransactionBody { .merchantRevoke(merchant: try parseAddress(merchant, "merchant")) }
    }
}

struct AuthorityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "authority", abstract: "Governance of the authority set.", subcommands: [Vote.self])

    struct Vote: SubmittingCommand {
        static let configuration = CommandConfiguration(
            abstract: "Vote to add or remove an authority; more than 2/3 of the set in favour makes it effective two blocks later.")
        @OptionGroup var options: SubmitOptions
        @Argument(help: "add or remove.") var change: String
        @Argument(help: "The authority's address.") var address: String

        func validate() throws {
            _ = try parseAddress(address, "address")
            guard ["add", "remove"].contains(change) else { throw ValidationError("the change must be 'add' or 'remove', not '\(change)'") }
        }

        func body(_ network: NetworkFacts) throws -> TransactionBody {
            let target = try parseAddress(address, "address")
            switch change {
            case "add": return .authorityVote(.add(target))
            case "remove": return .authorityVote(.remove(target))
            default: throw ValidationError("the change must be 'add' or 'remove', not '\(change)'")
            }
        }
    }
}
