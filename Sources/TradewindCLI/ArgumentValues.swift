import ArgumentParser
import Foundation
import TradewindWire

// The numeric and time values the CLI accepts, parsed without a peer and with checked
// arithmetic: a value that is negative, too large, too precise or not a number is
// refused with a message that names it, never trapped on. Numeric options use
// `parsing: .unconditional` so that `--amount -1` reaches these parsers (and is refused
// as negative) instead of being taken for a flag ("Missing value").

/// Why a value was refused; ArgumentParser prefixes it with the option and the value.
struct ValueError: Error, CustomStringConvertible, Sendable {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The largest number of decimals an asset may have (Genesis.validate) and so the
/// most precision any amount needs; 10^19 is the largest power of ten in 64 bits.
let maxDecimals: UInt8 = Amount.maxDecimals

/// 10^exponent, or nil past 64 bits.
func powerOfTen(_ exponent: Int) -> UInt64? {
    guard exponent >= 0 else { return nil }
    var value: UInt64 = 1
    for _ in 0..<exponent {
        let (next, overflow) = value.multipliedReportingOverflow(by: 10)
        guard !overflow else { return nil }
        value = next
    }
    return value
}

/// A decimal argument as written ("12.50"): TradewindWire's `DecimalNumber` (the one
/// parser a shop's library shares), with the CLI's wording of its errors. Its value in
/// minor units needs a scale (an asset's decimals), so conversion is a separate step.
struct DecimalText: Sendable, CustomStringConvertible {
    let text: String
    let number: DecimalNumber

    var description: String { text }
    var whole: UInt64 { number.whole }
    /// The digits after the point, as written (trailing zeros included).
    var fraction: [UInt8] { number.fraction }
    /// The fraction's digits without its trailing zeros: the precision the value really has.
    var significantFraction: ArraySlice<UInt8> { number.significantFraction }
    var isZero: Bool { number.isZero }

    init(parsing text: String) throws(ValueError) {
        self.text = text
        do { number = try DecimalNumber(parsing: text) } catch {
            switch error {
            case .negative: throw ValueError("cannot be negative")
            case .empty: throw ValueError("is empty; expected digits with an optional decimal point, like 12.50")
            case .exponent: throw ValueError("write it without an exponent, like 0.0001")
            case .malformed: throw ValueError("expected digits with an optional decimal point, like 12.50")
            case .tooLarge: throw ValueError("is too large (more than 64 bits)")
            }
        }
    }

    /// The value × 10^decimals, exact: more fraction digits than `decimals` (other than
    /// trailing zeros) or a result past 64 bits is an error.
    func scaled(by decimals: UInt8) throws(ValueError) -> UInt64 {
        do { return try number.scaled(by: decimals) } catch {
            switch error {
            case let .unsupportedDecimals(decimals): throw ValueError("cannot be scaled by 10^\(decimals)")
            case let .tooPrecise(digits, decimals): throw ValueError("has \(digits) decimals; at most \(decimals)")
            case let .tooLarge(decimals): throw ValueError("is too large for 64 bits at \(decimals) decimals")
            }
        }
    }

    /// For options: the text must be a decimal; asset-dependent checks come later.
    @Sendable static func option(_ text: String) throws(ValueError) -> DecimalText {
        let value = try DecimalText(parsing: text)
        guard value.significantFraction.count <= Int(maxDecimals) else {
            throw ValueError("has \(value.significantFraction.count) decimals; no asset has more than \(maxDecimals)")
        }
        return value
    }

    /// For rates: a decimal more than zero with at most 19 significant decimals (the most
    /// 64 bits hold); whether it fits the assets' decimals is checked with them.
    @Sendable static func rate(_ text: String) throws(ValueError) -> DecimalText {
        let value = try DecimalText(parsing: text)
        guard !value.isZero else { throw ValueError("must be more than zero") }
        guard value.significantFraction.count <= Int(maxDecimals) + 1 else {
            throw ValueError("has \(value.significantFraction.count) decimals; at most \(maxDecimals + 1)")
        }
        return value
    }

    /// For amounts: a decimal more than zero.
    @Sendable static func amount(_ text: String) throws(ValueError) -> DecimalText {
        let value = try option(text)
        guard !value.isZero else { throw ValueError("must be more than zero") }
        return value
    }
}

/// A percentage from 0 to 100 with at most two decimals, as basis points (37.5 → 3750).
@Sendable func parsePercentage(_ text: String) throws(ValueError) -> UInt16 {
    let value = try DecimalText(parsing: text)
    guard value.significantFraction.count <= 2 else { throw ValueError("has more than two decimals") }
    guard let basisPoints = try? value.scaled(by: 2), basisPoints <= 10_000 else { throw ValueError("must be from 0 to 100") }
    return UInt16(basisPoints)
}

/// Whole numbers within a range, in ASCII digits (no sign, no exponent, no other digits).
struct WholeNumber {
    let range: ClosedRange<UInt64>
    let unit: String

    func parse(_ text: String) throws(ValueError) -> UInt64 {
        if text.hasPrefix("-") { throw ValueError("cannot be negative; \(expectation)") }
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            throw ValueError("is not a whole number; \(expectation)")
        }
        guard let value = UInt64(text), range.contains(value) else { throw ValueError("is out of range; \(expectation)") }
        return value
    }

    var expectation: String {
        if range.upperBound == .max { return "expected \(unit) from \(range.lowerBound) to \(UInt64.max)" }
        return "expected \(unit) from \(range.lowerBound) to \(range.upperBound)"
    }

    static let sequence = WholeNumber(range: 0...UInt64.max, unit: "a sequence number")
    static let height = WholeNumber(range: 0...UInt64.max, unit: "a block height")
    static let quoteID = WholeNumber(range: 0...UInt64.max, unit: "a quote id")
    /// A quote valid for longer than about a year of 200 ms blocks is a mistake.
    static let validForBlocks = WholeNumber(range: 1...200_000_000, unit: "a number of blocks")
    static let blockLimit = WholeNumber(range: 1...1000, unit: "a number of blocks")

    @Sendable static func sequence(_ text: String) throws(ValueError) -> UInt64 { try WholeNumber.sequence.parse(text) }
    @Sendable static func height(_ text: String) throws(ValueError) -> UInt64 { try WholeNumber.height.parse(text) }
    @Sendable static func quoteID(_ text: String) throws(ValueError) -> UInt64 { try WholeNumber.quoteID.parse(text) }
    @Sendable static func validForBlocks(_ text: String) throws(ValueError) -> UInt64 { try WholeNumber.validForBlocks.parse(text) }
    @Sendable static func blockLimit(_ text: String) throws(ValueError) -> Int { Int(try WholeNumber.blockLimit.parse(text)) }
    /// A small count or port (the caller's range), as Int.
    static func int(_ text: String, _ range: ClosedRange<Int>, unit: String) throws(ValueError) -> Int {
        Int(try WholeNumber(range: UInt64(range.lowerBound)...UInt64(range.upperBound), unit: unit).parse(text))
    }
}

/// How long `--wait` waits: more than 0 and at most an hour, in seconds (like 30 or 2.5).
enum WaitTimeout {
    static let maximum: Double = 3600

    @Sendable static func parse(_ text: String) throws(ValueError) -> Double {
        let value: DecimalText
        do { value = try DecimalText(parsing: text) } catch { throw ValueError("\(error.description); expected seconds, like 30 or 2.5") }
        guard !value.isZero, value.whole < UInt64(maximum) || (value.whole == UInt64(maximum) && value.significantFraction.isEmpty),
              let seconds = Double(text) else {
            throw ValueError("must be more than 0 and at most \(Int(maximum)) seconds")
        }
        return seconds
    }
}

/// A deadline as written: a duration from now (90s, 10m, 2h, 3d) or Unix milliseconds.
struct DeadlineText: Sendable, CustomStringConvertible {
    enum Kind: Sendable {
        case after(milliseconds: UInt64)
        case at(milliseconds: UInt64)
    }

    let text: String
    let kind: Kind
    var description: String { text }

    /// Durations up to 100 years; times from 2001-09-09 (10^12 ms, which tells them apart
    /// from a mistyped duration) to the year 10000.
    static let longestDuration: UInt64 = 36_500 * 86_400_000
    static let earliest: UInt64 = 1_000_000_000_000
    static let latest: UInt64 = 253_402_300_800_000

    init(parsing text: String) throws(ValueError) {
        self.text = text
        let expected = "use 90s, 10m, 2h, 3d (at most 36500d), or Unix milliseconds"
        if text.hasPrefix("-") { throw ValueError("cannot be negative; \(expected)") }
        let units: [Character: UInt64] = ["s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000]
        let isDigits = { (part: Substring) in !part.isEmpty && part.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") } }
        if let unit = text.last, let scale = units[unit], isDigits(text.dropLast()) {
            guard let count = UInt64(text.dropLast()), count <= Self.longestDuration / scale else {
                throw ValueError("is longer than 100 years; \(expected)")
            }
            guard count > 0 else { throw ValueError("must be more than zero; \(expected)") }
            kind = .after(milliseconds: count * scale) // count ≤ longestDuration / scale: no overflow.
            return
        }
        guard isDigits(Substring(text)) else { throw ValueError(expected) }
        guard let absolute = UInt64(text), (Self.earliest..<Self.latest).contains(absolute) else {
            throw ValueError("is not a time between 2001 and the year 10000 in Unix milliseconds; \(expected)")
        }
        kind = .at(milliseconds: absolute)
    }

    @Sendable static func option(_ text: String) throws(ValueError) -> DeadlineText { try DeadlineText(parsing: text) }

    /// Unix milliseconds, given the time now.
    func resolve(now: UInt64) throws(ValueError) -> UInt64 {
        switch kind {
        case let .at(milliseconds): return milliseconds
        case let .after(milliseconds):
            let (sum, overflow) = now.addingReportingOverflow(milliseconds)
            guard !overflow else { throw ValueError("is too far in the future") }
            return sum
        }
    }
}

/// The time now in Unix milliseconds (the clock is trusted to be after 1970 and before 2^64 ms).
func unixMillisecondsNow() -> UInt64 {
    let seconds = Date().timeIntervalSince1970
    guard seconds > 0, seconds < 1e15 else { return 0 }
    return UInt64(seconds * 1000)
}

/// An FX rate as an exact fraction of minor units: `rate` units of the paid asset per
/// unit of the received one, so rate × 10^payDecimals / 10^receiveDecimals minor units
/// per minor unit, reduced. Errors if it is zero or does not fit 64 bits either side.
func fxRateFraction(_ rate: DecimalText, payDecimals: UInt8, receiveDecimals: UInt8) throws(ValueError)
    -> (numerator: UInt64, denominator: UInt64) {
    let precision = rate.significantFraction.count
    guard !rate.isZero else { throw ValueError("must be more than zero") }
    guard precision <= Int(maxDecimals) + 1, payDecimals <= maxDecimals, receiveDecimals <= maxDecimals else {
        throw ValueError("has \(precision) decimals; at most \(maxDecimals + 1)")
    }
    let scaled = try rate.scaled(by: UInt8(precision))
    // rate = scaled / 10^precision; cancel the powers of ten before multiplying.
    let exponent = Int(payDecimals) - precision - Int(receiveDecimals)
    var numerator = scaled, denominator: UInt64 = 1
    let tooLarge = ValueError("cannot be expressed as a 64-bit fraction of minor units (too large or too precise)")
    guard let power = powerOfTen(abs(exponent)) else { throw tooLarge }
    if exponent >= 0 {
        let (product, overflow) = numerator.multipliedReportingOverflow(by: power)
        guard !overflow else { throw tooLarge }
        numerator = product
    } else {
        denominator = power
    }
    let divisor = greatestCommonDivisor(numerator, denominator)
    return (numerator / divisor, denominator / divisor)
}

func greatestCommonDivisor(_ a: UInt64, _ b: UInt64) -> UInt64 {
    var (a, b) = (a, b)
    while b != 0 { (a, b) = (b, a % b) }
    return a
}
