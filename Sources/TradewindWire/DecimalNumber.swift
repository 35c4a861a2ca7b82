/// A non-negative decimal as people write it ("12.50"): ASCII digits with at most one
/// point, followed by at least one digit; no sign, exponent, spaces or other digits.
/// Its value in minor units needs a scale (an asset's decimals), so conversion is a
/// separate, checked step. The one parser behind `Amount.parse` and the CLI's numeric
/// arguments: callers word the errors for their readers.
public struct DecimalNumber: Sendable, Equatable {
    public enum ParseError: Error, Sendable, Equatable {
        case empty, negative, exponent, malformed
        /// The whole part needs more than 64 bits.
        case tooLarge
    }

    public enum ScaleError: Error, Sendable, Equatable {
        /// 10^decimals does not fit in 64 bits.
        case unsupportedDecimals(UInt8)
        /// More significant fraction digits than the scale keeps.
        case tooPrecise(digits: Int, decimals: UInt8)
        /// The scaled value needs more than 64 bits.
        case tooLarge(decimals: UInt8)
    }

    public let whole: UInt64
    /// The digits after the point, as written (trailing zeros included), each 0–9.
    public let fraction: [UInt8]

    /// The fraction's digits without its trailing zeros: the precision the value really has.
    public var significantFraction: ArraySlice<UInt8> {
        fraction[..<(fraction.lastIndex { $0 != 0 }.map { $0 + 1 } ?? 0)]
    }

    public var isZero: Bool { whole == 0 && significantFraction.isEmpty }

    public init(parsing text: String) throws(ParseError) {
        if text.hasPrefix("-") { throw .negative }
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { throw .empty }
        let point = bytes.firstIndex(of: UInt8(ascii: "."))
        let wholeDigits = bytes[..<(point ?? bytes.endIndex)]
        let fractionDigits = point.map { bytes[($0 + 1)...] } ?? []
        func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
        guard !wholeDigits.isEmpty, wholeDigits.allSatisfy(isDigit), fractionDigits.allSatisfy(isDigit),
              point == nil || !fractionDigits.isEmpty else {
            if bytes.contains(where: { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) { throw .exponent }
            throw .malformed
        }
        var whole: UInt64 = 0
        for digit in wholeDigits {
            let (times10, overflow) = whole.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(digit - UInt8(ascii: "0")))
            guard !overflow, !overflow2 else { throw .tooLarge }
            whole = sum
        }
        self.whole = whole
        fraction = fractionDigits.map { $0 - UInt8(ascii: "0") }
    }

    /// The value × 10^decimals, exact: more significant fraction digits than `decimals`
    /// or a result past 64 bits is an error.
    public func scaled(by decimals: UInt8) throws(ScaleError) -> UInt64 {
        guard decimals <= 19 else { throw .unsupportedDecimals(decimals) }
        var scale: UInt64 = 1
        for _ in 0..<decimals { scale *= 10 } // At most 10^19 < 2^64.
        let digits = significantFraction
        guard digits.count <= Int(decimals) else { throw .tooPrecise(digits: digits.count, decimals: decimals) }
        var fractionValue: UInt64 = 0
        for index in 0..<Int(decimals) {
            let digit = index < digits.count ? UInt64(digits[digits.startIndex + index]) : 0
            fractionValue = fractionValue * 10 + digit // At most 10^19 - 1: no overflow.
        }
        let (scaledWhole, overflow) = whole.multipliedReportingOverflow(by: scale)
        let (total, overflow2) = scaledWhole.addingReportingOverflow(fractionValue)
        guard !overflow, !overflow2 else { throw .tooLarge(decimals: decimals) }
        return total
    }
}
