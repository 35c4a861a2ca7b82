/// Sliding anti-replay window over 64-bit counters (RFC 6479): a ring of 128 words
/// of 64 bits. A counter is accepted once, and only within 8128 counters (the ring
/// minus one word) below the highest accepted so far.
public struct ReplayWindow: Sendable {
    private static let wordCount: UInt64 = 128
    /// Counters this far below the highest are refused as too old.
    public static let windowSize: UInt64 = (wordCount - 1) * 64

    private var bitmap = [UInt64](repeating: 0, count: Int(wordCount))
    public private(set) var highest: UInt64 = 0
    private var hasAny = false

    public init() {}

    public enum Verdict: Equatable, Sendable {
        case fresh
        case replayed
        case tooOld
    }

    /// Whether `counter` would be accepted. Pure check; call `accept` only after the
    /// datagram authenticates, so forged counters never move the window.
    public func check(_ counter: UInt64) -> Verdict {
        guard hasAny, counter <= highest else { return .fresh }
        if highest - counter >= Self.windowSize { return .tooOld }
        let (word, bit) = Self.position(counter)
        return bitmap[word] & (1 << bit) != 0 ? .replayed : .fresh
    }

    /// Records `counter`; returns false (and changes nothing) if it was not fresh.
    @discardableResult
    public mutating func accept(_ counter: UInt64) -> Bool {
        guard check(counter) == .fresh else { return false }
        if !hasAny {
            hasAny = true
            highest = counter
        } else if counter > highest {
            // Clear the words the window slides over.
            let currentWord = highest / 64
            let steps = min(counter / 64 - currentWord, Self.wordCount)
            if steps > 0 {
                for step in 1...steps {
                    bitmap[Int((currentWord + step) % Self.wordCount)] = 0
                }
            }
            highest = counter
        }
        let (word, bit) = Self.position(counter)
        bitmap[word] |= 1 << bit
        return true
    }

    private static func position(_ counter: UInt64) -> (Int, UInt64) {
        (Int((counter / 64) % wordCount), counter % 64)
    }
}
