import CLMDB
import TradewindTestSupport
import Foundation
import Testing
import TradewindStore
import TradewindWire

@Suite struct StoreTests {
    let heights = Table<UInt64, [UInt8]>("heights")
    let names = Table<String, Bytes32>("names")

    private func open(_ directory: String, options: StoreEnvironment.Options = .init()) throws -> StoreEnvironment {
        try StoreEnvironment(directory: directory, tables: ["heights", "names"], options: options)
    }

    @Test func durableFlags() throws {
        let directory = try temporaryDirectory("flags")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let environment = try open(directory)
        #expect(environment.isDurable)
        #expect(environment.flags & UInt32(MDB_NOSYNC | MDB_NOMETASYNC | MDB_MAPASYNC) == 0)
        #expect(environment.flags & UInt32(MDB_NOTLS) != 0)
        let attributes = try FileManager.default.attributesOfItem(atPath: directory + "/data.mdb")
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
    }

    @Test func putGetDeleteAndCommitOnReturn() throws {
        let directory = try temporaryDirectory("basic")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let key = Bytes32([UInt8](repeating: 5, count: 32))!
        do {
            let environment = try open(directory)
            try environment.write { txn in
                try txn.put([1, 2, 3], forKey: 7, in: heights)
                try txn.put(key, forKey: "alice", in: names)
                #expect(try txn.get(7, in: heights) == [1, 2, 3]) // own writes are visible
            }
            #expect(try environment.read { try $0.get(7, in: heights) } == [1, 2, 3])
            #expect(try environment.write { try $0.delete(7, in: heights) })
            #expect(try environment.write { try $0.delete(7, in: heights) } == false)
        }
        // Reopened: what committed is there.
        let reopened = try open(directory)
        #expect(try reopened.read { try $0.get("alice", in: names) } == key)
        #expect(try reopened.read { try $0.get(7, in: heights) } == nil)
    }

    struct Refused: Error {}

    @Test func abortsWhenTheClosureThrows() throws {
        let directory = try temporaryDirectory("abort")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let environment = try open(directory)
        #expect(throws: Refused.self) {
            try environment.write { txn in
                try txn.put([9], forKey: 1, in: heights)
                throw Refused()
            }
        }
        #expect(try environment.count(heights) == 0)
    }

    @Test func rangeScansForwardAndBackward() throws {
        let directory = try temporaryDirectory("scan")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let environment = try open(directory)
        // Heights 0, 10, ..., 990, plus 256 and 65536 whose big-endian bytes test ordering.
        let keys = Array(stride(from: UInt64(0), to: 1000, by: 10)) + [256, 65_536]
        try environment.write { txn in
            for key in keys { try txn.put(key.storeKeyBytes, forKey: key, in: heights) }
        }
        let sorted = keys.sorted()
        try environment.read { txn throws in
            #expect(try txn.entries(in: heights).map(\.key) == sorted)
            #expect(try txn.entries(in: heights, reverse: true).map(\.key) == sorted.reversed())
            #expect(try txn.entries(in: heights, from: 15, through: 50).map(\.key) == [20, 30, 40, 50])
            #expect(try txn.entries(in: heights, from: 50, through: 15, reverse: true).map(\.key) == [50, 40, 30, 20])
            // Reverse from a key between entries starts at the one below it.
            #expect(try txn.entries(in: heights, from: 55, reverse: true, limit: 2).map(\.key) == [50, 40])
            // Reverse from beyond the last key starts at the last.
            #expect(try txn.entries(in: heights, from: 1_000_000, reverse: true, limit: 1).map(\.key) == [65_536])
            #expect(try txn.entries(in: heights, from: 1_000_000).isEmpty)
            #expect(try txn.entries(in: heights, from: 990, limit: 5).map(\.key) == [990, 65_536])
            #expect(try txn.entries(in: heights, limit: 0).isEmpty)
            #expect(try txn.count(heights) == keys.count)
        }
    }

    @Test func errorsCarryLMDBCodeAndMessage() throws {
        #expect {
            try StoreEnvironment(directory: "/nonexistent/tradewind-\(UUID().uuidString)", tables: [], options: .readOnly)
        } throws: { error in
            guard case let .lmdb(operation, code, message) = error as? StoreError else { return false }
            return operation.hasPrefix("env_open") && code == ENOENT && message == "No such file or directory"
        }
        let directory = try temporaryDirectory("errors")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let environment = try open(directory)
        #expect(throws: StoreError.unknownTable("missing")) {
            try environment.read { try $0.get(1, in: Table<UInt64, [UInt8]>("missing")) }
        }
        #expect(throws: StoreError.keyTooLong(table: "names", length: 600, maximum: environment.maxKeySize)) {
            try environment.write { try $0.put(.zero, forKey: String(repeating: "k", count: 600), in: names) }
        }
        try environment.write { try $0.put([1, 2], forKey: "short", in: Table<String, [UInt8]>("names")) }
        #expect {
            try environment.read { try $0.get("short", in: names) }
        } throws: { error in
            if case .decoding(let table, _) = error as? StoreError { return table == "Bytes32" }
            return false
        }
    }

    @Test func readOnlyEnvironmentRefusesWrites() throws {
        let directory = try temporaryDirectory("readonly")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let writer = try open(directory)
        try writer.write { try $0.put([1], forKey: 1, in: heights) }
        let reader = try open(directory, options: .readOnly)
        #expect(throws: StoreError.readOnly) { try reader.write { try $0.put([2], forKey: 2, in: heights) } }
        #expect(try reader.read { try $0.get(1, in: heights) } == [1])
        // The reader sees later commits of the writer.
        try writer.write { try $0.put([3], forKey: 3, in: heights) }
        #expect(try reader.read { try $0.get(3, in: heights) } == [3])
    }

    /// A transaction bigger than the whole map still commits: the map grows and the
    /// closure runs again, with a reader thread active throughout.
    @Test func mapGrowsUnderAReaderThread() throws {
        let directory = try temporaryDirectory("grow-thread")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var options = StoreEnvironment.Options()
        options.initialMapSize = 64 << 10
        let environment = try open(directory, options: options)
        let initial = environment.mapSize
        let stop = Flag()
        let readerErrors = Flag()
        let reader = Thread {
            while !stop.isSet {
                do {
                    _ = try environment.read { try $0.count(heights) }
                } catch {
                    readerErrors.set()
                }
            }
        }
        reader.start()
        let value = [UInt8](repeating: 0x5a, count: 1000)
        var runs = 0
        try environment.write { txn in
            runs += 1
            for key in UInt64(0)..<2000 { try txn.put(value, forKey: key, in: heights) }
        }
        for batch in UInt64(1)...20 {
            try environment.write { txn in
                for key in (batch * 10_000)..<(batch * 10_000 + 200) { try txn.put(value, forKey: key, in: heights) }
            }
        }
        stop.set()
        while !reader.isFinished { usleep(1000) }
        #expect(runs > 1, "the big transaction should have been re-run after growing the map")
        #expect(environment.mapSize > initial)
        #expect(try environment.count(heights) == 2000 + 20 * 200)
        #expect(!readerErrors.isSet)
    }

    /// A consistent copy of a live environment: taken while a writer thread commits,
    /// it holds some committed prefix of the writer's transactions, whole.
    @Test func consistentCopyWhileWriting() throws {
        let directory = try temporaryDirectory("copy")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let environment = try open(directory)
        let stop = Flag()
        let writer = Thread {
            var next: UInt64 = 0
            while !stop.isSet {
                try? environment.write { txn in
                    try txn.put(next.storeKeyBytes, forKey: next, in: heights)
                    try txn.put(Bytes32(filling: { $0.storeBytes(of: next.bigEndian, as: UInt64.self) }), forKey: "last", in: names)
                }
                next += 1
            }
        }
        writer.start()
        while try environment.count(heights) < 200 { usleep(1000) }
        let copyDirectory = directory + "/copy"
        try FileManager.default.createDirectory(atPath: copyDirectory, withIntermediateDirectories: true)
        try environment.copy(toFile: copyDirectory + "/data.mdb")
        stop.set()
        while !writer.isFinished { usleep(1000) }
        let copy = try StoreEnvironment(directory: copyDirectory, tables: ["heights", "names"])
        try copy.read { txn throws in
            let count = try txn.count(heights)
            let last = try #require(try txn.get("last", in: names))
            let lastHeight = last.withUnsafeBytes { UInt64(bigEndian: $0.loadUnaligned(as: UInt64.self)) }
            #expect(count >= 200)
            #expect(UInt64(count) == lastHeight + 1)
            #expect(try txn.entries(in: heights).map(\.key) == Array(0..<UInt64(count)))
        }
        #expect(throws: StoreError.self) { try environment.copy(toFile: copyDirectory + "/data.mdb") }
    }
}

/// A flag shared between a test and its helper thread.
final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false

    var isSet: Bool {
        lock.lock()
        defer { lock.unlock() }
        return value
    }

    func set() {
        lock.lock()
        value = true
        lock.unlock()
    }
}
