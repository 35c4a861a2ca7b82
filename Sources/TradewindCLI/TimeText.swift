import Foundation

/// Times as people read them: ISO 8601 in UTC and relative to now ("in 9 min",
/// "3 s ago"). The ledger keeps Unix milliseconds; `--json` prints those unchanged.
enum TimeText {
    /// "2026-12-01T06:33:38.123Z".
    static func iso8601(_ milliseconds: UInt64) -> String {
        let seconds = milliseconds / 1000
        let (year, month, day) = civilDate(daysSinceEpoch: Int64(seconds / 86_400))
        let secondOfDay = seconds % 86_400
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(Int64(secondOfDay / 3600), 2)):"
            + "\(pad(Int64(secondOfDay / 60 % 60), 2)):\(pad(Int64(secondOfDay % 60), 2)).\(pad(Int64(milliseconds % 1000), 3))Z"
    }

    /// "in 9 min", "3 s ago", "now" (within a second). Whole units, rounded toward zero.
    static func relative(_ milliseconds: UInt64, now: UInt64) -> String {
        let future = milliseconds >= now
        let distance = future ? milliseconds - now : now - milliseconds
        guard distance >= 1000 else { return "now" }
        let span: String
        switch distance {
        case ..<60_000: span = "\(distance / 1000) s"
        case ..<3_600_000: span = "\(distance / 60_000) min"
        case ..<172_800_000: span = "\(distance / 3_600_000) h"
        default: span = "\(distance / 86_400_000) d"
        }
        return future ? "in \(span)" : "\(span) ago"
    }

    /// "2026-12-01T06:33:38.123Z (in 9 min)".
    static func describe(_ milliseconds: UInt64, now: UInt64) -> String {
        "\(iso8601(milliseconds)) (\(relative(milliseconds, now: now)))"
    }

    /// The wall clock in Unix milliseconds.
    static var now: UInt64 { UInt64(max(0, Date().timeIntervalSince1970 * 1000)) }

    /// Unix milliseconds of "2027-01-04T09:00:00Z" or "2027-01-04T09:00:00.250Z" (UTC,
    /// at most three decimals of a second: what `iso8601` writes, which it reads back),
    /// or nil for any other text, an impossible date like February 30, or a year before 1970.
    static func parseISO8601(_ text: String) -> UInt64? {
        let bytes = Array(text.utf8)
        // Fixed positions: YYYY-MM-DDTHH:MM:SS, then an optional .f to .fff, then Z.
        guard bytes.count >= 20, bytes.last == UInt8(ascii: "Z") else { return nil }
        let separators: [(index: Int, byte: UInt8)] = [
            (4, UInt8(ascii: "-")), (7, UInt8(ascii: "-")), (10, UInt8(ascii: "T")), (13, UInt8(ascii: ":")), (16, UInt8(ascii: ":")),
        ]
        guard separators.allSatisfy({ bytes[$0.index] == $0.byte }) else { return nil }
        func number(_ range: Range<Int>) -> Int64? {
            guard !range.isEmpty, range.upperBound <= bytes.count else { return nil }
            var value: Int64 = 0
            for byte in bytes[range] {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int64(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
              year >= 1970, (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 60 else { return nil }
        var milliseconds: Int64 = 0
        if bytes.count > 20 {
            // ".f", ".ff" or ".fff" before the Z.
            let fraction = 20..<(bytes.count - 1)
            guard bytes[19] == UInt8(ascii: "."), fraction.count <= 3, let digits = number(fraction) else { return nil }
            milliseconds = digits * [100, 10, 1][fraction.count - 1]
        }
        let days = daysSinceEpoch(year: year, month: month, day: day)
        // Day 31 of a 30-day month comes back as another date: refused, not rolled over.
        guard civilDate(daysSinceEpoch: days) == (year, month, day) else { return nil }
        return UInt64(((days * 86_400 + hour * 3600 + minute * 60 + second) * 1000) + milliseconds)
    }

    /// A proleptic Gregorian date to days since 1970-01-01 (H. Hinnant's days_from_civil).
    static func daysSinceEpoch(year: Int64, month: Int64, day: Int64) -> Int64 {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's civil_from_days).
    static func civilDate(daysSinceEpoch days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}
