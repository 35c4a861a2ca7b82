// libFuzzer entry point for the canonical codec (built by Bootstrap/fuzz, not by SwiftPM).
//
// Properties checked on every input; a violation traps so libFuzzer records the input:
// - decoding never traps, whatever the bytes;
// - whatever decodes re-encodes to exactly the input (one value, one encoding);
// - Bech32m and Address parsing never trap, and what parses re-encodes canonically.
import TradewindWire

@_cdecl("LLVMFuzzerTestOneInput")
public func wireFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))

    if let sample = try? Sample(wireEncoded: bytes) {
        precondition(sample.wireEncoded == bytes, "Sample decoded from a non-canonical encoding")
    }
    if let address = try? Address(wireEncoded: bytes) {
        precondition(address.wireEncoded == bytes)
    }
    if let pair = try? Bytes64(wireEncoded: bytes) {
        precondition(pair.wireEncoded == bytes)
    }

    // Drive the reader primitives in an order chosen by the input itself.
    if let first = bytes.first {
        var reader = WireReader(Array(bytes.dropFirst()))
        var operation = first
        for _ in 0..<16 {
            do {
                switch operation % 8 {
                case 0: _ = try reader.readVarint()
                case 1: _ = try reader.readBytes(maxCount: 512)
                case 2: _ = try reader.readString(maxBytes: 512)
                case 3: _ = try reader.readArray(maxCount: 64) { (r: inout WireReader) throws(WireError) in try r.readUInt32() }
                case 4: _ = try reader.readOptional { (r: inout WireReader) throws(WireError) in try r.readUInt64() }
                case 5: _ = try reader.readBool()
                case 6: _ = try reader.readVersion(of: "fuzz", supported: 1...3)
                default: _ = try reader.readUInt16()
                }
            } catch {
                break
            }
            operation = operation &* 31 &+ 7
        }
    }

    if let text = String(validating: bytes, as: UTF8.self) {
        if let decoded = try? Bech32m.decode(text) {
            let again = Bech32m.encode(prefix: decoded.prefix, data: decoded.data)
            precondition(again == text.lowercased(), "Bech32m round trip differs")
        }
        if let address = try? Address(parsing: text) {
            precondition(address.description == text.lowercased())
        }
    }
    return 0
}
