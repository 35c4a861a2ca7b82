// A helper process for tests that need a second process: one that is killed in
// the middle of its work, or one that reads while another writes.
//
//   TradewindProbe store-writer DIR [INITIAL_MAP_BYTES]
//       Commits transactions forever; after each commit returns, prints its number.
//       Transaction i puts key i into tables "a" and "b" (both or neither must
//       survive a crash) with a payload whose size varies, so the map grows.
//   TradewindProbe store-reader DIR
//       Opens DIR read-only and reads table "a" over and over, while another process
//       writes and grows the map, until meta["done"] holds the expected count; then
//       checks every entry and prints "reads R entries N".
//   TradewindProbe store-hold-reader DIR
//       Opens a read transaction, prints "holding" and sleeps until killed, leaving
//       a stale reader slot behind.
//   TradewindProbe ledger-replay GENESIS_JSON BLOCKS_FILE DIR [INITIAL_MAP_BYTES]
//       Applies the blocks in BLOCKS_FILE (a canonical array of blocks) to the chain
//       store in DIR, created from the genesis if empty, continuing after its head;
//       prints "height H root HEX" after each block's commit returns.
//   TradewindProbe transport-echo NETWORK_KEY_HEX NETWORK_ID_HEX SEED_HEX
//       A transport endpoint on 127.0.0.1 (port chosen by the system) that prints
//       "listening PORT ED25519_PUBLIC_KEY_HEX" and answers every message M with
//       "echo:" + M. For the interoperability test with another Noise library.
//   TradewindProbe transport-fuzz COUNT
//       Sends COUNT random and mutated datagrams at a live endpoint while it holds a
//       session with another, then checks that session, the drop counters and memory.
import Foundation
import TradewindStore
import TradewindWire

let arguments = CommandLine.arguments
guard arguments.count >= 3 else { fail("usage: TradewindProbe COMMAND ARGUMENTS (see the comment in main.swift)") }

switch arguments[1] {
case "store-writer":
    var options = StoreEnvironment.Options()
    if arguments.count >= 4, let size = Int(arguments[3]) { options.initialMapSize = size }
    do {
        let environment = try StoreEnvironment(directory: arguments[2], tables: ["a", "b", "meta"], options: options)
        var next: UInt64 = try environment.read { try $0.get("next", in: meta) } ?? 0
        while true {
            let index = next
            try environment.write { txn in
                try txn.put(payload(index, table: 1), forKey: index, in: tableA)
                try txn.put(payload(index, table: 2), forKey: index, in: tableB)
                try txn.put(index + 1, forKey: "next", in: meta)
            }
            say("\(index)")
            next += 1
        }
    } catch {
        fail("\(error)")
    }

case "store-reader":
    do {
        let environment = try StoreEnvironment(
            directory: arguments[2], tables: ["a", "b", "meta"], options: .readOnly)
        var reads = 0
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            let (count, done) = try environment.read { txn in
                (try txn.count(tableA), try txn.get("done", in: meta))
            }
            reads += 1
            if let done {
                guard UInt64(count) == done else { fail("done=\(done) but \(count) entries") }
                try environment.read { txn in
                    try txn.forEach(in: tableA) { key, value in
                        guard value == payload(key, table: 1) else { fail("entry \(key) differs") }
                        return true
                    }
                }
                say("reads \(reads) entries \(count) mapsize \(environment.mapSize)")
                exit(0)
            }
        }
        fail("timed out waiting for meta[done]")
    } catch {
        fail("\(error)")
    }

case "store-hold-reader":
    do {
        let environment = try StoreEnvironment(directory: arguments[2], tables: ["a", "b", "meta"], options: .readOnly)
        try environment.read { _ in
            say("holding")
            while true { sleep(60) }
        }
    } catch {
        fail("\(error)")
    }

case "ledger-replay":
    guard arguments.count >= 5 else { fail("usage: TradewindProbe ledger-replay GENESIS_JSON BLOCKS_FILE DIR [MAP_BYTES]") }
    LedgerProbe.replay(genesisPath: arguments[2], blocksPath: arguments[3], directory: arguments[4],
                       initialMapSize: arguments.count > 5 ? Int(arguments[5]) : nil)

case "transport-echo":
    guard arguments.count == 5 else { fail("usage: TradewindProbe transport-echo NETWORK_KEY_HEX NETWORK_ID_HEX SEED_HEX") }
    await TransportProbe.echo(networkKeyHex: arguments[2], networkIDHex: arguments[3], seedHex: arguments[4])

case "transport-fuzz":
    guard let count = Int(arguments[2]), count > 0 else { fail("usage: TradewindProbe transport-fuzz COUNT") }
    await TransportProbe.fuzz(count: count)

default:
    fail("unknown command \(arguments[1])")
}
