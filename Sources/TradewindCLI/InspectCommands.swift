import ArgumentParser
import Foundation
import TradewindLedger
import TradewindPeer
import TradewindChainStore
import TradewindStore
import TradewindWire

/// Which peer a command talks to, and how it prints.
struct PeerAccess: ParsableArguments {
    @Option(name: .long, help: "A peer's home: its running API (run/api.addr), or its store read directly when it is stopped.")
    var home: String?

    @Option(name: .long, help: "A running peer's API address, HOST:PORT (default: $TRADEWIND_API).")
    var api: String?

    @Flag(name: .long, help: "Print JSON (for scripts) instead of text.")
    var json = false

    func validate() throws {
        if let home, let api { throw ValidationError("give either --home \(home) or --api \(api), not both") }
        if let api { try Self.checkAPI(api) }
    }

    static func checkAPI(_ api: String) throws {
        do { _ = try LocalAPIClient(api: api, home: nil) } catch { throw ValidationError("--api: \(error)") }
        // The client reads the port with Int(), which also takes "+80" and "-0".
        var trimmed = Substring(api)
        while trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard trimmed.split(separator: ":").last?.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) == true else {
            throw ValidationError("--api '\(api)': the port must be digits, like 127.0.0.1:26601")
        }
    }

    func client() throws -> LocalAPIClient { try LocalAPIClient(api: api, home: home) }

    /// The stopped peer's store, opened read-only, when --home names a home without a running API.
    func offlineStore() throws -> ChainStore? {
        guard api == nil, let home, PeerHome(home).apiAddress() == nil else { return nil }
        // A peer that holds its home but has not written run/api.addr yet is starting, not stopped.
        guard !HomeLock.isHeld(home: PeerHome(home)) else {
            throw CLIError("the peer at \(home) is running but its API is not up yet (no run/api.addr); try again in a moment")
        }
        let directory = PeerHome(home).dataDirectory
        guard FileManager.default.fileExists(atPath: directory + "/data.mdb") else {
            throw CLIError("\(home) has no store yet (no \(directory)/data.mdb) and no running peer")
        }
        do { try PeerHome(home).checkVersion() } catch { throw CLIError(error.description) }
        do { return try ChainStore(directory: directory, options: .readOnly) } catch {
            throw CLIError("cannot open \(directory) read-only: \(error)")
        }
    }

    /// The stopped peer's genesis parameters (dispute and arbitration windows), for order views.
    func offlineParameters() throws -> Genesis.Parameters {
        guard let home else { throw CLIError("reading a stopped peer needs --home") }
        do { return try PeerHome(home).genesis().parameters } catch { throw CLIError(error.description) }
    }

    func print<T: Encodable>(_ value: T, text: (T) -> String) { printOutput(value, json: json, text: text) }
}

/// A command's result: JSON (sorted keys) with --json, else the text.
func printOutput<T: Encodable>(_ value: T, json: Bool, text: (T) -> String) {
    if json {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        Swift.print(String(decoding: (try? encoder.encode(value)) ?? Data(), as: UTF8.self))
    } else {
        Swift.print(text(value))
    }
}

func shortHex(_ hex: String) -> String { hex.count > 16 ? String(hex.prefix(16)) + "…" : hex }

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Show a peer's height, round and mempool.")
    @OptionGroup var access: PeerAccess

    func run() throws {
        let status: StatusView
        if let store = try access.offlineStore(), let home = access.home {
            let peerHome = PeerHome(home)
            do {
                status = try ChainReader(store: store).stoppedStatus(
                    name: try peerHome.configuration().name, address: try KeyFile.address(peerHome.nodeKeyFile),
                    genesis: try peerHome.genesis())
            } catch let error as PeerError { throw CLIError(error.description) }
        } else {
            let client = try access.client()
            status = try client.decode(StatusView.self, try client.get("/status"))
        }
        let now = TimeText.now
        access.print(status) { s in
            let role = s.authority ? ", authority (1 of \(s.authorities))" : ", not an authority"
            let identity = """
                \(s.name) (\(s.address)) tradewind \(s.version)\(s.running ? "" : ": stopped (read from its store)")
                chain \(s.chain), network \(shortHex(s.network))
                height \(s.height), block \(s.blockID), state root \(s.stateRoot)
                last block at \(TimeText.describe(s.blockTime, now: now)); store \(ByteText.describe(s.storeBytes))
                """
            guard s.running else { return identity + "\n" + "not running\(role)" }
            return identity + "\n" + """
                round \(s.round) \(s.step)\(role)
                mempool \(s.mempool), members \(s.members), up \(Int(s.uptimeSeconds)) s, \(s.committedTransactions) transactions committed
                """ + (s.blocksPrefetched > 0 ? "\ncatch-up: \(s.blocksPrefetched) blocks received through prefetch since start" : "")
        }
    }
}

struct MembersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "members", abstract: "List the mesh members a peer knows.")
    @OptionGroup var access: PeerAccess

    func run() throws {
        let client = try access.client()
        let members = try client.decode([MemberView].self, try client.get("/members"))
        let now = TimeText.now
        access.print(members) { list in
            // People look members up by name; unnamed ones (by address) come last.
            list.isEmpty ? "no members known yet" : list.sorted { ($0.name ?? "~" + $0.address) < ($1.name ?? "~" + $1.address) }
                .map { MembersCommand.line($0, now: now) }.joined(separator: "\n")
        }
    }

    /// "authority-2  authority  alive  last contact 2026-…Z (1 s ago)  height 41  127.0.0.1:20002  tw1…".
    static func line(_ member: MemberView, now: UInt64) -> String {
        let contact = member.lastContact.map { "last contact \(TimeText.describe($0, now: now))" } ?? "no contact yet"
        return "\(member.name ?? shortHex(member.address))  \(member.role)  \(member.status)  \(contact)  height \(member.height)  "
            + "\(member.endpoint)  \(member.address)"
    }
}

struct BlocksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "blocks", abstract: "List recent blocks.")
    @OptionGroup var access: PeerAccess
    @Option(name: .long, parsing: .unconditional, help: "First height to list (default: the last LIMIT blocks).",
            transform: WholeNumber.height)
    var from: UInt64?
    @Option(name: .long, parsing: .unconditional, help: "How many blocks (at most 1000).", transform: WholeNumber.blockLimit)
    var limit: Int = 20

    func run() throws {
        let blocks: [BlockSummary]
        if let store = try access.offlineStore() {
            blocks = try ChainReader(store: store).blocks(from: from, limit: limit)
        } else {
            let client = try access.client()
            var path = "/blocks?limit=\(limit)"
            if let from { path += "&from=\(from)" }
            blocks = try client.decode([BlockSummary].self, try client.get(path))
        }
        let now = TimeText.now
        access.print(blocks) { list in
            list.map { "\($0.height)  \($0.id)  \($0.transactions) tx  \(TimeText.describe($0.time, now: now))" }.joined(separator: "\n")
        }
    }
}

struct BlockCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "block", abstract: "Show one block by height or id.")
    @OptionGroup var access: PeerAccess
    @Argument(help: "A height, or a block id (64 hex digits).") var reference: String

    func validate() throws { try Self.checkReference(reference) }

    /// A height that fits 64 bits, or 64 hex digits.
    static func checkReference(_ reference: String) throws {
        if reference.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }), !reference.isEmpty {
            do { _ = try WholeNumber.height.parse(reference) } catch { throw ValidationError("block '\(reference)' \(error)") }
        } else if reference.utf8.count != 64 || Hex.decode(reference) == nil {
            throw ValidationError("block '\(reference)' is neither a height nor a block id (64 hex digits)")
        }
    }

    func run() throws {
        let block: BlockView
        if let store = try access.offlineStore() {
            switch try ChainReader(store: store).block(reference) {
            case let .found(view): block = view
            case let .notFound(message): throw CLIError(message)
            case let .badRequest(message): throw ValidationError(message)
            }
        } else {
            let client = try access.client()
            block = try client.decode(BlockView.self, try client.get("/blocks/\(reference)"))
        }
        access.print(block) { b in
            var lines = ["block \(b.height) \(b.id)", "time \(TimeText.describe(b.time, now: TimeText.now)), parent \(b.parentID)",
                         "proposer \(b.proposer)",
                         "state root \(b.stateRoot)", "\(b.transactions.count) transactions, \(b.evidence) evidence"]
            if let next = b.nextAuthorities { lines.append("authority set from height \(b.height + 2): \(next.joined(separator: ", "))") }
            if let certificate = b.certificate {
                lines.append("certified in round \(certificate.round) by \(certificate.signers.count): \(certificate.signers.joined(separator: ", "))")
            }
            lines += b.transactions.map { "  tx \($0)" }
            return lines.joined(separator: "\n")
        }
    }
}

struct TransactionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tx", abstract: "Show a transaction's status and receipt.")
    @OptionGroup var access: PeerAccess
    @Argument(help: "The transaction id (64 hex digits).") var id: String

    func run() throws {
        guard let bytes = Hex.decode(id), let txID = Bytes32(bytes) else {
            throw ValidationError("'\(id)' is not a 64-digit transaction id")
        }
        let view: TransactionView
        if let store = try access.offlineStore() {
            guard let committed = try ChainReader(store: store).committedTransaction(txID) else {
                throw CLIError("transaction \(id) is not in this store")
            }
            view = committed
        } else {
            let client = try access.client()
            let reply = try client.get("/transactions/\(id)")
            guard reply.status != 404 else { throw CLIError("transaction \(id) is unknown to this peer") }
            view = try client.decode(TransactionView.self, reply)
        }
        access.print(view) { t in
            if let missing = t.waitingForSequence {
                return "\(t.id): waiting for sequence \(missing) (pending at this peer; dropped in \(t.expiresInSeconds ?? 0) s if still waiting)"
            }
            if let deadline = t.waitingForDeadline {
                return "\(t.id): waiting for its deadline, \(TimeText.describe(deadline, now: TimeText.now)) (pending at this peer; "
                    + "it applies in the first block after that)"
            }
            guard let receipt = t.receipt else { return "\(t.id): \(t.status)" }
            return "\(t.id): committed in block \(receipt.height) (index \(receipt.index)): \(receipt.result) (\(receipt.code)): \(receipt.message)"
        }
    }
}

struct AccountCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "account", abstract: "Show an account: balances, sequence, credit record.")
    @OptionGroup var access: PeerAccess
    @Argument(help: "The account's address (tw1…).") var address: String

    func run() throws {
        let parsed: Address
        do { parsed = try Address(parsing: address) } catch { throw ValidationError(error.description) }
        let view: AccountView
        if let store = try access.offlineStore() {
            view = try ChainReader(store: store).account(parsed)
        } else {
            let client = try access.client()
            view = try client.decode(AccountView.self, try client.get("/accounts/\(parsed)"))
        }
        access.print(view) { a in
            var lines = ["account \(a.address)\(a.exists ? "" : " (no account yet)")",
                         "next sequence \(a.nextSequence)\(a.frozen ? ", FROZEN" : "")\(a.depositAuth ? ", deposit authorization on" : "")"]
            for balance in a.balances {
                lines.append("  \(balance.display) \(balance.asset)\(balance.held > 0 ? " (+\(Amount.format(balance.held, decimals: balance.decimals)) held)" : "")")
            }
            let c = a.credit
            lines.append("credit: \(c.ordersAsBuyer) orders as buyer, \(c.ordersAsSeller) as seller; \(c.completed) completed, \(c.refunded) refunded, \(c.disputed) disputed (\(c.disputesWon) won, \(c.disputesLost) lost)")
            if let merchant = a.merchant { lines.append("verified merchant \(merchant.name) (\(merchant.jurisdiction)) by \(merchant.attestedBy) at height \(merchant.height)") }
            if a.offenses > 0 { lines.append("\(a.offenses) recorded consensus offences") }
            return lines.joined(separator: "\n")
        }
    }
}

struct OrdersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "orders", abstract: "List orders, optionally of one account.")
    @OptionGroup var access: PeerAccess
    @Option(name: .long, help: "Only orders where this address is buyer, seller, carrier or arbiter.") var account: String?

    func run() throws {
        var parsed: Address?
        if let account {
            do { parsed = try Address(parsing: account) } catch { throw ValidationError(error.description) }
        }
        let orders: [OrderView]
        if let store = try access.offlineStore() {
            orders = try ChainReader(store: store).orders(account: parsed, limit: 1000, parameters: try access.offlineParameters())
        } else {
            let client = try access.client()
            orders = try client.decode([OrderView].self, try client.get("/orders" + (parsed.map { "?account=\($0)" } ?? "")))
        }
        access.print(orders) { list in
            list.map { "\($0.id)  \($0.state)  \($0.display) \($0.asset)  buyer \($0.buyer)  seller \($0.seller)" }.joined(separator: "\n")
        }
    }
}
