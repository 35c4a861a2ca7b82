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

    @Option(name: .long, help: "Seconds to wait with --wait.")
    var timeout: Double = 30

    @Option(name: .long, help: "Use this sequence number instead of the account's next one.")
    var sequence: UInt64?
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

    func decimals(_ asset: String) throws -> (AssetCode, UInt8) {
        guard let code = AssetCode(asset), let decimals = status.assets[code.rawValue] else {
            throw ValidationError("unknown asset '\(asset)'; this network has \(status.assets.keys.sorted().joined(separator: ", "))")
        }
        return (code, decimals)
    }

    func amount(_ text: String, asset: String) throws -> (AssetCode, UInt64) {
        let (code, decimals) = try decimals(asset)
        do { return (code, try Amount.parse(text, decimals: decimals)) } catch { throw ValidationError(error.description) }
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
        let transaction = Transaction(sender: sender, sequence: sequence, lastValidHeight: status.height + 10_000, body: body)
            .signed(by: key, network: try network)
        let payload = try JSONEncoder().encode(["transaction": Hex.encode(transaction.wireEncoded)])
        let reply = try client.post("/transactions", json: payload)
        guard let submission = try? JSONDecoder().decode(SubmissionView.self, from: reply.body) else {
            throw CLIError(LocalAPIClient.message(reply))
        }
        guard submission.accepted else {
            throw CLIError("refused: \(submission.result ?? "error")\(submission.code.map { " (\($0))" } ?? ""): \(submission.message)")
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

/// Durations like 90s, 10m, 2h, 3d (or milliseconds) from now, as Unix milliseconds.
func deadline(_ text: String) throws -> UInt64 {
    let units: [Character: UInt64] = ["s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000]
    let now = UInt64(Date().timeIntervalSince1970 * 1000)
    if let unit = text.last, let scale = units[unit], let count = UInt64(text.dropLast()) { return now + count * scale }
    if let absolute = UInt64(text), absolute > 1_000_000_000_000 { return absolute }
    throw ValidationError("invalid time '\(text)': use 90s, 10m, 2h, 3d, or Unix milliseconds")
}

func parseAddress(_ text: String, _ what: String) throws -> Address {
    do { return try Address(parsing: text) } catch { throw ValidationError("\(what): \(error.description)") }
}

func parseID(_ text: String, _ what: String = "order id") throws -> Bytes32 {
    guard let bytes = Hex.decode(text), let id = Bytes32(bytes) else { throw ValidationError("invalid \(what) '\(text)': expected 64 hex digits") }
    return id
}

struct SendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "send", abstract: "Transfer an amount of an asset.")
    @OptionGroup var options: SubmitOptions
    @Option(name: .long, help: "The receiving address (tw1…).") var to: String
    @Option(name: .long, help: "The amount, like 12.50.") var amount: String
    @Option(name: .long, help: "The asset code, like USD.") var asset: String
    @Option(name: .long, help: "A memo of at most 256 bytes.") var memo: String = ""

    func run() throws {
        let receiver = try parseAddress(to, "--to")
        guard memo.utf8.count <= Transaction.maxMemoBytes else { throw ValidationError("--memo is \(memo.utf8.count) bytes; at most \(Transaction.maxMemoBytes)") }
        let submitter = try Submitter(options)
        let (code, value) = try submitter.amount(amount, asset: asset)
        try submitter.submit(.transfer(to: receiver, asset: code, amount: value, memo: Array(memo.utf8)))
    }
}

struct IssueCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "issue", abstract: "Issue new units of an asset (its issuer only).")
    @OptionGroup var options: SubmitOptions
    @Option(name: .long, help: "Who receives the units.") var to: String
    @Option(name: .long, help: "The amount, like 1000.00.") var amount: String
    @Option(name: .long, help: "The asset code.") var asset: String

    func run() throws {
        let receiver = try parseAddress(to, "--to")
        let submitter = try Submitter(options)
        let (code, value) = try submitter.amount(amount, asset: asset)
        try submitter.submit(.issue(to: receiver, asset: code, amount: value))
    }
}

struct RedeemCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "redeem", abstract: "Take units of an asset out of circulation from your own balance (its issuer only).")
    @OptionGroup var options: SubmitOptions
    @Option(name: .long, help: "The amount.") var amount: String
    @Option(name: .long, help: "The asset code.") var asset: String

    func run() throws {
        let submitter = try Submitter(options)
        let (code, value) = try submitter.amount(amount, asset: asset)
        try submitter.submit(.redeem(asset: code, amount: value))
    }
}

struct FreezeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "freeze", abstract: "Freeze an account used for illicit trade (authorities).")
    @OptionGroup var options: SubmitOptions
    @Argument(help: "The account to freeze.") var account: String

    func run() throws { try Submitter(options).submit(.freeze(account: try parseAddress(account, "account"))) }
}

struct UnfreezeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "unfreeze", abstract: "Unfreeze an account (authorities).")
    @OptionGroup var options: SubmitOptions
    @Argument(help: "The account to unfreeze.") var account: String

    func run() throws { try Submitter(options).submit(.unfreeze(account: try parseAddress(account, "account"))) }
}

struct MerchantCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merchant", abstract: "Verify or revoke a merchant (authorities).", subcommands: [Attest.self, Revoke.self])

    struct Attest: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Attest that an account is a verified merchant.")
        @OptionGroup var options: SubmitOptions
        @Argument(help: "The merchant's address.") var merchant: String
        @Option(name: .long, help: "The registered name.") var name: String
        @Option(name: .long, help: "The jurisdiction code, like DE.") var jurisdiction: String
        @Option(name: .long, help: "The registration document or number (only its hash goes on the ledger).") var registration: String = ""

        func run() throws {
            let address = try parseAddress(merchant, "merchant")
            try Submitter(options).submit(.merchantAttest(merchant: address, name: name, jurisdiction: jurisdiction,
                                                          registrationHash: Blake2b.hash256(Array(registration.utf8))))
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a merchant's verification.")
        @OptionGroup var options: SubmitOptions
        @Argument(help: "The merchant's address.") var merchant: String

        func run() throws { try Submitter(options).submit(.merchantRevoke(merchant: try parseAddress(merchant, "merchant"))) }
    }
}

struct AuthorityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "authority", abstract: "Governance of the authority set.", subcommands: [Vote.self])

    struct Vote: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Vote to add or remove an authority; more than 2/3 of the set in favour makes it effective two blocks later.")
        @OptionGroup var options: SubmitOptions
        @Argument(help: "add or remove.") var change: String
        @Argument(help: "The authority's address.") var address: String

        func run() throws {
            let target = try parseAddress(address, "address")
            switch change {
            case "add": try Submitter(options).submit(.authorityVote(.add(target)))
            case "remove": try Submitter(options).submit(.authorityVote(.remove(target)))
            default: throw ValidationError("the change must be 'add' or 'remove', not '\(change)'")
            }
        }
    }
}
