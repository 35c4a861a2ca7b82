/// Amounts as people write them: "12.50" for 1250 minor units of an asset with two
/// decimals. Part of the vocabulary, so that a shop's integration can parse and print
/// amounts by the CLI's rules without linking the peer.
public enum Amount {
    /// The most decimals an asset may have (Genesis.validate).
    public static let maxDecimals: UInt8 = 18

    /// The amount in whole units with exactly `decimals` digits after the point.
    public static func format(_ amount: UInt64, decimals: UInt8) -> String {
        guard decimals > 0 else { return String(amount) }
        // Placed by digits, not by dividing by 10^decimals, so no decimals can overflow.
        let digits = String(amount)
        let padded = String(repeating: "0", count: max(0, Int(decimals) + 1 - digits.count)) + digits
        return "\(padded.dropLast(Int(decimals))).\(padded.suffix(Int(decimals)))"
    }

    /// numerator / denominator × 10^shift in decimal, truncated to `fractionDigits`
    /// ("1.0873" for 10873/10000): exact digits by long division, no floating point.
    public static func ratio(_ numerator: UInt64, _ denominator: UInt64, shift: Int, fractionDigits: Int) -> String {
        guard denominator > 0 else { return "undefined" }
        let places = max(0, fractionDigits + shift)
        var digits = String(numerator / denominator)
        var remainder = numerator % denominator
        for _ in 0..<places {
            // remainder < denominator, so remainder × 10 / denominator < 10 (128-bit intermediate).
            let (quotient, rest) = denominator.dividingFullWidth(remainder.multipliedFullWidth(by: 10))
            digits += String(quotient)
            remainder = rest
        }
        // The point sits `places` digits from the end; moving it by `shift` leaves `places - shift` decimals.
        let decimals = places - shift
        if decimals <= 0 { return digits + String(repeating: "0", count: -decimals) }
        if digits.count <= decimals { digits = String(repeating: "0", count: decimals - digits.count + 1) + digits }
        var whole = String(digits.dropLast(decimals))
        var fraction = String(digits.suffix(decimals))
        if fraction.count > fractionDigits { fraction = String(fraction.prefix(fractionDigits)) }
        while fraction.hasSuffix("0") { fraction.removeLast() }
        while whole.count > 1 && whole.hasPrefix("0") { whole.removeFirst() }
        return fraction.isEmpty ? whole : whole + "." + fraction
    }

    /// Parses "12.50" for an asset with `decimals`; the error names the problem. The
    /// rules are the CLI's (a test holds the two to the same answers): ASCII digits with
    /// at most one point followed by a digit; no sign, exponent or spaces; trailing zeros
    /// past the asset's decimals are allowed ("12.500" is 1250 at two decimals); more
    /// than zero; exact in 64 bits.
    public static func parse(_ text: String, decimals: UInt8) throws(AmountError) -> UInt64 {
        guard decimals <= maxDecimals else {
            throw AmountError(text: text, reason: "the asset's \(decimals) decimals exceed the \(maxDecimals) any asset may have")
        }
        let number: DecimalNumber
        do { number = try DecimalNumber(parsing: text) } catch {
            switch error {
            case .negative: throw AmountError(text: text, reason: "cannot be negative")
            case .tooLarge: throw AmountError(text: text, reason: "too large for 64 bits")
            case .empty, .exponent, .malformed:
                throw AmountError(text: text, reason: "expected digits with an optional decimal point, like 12.50")
            }
        }
        let total: UInt64
        do { total = try number.scaled(by: decimals) } catch {
            switch error {
            case let .tooPrecise(digits, _): throw AmountError(text: text, reason: "has \(digits) decimals; the asset has \(decimals)")
            case .tooLarge, .unsupportedDecimals: throw AmountError(text: text, reason: "too large for 64 bits")
            }
        }
        guard total > 0 else { throw AmountError(text: text, reason: "must be more than zero") }
        return total
    }
}

public struct AmountError: Error, CustomStringConvertible, Sendable {
    public var text: String
    public var reason: String
    public var description: String { "invalid amount '\(text)': \(reason)" }
}
