import Foundation
import Testing
import TradewindPeer
import TradewindTestSupport

/// A script that submits from one wallet without waiting between transactions: each
/// `tradewind send` takes the sequence after the wallet's transactions still pending
/// at the peer, so none is refused and all commit in order. A sequence after a gap is
/// shown as waiting for the missing one; one too far ahead is refused.
@Suite(.serialized) struct BackToBackSubmissionTests {
    @Test func aHundredSendsWithoutWaitAllCommitInOrder() throws {
        let mesh = try ProcessMesh(label: "mesh-back-to-back", participants: "payer,payee")
        defer { mesh.stopAll() }
        let authorities = mesh.names.filter { $0.hasPrefix("authority") }
        // 40 ms one way: a commit takes longer than a CLI invocation, so each send finds the previous one pending.
        for name in authorities { try mesh.start(name, environment: ["TRADEWIND_EMULATED_DELAY_MS": "40"]) }
        #expect(mesh.waitForHeight(2, peers: authorities), "no blocks: \(mesh.log("authority-1").suffix(2000))")
        let payee = try mesh.address("payee"), payer = try mesh.address("payer")
        let signing = ["--home", mesh.home("authority-1"), "--wallets", mesh.net + "/wallets", "--from", "payer"]
        var sends = 0
        func send(_ extra: [String] = []) throws -> (status: Int32, output: String, error: String) {
            sends += 1
            // Distinct memos: two sends never make the same transaction.
            return try ProcessMesh.cli(["send", "--to", payee, "--amount", "0.01", "--asset", "USD", "--memo", "transfer \(sends)"]
                                       + extra + signing)
        }
        // Checks read another peer's API from here (the sends are what go through the CLI).
        let reader = try LocalAPIClient(api: nil, home: mesh.home("authority-2"))
        func transaction(_ id: String) throws -> TransactionView? {
            try? reader.decode(TransactionView.self, try reader.get("/transactions/\(id)"))
        }
        func waitForNextSequence(_ sequence: UInt64) -> Bool {
            let deadline = Date().addingTimeInterval(60)
            while (try? reader.decode(AccountView.self, try reader.get("/accounts/\(payer)")).nextSequence) ?? 0 < sequence {
                guard Date() < deadline else { return false }
                usleep(200_000)
            }
            return true
        }

        var ids: [String] = []
        let started = Date()
        for index in 0..<100 {
            let sent = try send()
            guard sent.status == 0 else {
                Issue.record("send \(index) was refused: \(sent.error)")
                return
            }
            ids.append(sent.output.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        print("100 sends without --wait took \(Int(Date().timeIntervalSince(started) * 1000)) ms")
        #expect(waitForNextSequence(100), "not all 100 committed: \(mesh.log("authority-1").suffix(1500))")
        var previous: (height: UInt64, index: UInt32)?
        for (index, id) in ids.enumerated() {
            guard let view = try transaction(id), let receipt = view.receipt else {
                Issue.record("transfer \(index) (\(id)) has no receipt")
                continue
            }
            #expect(view.sequence == UInt64(index))
            #expect(receipt.result == "tesSUCCESS", "transfer \(index): \(receipt.result) \(receipt.message)")
            if let previous {
                #expect(previous.height < receipt.height || (previous.height == receipt.height && previous.index < receipt.index),
                        "transfer \(index) is not after transfer \(index - 1)")
            }
            previous = (receipt.height, receipt.index)
        }
        let balance = try mesh.account("authority-3", of: payee).balances.first { $0.asset == "USD" }?.display
        #expect(balance == "1000001.00")

        // A sequence after a gap waits for the missing one; the next sequence offered stays at the gap.
        let parked = try send(["--sequence", "102"])
        #expect(parked.status == 0, "\(parked.error)")
        let parkedID = parked.output.trimmingCharacters(in: .whitespacesAndNewlines)
        let shown = try mesh.cli("authority-1", ["tx", parkedID])
        #expect(shown.output.contains("waiting for sequence 100"), "\(shown.output)\(shown.error)")
        let view = try transaction(parkedID)
        #expect(view?.status == "waiting" && view?.waitingForSequence == 100 && (view?.expiresInSeconds ?? 0) > 0,
                "\(String(describing: view))")
        let account = try mesh.account("authority-1", of: payer)
        #expect(account.nextSequence == 100 && account.pendingNextSequence == 100)
        // Too far ahead to park: refused, naming the sequence and the account's next.
        let far = try send(["--sequence", "164"])
        #expect(far.status == 1 && far.error.contains("tooFarAhead") && far.error.contains("sequence 164"), "\(far.error)")
        // Filling the gap commits the parked transfer after the two that fill it.
        for _ in 0..<2 { #expect(try send().status == 0) }
        #expect(waitForNextSequence(103), "the parked transfer did not commit")
        #expect(try transaction(parkedID)?.receipt?.result == "tesSUCCESS")
    }
}
