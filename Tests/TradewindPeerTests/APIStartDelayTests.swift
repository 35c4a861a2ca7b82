import Foundation
import Testing
import TradewindPeer
import TradewindTestSupport

/// TRADEWIND_API_START_DELAY_MS: a peer that runs but whose local API comes up late,
/// as on a loaded machine — what Bootstrap/dev's waits and Bootstrap/newcomer are
/// tested against.
@Suite struct APIStartDelayTests {
    /// Polls `condition` every 50 ms; the time it first held, or nil after `timeout`.
    func firstTime(within timeout: TimeInterval, _ condition: () -> Bool) -> Date? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition() { return Date() }
            usleep(50_000)
        }
        return nil
    }

    @Test func delayedPeerRunsWithoutAPIThenAnswersAfterTheDelay() throws {
        let mesh = try ProcessMesh(label: "api-delay", participants: "importer")
        defer { mesh.stopAll() }
        let addressFile = PeerHome(mesh.home("importer")).apiAddressFile
        try mesh.start("importer", environment: ["TRADEWIND_API_START_DELAY_MS": "3000"])

        guard let started = firstTime(within: 60, { mesh.log("importer").contains("peer started") }) else {
            Issue.record("the peer did not start: \(mesh.log("importer").suffix(2000))")
            return
        }
        // Running, but not answering: no address written, no API.
        #expect(mesh.peers["importer"]?.process.isRunning == true)
        #expect(!FileManager.default.fileExists(atPath: addressFile), "run/api.addr was written before the delay passed")
        // The CLI falls back to reading the store of a peer whose API does not answer.
        #expect(mesh.status("importer")?.running != true, "the API answered during the delay")
        #expect(mesh.log("importer").contains("TRADEWIND_API_START_DELAY_MS"), "\(mesh.log("importer").suffix(2000))")

        guard let answered = firstTime(within: 60, { mesh.status("importer")?.running == true }) else {
            Issue.record("the API never answered: \(mesh.log("importer").suffix(2000))")
            return
        }
        // 3 s after the node started, less the 50 ms polling of each side.
        #expect(answered.timeIntervalSince(started) >= 2.9, "the API answered \(answered.timeIntervalSince(started)) s after the peer started")
        #expect(mesh.status("importer")?.name == "importer")
        #expect(FileManager.default.fileExists(atPath: addressFile))
    }

    /// SIGTERM while the API waits ends the peer at once and cleanly (the delay does not hold up shutdown).
    @Test func delayedPeerStopsGracefullyDuringTheDelay() throws {
        let mesh = try ProcessMesh(label: "api-delay-stop", participants: "importer")
        defer { mesh.stopAll() }
        try mesh.start("importer", environment: ["TRADEWIND_API_START_DELAY_MS": "60000"])
        // The warning comes from the waiting API service: the peer's services (and their
        // signal handling) are running.
        guard firstTime(within: 60, { mesh.log("importer").contains("starting the local API in 60000 ms") }) != nil,
              let peer = mesh.peers["importer"] else {
            Issue.record("the peer did not start: \(mesh.log("importer").suffix(2000))")
            return
        }
        usleep(300_000)
        let signalled = Date()
        peer.kill(SIGTERM)
        let status = peer.wait(timeout: 30)
        #expect(status == 0, "exit \(status): \(mesh.log("importer").suffix(2000))")
        #expect(Date().timeIntervalSince(signalled) < 15, "shutdown waited for the API delay")
        #expect(!FileManager.default.fileExists(atPath: PeerHome(mesh.home("importer")).apiAddressFile))
    }

    @Test func malformedDelayIsRefusedWithItsValueBeforeAnythingStarts() throws {
        let mesh = try ProcessMesh(label: "api-delay-bad", participants: "importer")
        defer { mesh.stopAll() }
        for value in ["soon", "-1", "60001", "1.5", ""] {
            // A peer that accepted the value would run: it is killed after 20 s, and the test fails.
            let log = mesh.directory + "/refused.log"
            let peer = try ChildProcess(executable: "tradewind", arguments: ["peer", "--home", mesh.home("importer")],
                                        environment: ["TRADEWIND_API_START_DELAY_MS": value], errorLog: log)
            let status = peer.wait(timeout: 20)
            let error = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            #expect(status == 1, "'\(value)': exit \(status), \(error)")
            #expect(error.contains("TRADEWIND_API_START_DELAY_MS") && error.contains("'\(value)'"), "'\(value)': \(error)")
            #expect(!error.contains("peer started"), "'\(value)' was refused only after the peer started: \(error)")
        }
        #expect(!FileManager.default.fileExists(atPath: PeerHome(mesh.home("importer")).apiAddressFile))
    }
}
