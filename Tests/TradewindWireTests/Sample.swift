import TradewindWire

/// A record using every construct of the codec, for property tests.
struct Sample: WireCodable, Equatable {
    enum Item: WireCodable, Equatable {
        case amount(UInt64)
        case note(String)
        case empty

        func encode(to writer: inout WireWriter) {
            switch self {
            case let .amount(value):
                writer.writeVarint(0)
                writer.writeVarint(value)
            case let .note(text):
                writer.writeVarint(1)
                writer.writeString(text)
            case .empty:
                writer.writeVarint(2)
            }
        }

        init(from reader: inout WireReader) throws(WireError) {
            switch try reader.readVarint() {
            case 0: self = .amount(try reader.readVarint())
            case 1: self = .note(try reader.readString(maxBytes: 32))
            case 2: self = .empty
            case let tag: throw .unknownTag(type: "Sample.Item", tag: tag)
            }
        }
    }

    var small: UInt8
    var short: UInt16
    var word: UInt32
    var long: UInt64
    var varint: UInt64
    var flag: Bool
    var name: String
    var blob: [UInt8]
    var key: Bytes32
    var numbers: [UInt64]
    var maybe: UInt32?
    var items: [Item]

    func encode(to writer: inout WireWriter) {
        writer.writeUInt8(1) // version
        writer.writeUInt8(small)
        writer.writeUInt16(short)
        writer.writeUInt32(word)
        writer.writeUInt64(long)
        writer.writeVarint(varint)
        writer.writeBool(flag)
        writer.writeString(name)
        writer.writeBytes(blob)
        writer.write(key)
        writer.writeArray(numbers) { $0.writeVarint($1) }
        writer.writeOptional(maybe) { $0.writeUInt32($1) }
        writer.writeArray(items) { $0.write($1) }
    }

    init(from reader: inout WireReader) throws(WireError) {
        _ = try reader.readVersion(of: "Sample", supported: 1...1)
        small = try reader.readUInt8()
        short = try reader.readUInt16()
        word = try reader.readUInt32()
        long = try reader.readUInt64()
        varint = try reader.readVarint()
        flag = try reader.readBool()
        name = try reader.readString(maxBytes: 64)
        blob = try reader.readBytes(maxCount: 100)
        key = try reader.read()
        numbers = try reader.readArray(maxCount: 20) { (reader: inout WireReader) throws(WireError) in try reader.readVarint() }
        maybe = try reader.readOptional { (reader: inout WireReader) throws(WireError) in try reader.readUInt32() }
        items = try reader.readArray(maxCount: 5) { (reader: inout WireReader) throws(WireError) in try reader.read(Item.self) }
    }

    init(small: UInt8, short: UInt16, word: UInt32, long: UInt64, varint: UInt64, flag: Bool, name: String,
         blob: [UInt8], key: Bytes32, numbers: [UInt64], maybe: UInt32?, items: [Item]) {
        self.small = small
        self.short = short
        self.word = word
        self.long = long
        self.varint = varint
        self.flag = flag
        self.name = name
        self.blob = blob
        self.key = key
        self.numbers = numbers
        self.maybe = maybe
        self.items = items
    }

    /// Values spread over every varint length and edge.
    static func random(using generator: inout some RandomNumberGenerator) -> Sample {
        func anyVarint() -> UInt64 {
            let bits = Int.random(in: 0...64, using: &generator)
            return bits == 0 ? 0 : UInt64.random(in: 0...UInt64.max, using: &generator) >> (64 - bits)
        }
        func text(_ limit: Int) -> String {
            let alphabet = Array("abcxyz éü✓ 日本")
            var result = ""
            for _ in 0..<Int.random(in: 0...limit, using: &generator) {
                result.append(alphabet[Int.random(in: 0..<alphabet.count, using: &generator)])
            }
            while result.utf8.count > limit { result.removeLast() }
            return result
        }
        let items: [Item] = (0..<Int.random(in: 0...5, using: &generator)).map { _ in
            switch Int.random(in: 0...2, using: &generator) {
            case 0: return .amount(anyVarint())
            case 1: return .note(text(10))
            default: return .empty
            }
        }
        return Sample(
            small: .random(in: 0...255, using: &generator),
            short: .random(in: 0...UInt16.max, using: &generator),
            word: .random(in: 0...UInt32.max, using: &generator),
            long: .random(in: 0...UInt64.max, using: &generator),
            varint: anyVarint(),
            flag: .random(using: &generator),
            name: text(20),
            blob: (0..<Int.random(in: 0...100, using: &generator)).map { _ in .random(in: 0...255, using: &generator) },
            key: Bytes32((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }) ?? .zero,
            numbers: (0..<Int.random(in: 0...20, using: &generator)).map { _ in anyVarint() },
            maybe: Bool.random(using: &generator) ? .random(in: 0...UInt32.max, using: &generator) : nil,
            items: items)
    }
}

