import Foundation
import Testing
import TradewindCrypto
import TradewindLedger
import TradewindPeer
import TradewindChainStore
import TradewindTestSupport
import TradewindWire

/// A home made by a release with other consensus rules is refused with a clear
/// message and exit status 1 — by the peer and by read-only inspection — never
/// run under the wrong rules or trapped on.
@Suite struct HomeVersionTests {
    /// A one-authority test network whose authority's store exists, as after a first start.
    static func network() throws -> (out: String, home: PeerHome) {
        let out = try temporaryDirectory("home-version") + "/net"
        let made = try ChildProcess.run("tradewind", ["testnet", "--authorities", "1", "--out", out, "--base-port", String(testBasePort(span: 2))])
        #expect(made.status == 0, "\(made.error)")
        let home = PeerHome(out + "/authority-1")
        try FileManager.default.createDirectory(atPath: home.dataDirectory, withIntermediateDirectories: true)
        let store = try ChainStore(directory: home.dataDirectory)
        try store.initialize(ledger: Ledger(genesis: home.genesis()))
        return (out, home)
    }

    /// Rewrites a genesis file as an earlier release wrote it: the same fields under
    /// `version` (release 0.1.0 wrote no version at all: nil).
    static func downgrade(_ path: String, to version: UInt8?) throws {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path)))
        var fields = try #require(object as? [String: Any])
        #expect(fields["version"] as? Int == Int(Genesis.version))
        fields["version"] = version.map { Int($0) }
        try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys]).write(to: URL(fileURLWithPath: path))
    }

    /// The previous commit's release, whose genesis version is one below this one's.
    static let previous: (version: UInt8, release: String) = (2, "0.2.0")

    static func refusal(_ release: String, _ version: UInt8) -> String {
        "was created by Tradewind \(release) (genesis version \(version)); this is Tradewind \(Release.version) "
            + "(genesis version \(Genesis.version)), whose consensus rules differ: regenerate the network"
    }

    @Test func aHomeOfThePreviousReleaseIsRefusedByThePeerAndByInspection() throws {
        let (out, home) = try Self.network()
        defer { try? FileManager.default.removeItem(atPath: out) }
        // The home of this release opens.
        let current = try ChildProcess.run("tradewind", ["status", "--home", home.path])
        #expect(current.status == 0, "\(current.error)")
        #expect(current.output.contains("stopped (read from its store)") && current.output.contains("height 0,"), "\(current.output)")
        #expect(current.output.contains(" KiB") && current.output.contains("; store "), "\(current.output)")

        try Self.downgrade(home.genesisFile, to: Self.previous.version)
        let refusal = Self.refusal(Self.previous.release, Self.previous.version)
        let peer = try ChildProcess.run("tradewind", ["peer", "--home", home.path])
        #expect(peer.status == 1, "status \(peer.status): \(peer.error)")
        #expect(peer.error.contains(home.genesisFile + " " + refusal), "\(peer.error)")
        #expect(!FileManager.default.fileExists(atPath: home.apiAddressFile))

        for command in [["status"], ["blocks"]] {
            let inspection = try ChildProcess.run("tradewind", command + ["--home", home.path])
            #expect(inspection.status == 1, "\(command): status \(inspection.status): \(inspection.error)")
            #expect(inspection.error.contains(home.genesisFile + " " + refusal), "\(command): \(inspection.error)")
        }
        #expect(throws: PeerError.self) { try home.checkVersion() }
    }

    @Test func initRefusesAGenesisOfAnEarlierRelease() throws {
        // The previous release's version byte, and release 0.1.0's genesis with no version field.
        for (version, release, shown) in [(Self.previous.version, Self.previous.release, Self.previous.version),
                                          (nil, "0.1.0", 1)] as [(UInt8?, String, UInt8)] {
            let (out, _) = try Self.network()
            defer { try? FileManager.default.removeItem(atPath: out) }
            try Self.downgrade(out + "/genesis.json", to: version)
            let result = try ChildProcess.run("tradewind", ["init", "--home", out + "/newcomer", "--genesis",
                                                            out + "/genesis.json", "--network-key", out + "/network.key"])
            #expect(result.status == 1, "status \(result.status): \(result.error)")
            #expect(result.error.contains(out + "/genesis.json " + Self.refusal(release, shown)), "\(result.error)")
            #expect(!FileManager.default.fileExists(atPath: out + "/newcomer/genesis.json"))
        }
    }

    /// The version byte is the first byte of the genesis encoding, so it is in the
    /// network id: the same genesis under other rules is another network.
    @Test func theGenesisVersionIsHashedIntoTheNetworkID() throws {
        let (out, home) = try Self.network()
        defer { try? FileManager.default.removeItem(atPath: out) }
        let genesis = try home.genesis()
        var encoded = genesis.wireEncoded
        #expect(encoded.first == Genesis.version)
        // The network id is the hash of the encoding, version byte included: the same
        // genesis under the previous version byte names another network.
        let current = try Ledger(genesis: genesis).networkID
        #expect(current == Blake2b.hash256(encoded))
        encoded[0] = Self.previous.version
        #expect(Blake2b.hash256(encoded) != current)
        #expect(throws: WireError.unsupportedVersion(type: "Genesis", version: Self.previous.version)) {
            try Genesis(wireEncoded: encoded)
        }
    }
}

/// `tradewind testnet` sets the network's timing: windows and intervals as durations.
@Suite struct TestnetTimingTests {
    func genesis(_ out: String) throws -> Genesis {
        try JSONDecoder().decode(Genesis.self, from: Data(contentsOf: URL(fileURLWithPath: out + "/genesis.json")))
    }

    @Test func testnetSetsTheDisputeAndArbitrationWindowsAndTheIntervals() throws {
        let directory = try temporaryDirectory("testnet-timing")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let out = directory + "/net"
        let made = try ChildProcess.run("tradewind", [
            "testnet", "--authorities", "1", "--out", out, "--dispute-window", "90s", "--arbitration-window", "2h",
            "--block-interval", "150ms", "--heartbeat", "1m",
        ])
        #expect(made.status == 0, "\(made.error)")
        let parameters = try genesis(out).parameters
        #expect(parameters.disputeWindowMs == 90_000)
        #expect(parameters.arbitrationWindowMs == 7_200_000)
        #expect(parameters.blockIntervalMs == 150)
        #expect(parameters.heartbeatIntervalMs == 60_000)

        let defaults = directory + "/defaults"
        #expect(try ChildProcess.run("tradewind", ["testnet", "--authorities", "1", "--out", defaults]).status == 0)
        let standard = try genesis(defaults).parameters
        #expect([standard.disputeWindowMs, standard.arbitrationWindowMs, standard.blockIntervalMs, standard.heartbeatIntervalMs]
                == [60_000, 120_000, 200, 250])
    }

    @Test func testnetRefusesADurationItCannotRead() throws {
        let directory = try temporaryDirectory("testnet-timing")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let cases: [([String], String)] = [
            (["--dispute-window", "10x"], "--dispute-window '10x'"),
            (["--arbitration-window", "h"], "--arbitration-window 'h'"),
            (["--dispute-window", "0s"], "--dispute-window '0s'"),
            (["--block-interval=-5ms"], "--block-interval '-5ms'"),
            (["--dispute-window", "99999999999999999999d"], "--dispute-window '99999999999999999999d'"),
            (["--arbitration-window", "366d"], "--arbitration-window '366d'"),
            (["--block-interval", "2s", "--heartbeat", "1s"], "--heartbeat '1s' must be at least --block-interval '2s'"),
        ]
        for (index, (flags, message)) in cases.enumerated() {
            let out = directory + "/net\(index)"
            let result = try ChildProcess.run("tradewind", ["testnet", "--authorities", "1", "--out", out] + flags)
            #expect(result.status == 64, "\(flags): status \(result.status)")
            #expect(result.error.contains(message), "\(flags): \(result.error)")
            #expect(!FileManager.default.fileExists(atPath: out + "/genesis.json"), "\(flags)")
        }
    }
}
