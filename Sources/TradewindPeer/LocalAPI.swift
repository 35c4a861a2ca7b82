import Foundation
import Hummingbird
import Logging
import NIOCore
import Prometheus
import TradewindConsensus
import TradewindCrypto
import TradewindLedger
import TradewindNoise
import TradewindChainStore
import TradewindStore
import TradewindTransport
import TradewindWire

/// The peer's local HTTP JSON API (docs/OPERATIONS.md lists every route). Reads come
/// straight from LMDB snapshots; writes go through the consensus engine.
public struct LocalAPI: Sendable {
    let node: PeerNode
    let registry = PrometheusCollectorRegistry()

    public init(node: PeerNode) { self.node = node }

    public func application(logger: Logger) -> some ApplicationProtocol {
        let router = Router()
        let api = self
        router.get("status") { _, _ in await api.status() }
        router.get("members") { _, _ in api.json(await api.node.members()) }
        router.get("blocks") { request, _ in api.blocks(request) }
        router.get("blocks/:id") { _, context in api.block(context.parameters.get("id") ?? "") }
        router.get("transactions/:id") { _, context in await api.transaction(context.parameters.get("id") ?? "") }
        router.post("transactions") { request, _ in await api.submit(request) }
        router.post("transactions/batch") { request, _ in await api.submitBatch(request) }
        router.get("accounts/:address") { _, context in await api.account(context.parameters.get("address") ?? "") }
        router.get("orders/:id") { _, context in api.order(context.parameters.get("id") ?? "") }
        router.get("orders") { request, _ in api.orders(request) }
        router.get("metrics") { _, _ in await api.metrics() }
        let home = node.home
        let configuration = node.configuration
        return Application(
            router: router,
            configuration: .init(address: .hostname(configuration.api.host, port: configuration.api.port),
                                 serverName: "tradewind/\(Release.version)"),
            onServerRunning: { channel in
                guard let address = channel.localAddress, let port = address.port else { return }
                let host = address.ipAddress ?? configuration.api.host
                let text = address.protocol == .inet6 ? "[\(host)]:\(port)" : "\(host):\(port)"
                try? FileIO.writeSynced(Array((text + "\n").utf8), to: home.apiAddressFile, mode: 0o644)
                logger.info("local API listening", metadata: ["address": "\(text)"])
            },
            logger: logger)
    }

    // MARK: Responses

    func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    func failure(_ status: HTTPResponse.Status, _ message: String) -> Response {
        json(ErrorView(error: message), status: status)
    }

    // MARK: Routes

    func status() async -> Response {
        guard let status = await node.status() else { return failure(.serviceUnavailable, "the peer is shutting down") }
        return json(status)
    }

    func blocks(_ request: Request) -> Response {
        let query = request.uri.queryParameters
        let limit = min(1000, max(1, query.get("limit").flatMap(Int.init) ?? 20))
        do {
            return json(try ChainReader(store: node.store).blocks(from: query.get("from").flatMap(UInt64.init), limit: limit))
        } catch {
            return failure(.internalServerError, "cannot read blocks: \(error)")
        }
    }

    func block(_ reference: String) -> Response {
        do {
            switch try ChainReader(store: node.store).block(reference) {
            case let .found(view): return json(view)
            case let .notFound(message): return failure(.notFound, message)
            case let .badRequest(message): return failure(.badRequest, message)
            }
        } catch {
            return failure(.internalServerError, "cannot read the block: \(error)")
        }
    }

    func transaction(_ reference: String) async -> Response {
        guard let bytes = Hex.decode(reference), let id = Bytes32(bytes) else {
            return failure(.badRequest, "'\(reference)' is not a 64-digit transaction id")
        }
        if let committed = try? ChainReader(store: node.store).committedTransaction(id) { return json(committed) }
        guard let (transaction, standing) = await node.pending(id) else {
            return json(TransactionView(id: id.hex, status: "unknown", sender: nil, sequence: nil, kind: nil, receipt: nil),
                        status: .notFound)
        }
        var view = TransactionView(id: id.hex, status: "pending", sender: transaction.sender.description,
                                   sequence: transaction.sequence, kind: transaction.body.kind, receipt: nil)
        switch standing {
        case .ready:
            break
        case let .waiting(missing, expiresAt):
            view.status = "waiting"
            view.waitingForSequence = missing
            // Rounded up, so a parked transaction never shows 0 s while still waiting.
            let left = max(0, (expiresAt - SystemClock.monotonic).nanoseconds)
            view.expiresInSeconds = UInt64(left / 1_000_000_000 + (left % 1_000_000_000 > 0 ? 1 : 0))
        case let .deferred(deadline):
            view.status = "waiting"
            view.waitingForDeadline = deadline
        }
        return json(view)
    }

    struct SubmitBody: Decodable {
        /// The canonical encoding of the signed transaction, in hex.
        var transaction: String
    }

    func submit(_ request: Request) async -> Response {
        guard let buffer = try? await request.body.collect(upTo: 64 << 10) else {
            return failure(.contentTooLarge, "the body exceeds 64 KiB")
        }
        guard let body = try? JSONDecoder().decode(SubmitBody.self, from: Data(buffer: buffer)) else {
            return failure(.badRequest, "expected {\"transaction\": \"<hex of the signed transaction>\"}")
        }
        guard let bytes = Hex.decode(body.transaction) else { return failure(.badRequest, "the transaction is not hex") }
        let transaction: Transaction
        do {
            transaction = try Transaction(wireEncoded: bytes)
        } catch {
            return failure(.badRequest, "the transaction does not decode: \(error)")
        }
        let submission = await node.submit(transaction)
        if case let .unavailable(reason) = submission { return failure(.serviceUnavailable, reason) }
        let view = Self.view(of: submission, transaction)
        return json(view, status: view.accepted ? .ok : .unprocessableContent)
    }

    /// What the submitter is told about `transaction`.
    static func view(of submission: ConsensusEngine.Submission, _ transaction: Transaction) -> SubmissionView {
        let id = transaction.id.hex
        switch submission {
        case .accepted:
            return SubmissionView(id: id, accepted: true, code: 0, result: "accepted", message: "in the mempool")
        case let .deferred(_, result):
            return SubmissionView(id: id, accepted: true, code: result.code.rawValue, result: result.code.name,
                                  message: "\(result.message); it waits in the mempool until a block's parent time reaches it",
                                  appliesFrom: result.appliesFrom)
        case let .rejected(result):
            return SubmissionView(id: id, accepted: false, code: result.code.rawValue, result: result.code.name,
                                  message: result.message, appliesFrom: result.appliesFrom)
        case let .mempool(admission):
            return SubmissionView(id: id, accepted: admission == .duplicate, code: nil, result: "\(admission)",
                                  message: Self.describe(admission))
        case let .unavailable(reason):
            return SubmissionView(id: id, accepted: false, code: nil, result: "unavailable", message: reason)
        }
    }

    struct BatchBody: Decodable {
        var transactions: [String]
    }

    /// POST /transactions/batch {"transactions": [hex, …]} (at most 4096): one result per transaction.
    func submitBatch(_ request: Request) async -> Response {
        guard let buffer = try? await request.body.collect(upTo: 8 << 20) else {
            return failure(.contentTooLarge, "the body exceeds 8 MiB")
        }
        guard let body = try? JSONDecoder().decode(BatchBody.self, from: Data(buffer: buffer)), body.transactions.count <= 4096 else {
            return failure(.badRequest, "expected {\"transactions\": [\"<hex>\", …]} with at most 4096 entries")
        }
        var transactions: [Transaction] = []
        for (index, hex) in body.transactions.enumerated() {
            guard let bytes = Hex.decode(hex), let transaction = try? Transaction(wireEncoded: bytes) else {
                return failure(.badRequest, "transaction \(index) does not decode")
            }
            transactions.append(transaction)
        }
        let results = await node.submit(batch: transactions)
        let views = zip(transactions, results).map { transaction, submission in Self.view(of: submission, transaction) }
        return json(views)
    }

    static func describe(_ admission: Mempool.Admission) -> String {
        switch admission {
        case .added: return "in the mempool"
        case .duplicate: return "already in the mempool"
        case let .stale(sequence, next): return "sequence \(sequence) is used; the account's next is \(next)"
        case let .tooFarAhead(sequence, next, window):
            return "sequence \(sequence) is \(window) or more past the account's next (\(next)); submit \(next) first"
        case let .sequenceTaken(sequence): return "another transaction with sequence \(sequence) is waiting"
        case let .senderFull(cap): return "the sender already has \(cap) transactions waiting"
        case .poolFull: return "the mempool is full"
        }
    }

    func account(_ text: String) async -> Response {
        let address: Address
        do { address = try Address(parsing: text) } catch { return failure(.badRequest, error.description) }
        do {
            var view = try ChainReader(store: node.store).account(address)
            view.pendingNextSequence = max(view.nextSequence, try await node.nextSequence(for: address))
            return json(view)
        } catch {
            return failure(.internalServerError, "cannot read account: \(error)")
        }
    }

    func order(_ reference: String) -> Response {
        guard let bytes = Hex.decode(reference), let id = Bytes32(bytes) else {
            return failure(.badRequest, "'\(reference)' is not a 64-digit order id")
        }
        guard let order = try? ChainReader(store: node.store).order(id, parameters: node.ledger.parameters) else {
            return failure(.notFound, "no order \(reference)")
        }
        return json(order)
    }

    func orders(_ request: Request) -> Response {
        var account: Address?
        if let text = request.uri.queryParameters.get("account") {
            do { account = try Address(parsing: text) } catch { return failure(.badRequest, error.description) }
        }
        guard let orders = try? ChainReader(store: node.store).orders(account: account, limit: 1000,
                                                                  parameters: node.ledger.parameters) else {
            return failure(.internalServerError, "cannot read orders")
        }
        return json(orders)
    }

    /// A gauge named tradewind_<name>[_<unit>].
    func gauge(_ name: String, unit: String = "", labels: [(String, String)] = [], help: String) -> Gauge {
        registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "tradewind", metricName: name, unitName: unit,
                                                            helpText: help),
                           labels: labels)
    }

    func metrics() async -> Response {
        guard let status = await node.status(), let metrics = await node.metrics() else {
            return failure(.serviceUnavailable, "the peer is shutting down")
        }
        let counters = await node.transport.counters()
        gauge("height", help: "committed height").set(Double(status.height))
        gauge("round", help: "consensus round at the current height").set(Double(status.round))
        gauge("mempool_transactions", help: "transactions waiting").set(Double(status.mempool))
        gauge("store_bytes", help: "bytes of the store in use (LMDB pages up to the highest written)")
            .set(Double(status.storeBytes))
        gauge("members", help: "members not known dead").set(Double(status.members))
        gauge("committed_transactions", help: "transactions committed since start")
            .set(Double(status.committedTransactions))
        gauge("transactions_per_second", help: "committed transactions per second since start")
            .set(status.uptimeSeconds > 0 ? Double(status.committedTransactions) / status.uptimeSeconds : 0)
        gauge("invalid_consensus_messages", help: "consensus messages dropped as invalid")
            .set(Double(metrics.invalidMessages))
        gauge("consensus_messages_as_parts", help: "consensus messages sent as part transfers (too large for one message)")
            .set(Double(metrics.counters.largeMessages))
        gauge("consensus_messages_oversize", help: "consensus messages dropped as too large even for parts")
            .set(Double(metrics.counters.oversizeDrops))
        gauge("gossip_blocks_relayed", help: "committed blocks checked and relayed by gossip")
            .set(Double(metrics.counters.blocksRelayed))
        gauge("gossip_transactions_relayed", help: "transactions checked and relayed by gossip")
            .set(Double(metrics.counters.transactionsRelayed))
        gauge("gossip_transactions_reannounced", help: "announcements again of transactions submitted here: when they become takeable, then until they commit")
            .set(Double(metrics.counters.reannounced))
        gauge("undecodable_messages", help: "messages from members that did not decode")
            .set(Double(metrics.counters.undecodable))
        gauge("other_version_messages", help: "messages refused for another gossip version (a peer of another release)")
            .set(Double(metrics.counters.otherVersion))
        let compactHelp = "compact blocks from gossip rebuilt from the mempool alone, or that needed bodies fetched"
        gauge("compact_blocks", labels: [("bodies", "mempool")], help: compactHelp)
            .set(Double(metrics.counters.compactBlocksFromMempool))
        gauge("compact_blocks", labels: [("bodies", "fetched")], help: compactHelp)
            .set(Double(metrics.counters.compactBlocksFetched))
        gauge("datagrams_received", help: "datagrams received").set(Double(counters.datagramsReceived))
        gauge("datagrams_sent", help: "datagrams sent").set(Double(counters.datagramsSent))
        for (kind, count) in metrics.messagesSent.sorted(by: { $0.key < $1.key }) {
            gauge("messages_sent", labels: [("kind", kind)],
                  help: "messages sent by kind (membership, dissemination's push/ihave/iwant by topic, parts, direct)")
                .set(Double(count))
        }
        gauge("socket_reopens", help: "UDP socket opened again after the system refused a send and closed it")
            .set(Double(counters.socketReopens))
        for reason in TransportCounters.DropReason.allCases {
            gauge("datagrams_dropped", labels: [("reason", reason.rawValue)], help: "datagrams dropped by reason")
                .set(Double(counters[reason]))
        }
        let sorted = metrics.latencies.sorted()
        for (label, quantile) in [("0.5", 0.5), ("0.99", 0.99)] where !sorted.isEmpty {
            gauge("commit_latency", unit: "seconds", labels: [("quantile", label)], help: "submission to commit, for transactions submitted here (not those deferred to a deadline)")
                .set(sorted[min(sorted.count - 1, Int(Double(sorted.count) * quantile))])
        }
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                        body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
