import Foundation
import TradewindStore
import TradewindWire

// Shared by the store commands in main.swift.
let tableA = Table<UInt64, [UInt8]>("a")
let tableB = Table<UInt64, [UInt8]>("b")
let meta = Table<String, UInt64>("meta")

func say(_ line: String) {
    let bytes = Array((line + "\n").utf8)
    bytes.withUnsafeBytes { _ = write(1, $0.baseAddress, $0.count) }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data(("TradewindProbe: " + message + "\n").utf8))
    exit(1)
}

/// The payload for entry i: its length and bytes are a function of i alone.
func payload(_ index: UInt64, table: UInt8) -> [UInt8] {
    let length = 64 + Int(index % 29) * 97
    return (0..<length).map { UInt8(truncatingIfNeeded: Int(index) &+ $0 &* 31 &+ Int(table)) }
}


