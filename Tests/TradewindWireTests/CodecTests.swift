import Testing
import TradewindTestSupport
import TradewindWire

@Suite struct CodecTests {
    private func encodeVarint(_ value: UInt64) -> [UInt8] {
        var writer = WireWriter()
        writer.writeVarint(value)
        return writer.bytes
    }

    private func decodeVarint(_ bytes: [UInt8]) throws(WireError) -> UInt64 {
        var reader = WireReader(bytes)
        let value = try reader.readVarint()
        try reader.expectEnd()
        return value
    }

    @Test func varintBytes() throws {
        let cases: [(UInt64, String)] = [
            (0, "00"), (1, "01"), (127, "7f"), (128, "8001"), (300, "ac02"), (16_383, "ff7f"), (16_384, "808001"),
            (UInt64(UInt32.max), "ffffffff0f"), (UInt64.max, "ffffffffffffffffff01"),
        ]
        for (value, hex) in cases {
            #expect(Hex.encode(encodeVarint(value)) == hex, "\(value)")
            #expect(try decodeVarint(Hex.decode(hex)!) == value)
        }
    }

    @Test func varintRejectsNonMinimalAndOverflow() {
        #expect(throws: WireError.nonMinimalVarint(offset: 0)) { try decodeVarint([0x80, 0x00]) }
        #expect(throws: WireError.nonMinimalVarint(offset: 0)) { try decodeVarint([0xff, 0x80, 0x00]) }
        // Eleven bytes, and a tenth byte carrying more than the top bit.
        #expect(throws: WireError.varintOverflow(offset: 0)) { try decodeVarint(Hex.decode("ffffffffffffffffff02")!) }
        #expect(throws: WireError.varintOverflow(offset: 0)) { try decodeVarint(Hex.decode("8080808080808080808001")!) }
        #expect(throws: WireError.truncated(offset: 2, needed: 1)) { try decodeVarint([0x80, 0x80]) }
    }

    @Test func integersAreBigEndian() throws {
        var writer = WireWriter()
        writer.writeUInt16(0x0102)
        writer.writeUInt32(0x0304_0506)
        writer.writeUInt64(0x0708_090a_0b0c_0d0e)
        #expect(Hex.encode(writer.bytes) == "0102030405060708090a0b0c0d0e")
        var reader = WireReader(writer.bytes)
        #expect(try reader.readUInt16() == 0x0102)
        #expect(try reader.readUInt32() == 0x0304_0506)
        #expect(try reader.readUInt64() == 0x0708_090a_0b0c_0d0e)
        try reader.expectEnd()
    }

    @Test func strictDecoding() {
        #expect(throws: WireError.invalidBool(offset: 0, byte: 2)) {
            var reader = WireReader([2])
            _ = try reader.readBool()
        }
        #expect(throws: WireError.lengthOverCap(offset: 0, length: 5, cap: 4)) {
            var reader = WireReader([5, 1, 2, 3, 4, 5])
            _ = try reader.readBytes(maxCount: 4)
        }
        #expect(throws: WireError.invalidUTF8(offset: 0)) {
            var reader = WireReader([2, 0xc3, 0x28])
            _ = try reader.readString(maxBytes: 10)
        }
        #expect(throws: WireError.trailingBytes(offset: 32, count: 1)) {
            _ = try Bytes32(wireEncoded: [UInt8](repeating: 0, count: 33))
        }
    }

    /// A count near 2^64 must fail on the cap or on truncation, not allocate.
    @Test func forgedCountsDoNotAllocate() {
        var reader = WireReader(Hex.decode("ffffffffffffffffff01")!)
        #expect(throws: WireError.self) {
            _ = try reader.readArray(maxCount: Int.max) { (reader: inout WireReader) throws(WireError) in try reader.readUInt64() }
        }
        var second = WireReader([0xff, 0xff, 0x03])
        #expect(throws: WireError.truncated(offset: 3, needed: 8)) {
            _ = try second.readArray(maxCount: Int.max) { (reader: inout WireReader) throws(WireError) in try reader.readUInt64() }
        }
    }

    /// The example in docs/PROTOCOL.md §"A worked example", byte for byte.
    @Test func documentedExample() throws {
        let sample = Sample(
            small: 7, short: 0x1234, word: 1, long: 1_700_000_000_000, varint: 300, flag: true, name: "tw",
            blob: [0xde, 0xad], key: Bytes32([UInt8](repeating: 0xab, count: 32))!, numbers: [0, 128],
            maybe: nil, items: [.amount(5), .empty])
        let expected = "01" + "07" + "1234" + "00000001" + "0000018bcfe56800" + "ac02" + "01" + "027477" + "02dead"
            + String(repeating: "ab", count: 32) + "02" + "00" + "8001" + "00" + "02" + "0005" + "02"
        #expect(Hex.encode(sample.wireEncoded) == expected)
        #expect(try Sample(wireEncoded: Hex.decode(expected)!) == sample)
    }

    @Test func unknownVersionAndTag() {
        var bytes = Sample.random(using: &GeneratorBox.shared).wireEncoded
        bytes[0] = 2
        #expect(throws: WireError.unsupportedVersion(type: "Sample", version: 2)) { try Sample(wireEncoded: bytes) }
        #expect(throws: WireError.unknownTag(type: "Sample.Item", tag: 9)) { try Sample.Item(wireEncoded: [9]) }
    }
}

enum GeneratorBox {
    nonisolated(unsafe) static var shared = SeededGenerator(seed: 1)
}

@Suite struct AmountTextTests {
    @Test func amountsPrintWithTheAssetsDecimalsWhateverTheirSize() {
        #expect(Amount.format(1250, decimals: 2) == "12.50")
        #expect(Amount.format(5, decimals: 2) == "0.05")
        #expect(Amount.format(0, decimals: 0) == "0")
        #expect(Amount.format(UInt64.max, decimals: 19) == "1.8446744073709551615")
        #expect(Amount.format(7, decimals: 255).hasSuffix("07") && Amount.format(7, decimals: 255).hasPrefix("0."))
    }

    @Test func amountsParseExactlyAndRefuseWhatCannotBeRepresented() throws {
        #expect(try Amount.parse("12.50", decimals: 2) == 1250)
        #expect(try Amount.parse("12.5", decimals: 2) == 1250)
        #expect(try Amount.parse("12.500", decimals: 2) == 1250)
        #expect(try Amount.parse("0.000000000000000001", decimals: 18) == 1)
        #expect(throws: AmountError.self) { try Amount.parse("12.", decimals: 2) }
        #expect(throws: AmountError.self) { try Amount.parse(".5", decimals: 2) }
        #expect(throws: AmountError.self) { try Amount.parse("1e3", decimals: 2) }
        #expect(throws: AmountError.self) { try Amount.parse("１", decimals: 2) }
        #expect(throws: AmountError.self) { try Amount.parse("1.234", decimals: 2) }
        #expect(throws: AmountError.self) { try Amount.parse("18446744073709551616", decimals: 0) }
        #expect(throws: AmountError.self) { try Amount.parse("1", decimals: 19) }
        #expect(throws: AmountError.self) { try Amount.parse("-1", decimals: 2) }
        #expect(throws: AmountError.self) { try Amount.parse("0", decimals: 2) }
    }
}

@Suite struct DecimalNumberTests {
    @Test func decimalsParseAsWrittenAndScaleExactly() throws {
        let number = try DecimalNumber(parsing: "12.500")
        #expect(number.whole == 12 && number.fraction == [5, 0, 0] && Array(number.significantFraction) == [5])
        #expect(try number.scaled(by: 2) == 1250)
        #expect(try DecimalNumber(parsing: "0").isZero)
        #expect(throws: DecimalNumber.ScaleError.tooPrecise(digits: 1, decimals: 0)) { try number.scaled(by: 0) }
        #expect(throws: DecimalNumber.ScaleError.unsupportedDecimals(20)) { try number.scaled(by: 20) }
        #expect(throws: DecimalNumber.ScaleError.tooLarge(decimals: 19)) { try number.scaled(by: 19) }
    }

    @Test func whatIsNotADecimalIsRefusedWithItsReason() {
        #expect(throws: DecimalNumber.ParseError.negative) { try DecimalNumber(parsing: "-1") }
        #expect(throws: DecimalNumber.ParseError.empty) { try DecimalNumber(parsing: "") }
        #expect(throws: DecimalNumber.ParseError.exponent) { try DecimalNumber(parsing: "1e5") }
        #expect(throws: DecimalNumber.ParseError.malformed) { try DecimalNumber(parsing: "1.") }
        #expect(throws: DecimalNumber.ParseError.malformed) { try DecimalNumber(parsing: "١") }
        #expect(throws: DecimalNumber.ParseError.tooLarge) { try DecimalNumber(parsing: "18446744073709551616") }
    }
}
