import Foundation
import TradewindTestSupport
import Testing
import TradewindStore
import TradewindWire

/// Tests with a second process: killed mid-commit, or reading while this one writes.
@Suite struct StoreProcessTests {
    let tableA = Table<UInt64, [UInt8]>("a")
    let tableB = Table<UInt64, [UInt8]>("b")
    let meta = Table<String, UInt64>("meta")

    /// The payload TradewindProbe writes for entry i (the same function).
    func payload(_ index: UInt64, table: UInt8) -> [UInt8] {
        let length = 64 + Int(index % 29) * 97
        return (0..<length).map { UInt8(truncatingIfNeeded: Int(index) &+ $0 &* 31 &+ Int(table)) }
    }

    /// SIGKILL at a random moment: every commit that returned is there, and no
    /// transaction is half there. Runs several kills on one environment, each
    /// restart continuing where the last one stopped.
    @Test func killedWriterLosesNoCommittedWrite() throws {
        let directory = try temporaryDirectory("crash")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var generator = SystemRandomNumberGenerator()
        var acknowledged: UInt64? = nil
        for round in 0..<4 {
            // A small first map, so some kills land during map growth.
            let writer = try ChildProcess(executable: "TradewindProbe", arguments: ["store-writer", directory, "131072"])
            defer { writer.kill() }
            let target = Int.random(in: 20...400, using: &generator)
            var seen = 0
            while seen < target, let line = writer.readLine() {
                acknowledged = UInt64(line)
                seen += 1
            }
            usleep(UInt32.random(in: 0...3000, using: &generator))
            writer.kill()
            // Lines already in the pipe were printed after their commit returned.
            for line in writer.remainingLines() { acknowledged = UInt64(line) }
            #expect(writer.wait() != 0)
            let last = try #require(acknowledged, "round \(round): the writer committed nothing")

            let environment = try StoreEnvironment(directory: directory, tables: ["a", "b", "meta"])
            #expect(environment.isDurable)
            try environment.read { txn throws in
                let next = try txn.get("next", in: meta) ?? 0
                #expect(next >= last + 1, "round \(round): acknowledged commit \(last) is missing (next = \(next))")
                let keysA = try txn.entries(in: tableA).map(\.key)
                let keysB = try txn.entries(in: tableB).map(\.key)
                // Whole transactions only: both tables and the counter agree.
                #expect(keysA == Array(0..<next), "round \(round)")
                #expect(keysB == keysA, "round \(round)")
                try txn.forEach(in: tableA) { key, value in
                    #expect(value == payload(key, table: 1))
                    return true
                }
            }
        }
    }

    /// The map grows from a tiny size while a reader thread here and a read-only
    /// reader process are active; the process adopts the new size (MDB_MAP_RESIZED).
    @Test func mapGrowsWhileAnotherProcessReads() throws {
        let directory = try temporaryDirectory("grow-process")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var options = StoreEnvironment.Options()
        options.initialMapSize = 64 << 10
        let environment = try StoreEnvironment(directory: directory, tables: ["a", "b", "meta"], options: options)
        let initial = environment.mapSize
        let reader = try ChildProcess(executable: "TradewindProbe", arguments: ["store-reader", directory])
        defer { reader.kill() }
        let stop = Flag()
        let thread = Thread {
            while !stop.isSet { _ = try? environment.read { try $0.count(tableA) } }
        }
        thread.start()
        let total: UInt64 = 3000
        for start in stride(from: UInt64(0), to: total, by: 100) {
            try environment.write { txn in
                for index in start..<(start + 100) { try txn.put(payload(index, table: 1), forKey: index, in: tableA) }
            }
            usleep(2000)
        }
        try environment.write { try $0.put(total, forKey: "done", in: meta) }
        stop.set()
        while !thread.isFinished { usleep(1000) }
        let output = reader.remainingLines()
        #expect(reader.wait() == 0, "reader process failed: \(output)")
        let summary = try #require(output.last)
        #expect(summary.hasPrefix("reads ") && summary.contains("entries \(total)"), "\(summary)")
        #expect(environment.mapSize > initial * 8, "map grew from \(initial) to \(environment.mapSize)")
    }

    /// A reader slot left by a killed process is cleared. (When the last process
    /// with the environment open closes it, LMDB resets the whole reader table at the
    /// next open; the check matters while other processes keep it open.)
    @Test func staleReadersCleared() throws {
        let directory = try temporaryDirectory("stale")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let environment = try StoreEnvironment(directory: directory, tables: ["a", "b", "meta"])
        let holder = try ChildProcess(executable: "TradewindProbe", arguments: ["store-hold-reader", directory])
        defer { holder.kill() }
        #expect(holder.readLine() == "holding")
        #expect(try environment.clearStaleReaders() == 0)
        holder.kill()
        holder.wait()
        #expect(try environment.clearStaleReaders() == 1)
        #expect(try environment.clearStaleReaders() == 0)
    }
}
