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
