import Foundation

/// A Noise handshake pattern (Noise Protocol Framework, revision 34, §7–§9):
/// pre-messages, then message patterns alternating initiator → responder → …
public struct NoisePattern: Hashable, Sendable, CustomStringConvertible {
    public enum Token: String, Hashable, Sendable {
        case e, s, ee, es, se, ss, psk
    }

    /// The full name, modifiers included (for example "IKpsk2").
    public let name: String
    public let initiatorPreMessage: [Token]
    public let responderPreMessage: [Token]
    public let messages: [[Token]]

    public var description: String { name }

    /// True when any psk modifier is present; "e" then also mixes into the key.
    public var usesPSK: Bool { messages.contains { $0.contains(.psk) } }

    /// Number of pre-shared keys the pattern consumes.
    public var pskCount: Int { messages.reduce(0) { $0 + $1.filter { $0 == .psk }.count } }

    /// One-way patterns (N, K, X and their psk forms) have a single message.
    public var isOneWay: Bool { messages.count == 1 }

    /// A pattern by name, with any "pskN" modifiers (for example "XXpsk3",
    /// "NNpsk0+psk2"). Nil for unknown names or invalid modifiers.
    public init?(named fullName: String) {
        var base = fullName
        var modifiers: [Int] = []
        if let range = fullName.range(of: "psk") {
            base = String(fullName[..<range.lowerBound])
            for modifier in fullName[range.lowerBound...].split(separator: "+") {
                guard modifier.hasPrefix("psk"), let index = Int(modifier.dropFirst(3)) else { return nil }
                modifiers.append(index)
            }
        }
        guard let notation = NoisePattern.table[base],
              let parsed = NoisePattern.parse(notation) else { return nil }
        var messages = parsed.messages
        for index in modifiers {
            // psk0 goes at the start of the first message; pskN at the end of message N.
            if index == 0 {
                messages[0].insert(.psk, at: 0)
            } else {
                guard index <= messages.count else { return nil }
                messages[index - 1].append(.psk)
            }
        }
        self.name = fullName
        self.initiatorPreMessage = parsed.initiator
        self.responderPreMessage = parsed.responder
        self.messages = messages
    }

    /// Parses the spec's notation: optional pre-messages, "...", then messages.
    static func parse(_ notation: String) -> (initiator: [Token], responder: [Token], messages: [[Token]])? {
        var initiator: [Token] = []
        var responder: [Token] = []
        var messages: [[Token]] = []
        let parts = notation.components(separatedBy: "...")
        let preLines = parts.count == 2 ? parts[0] : ""
        let messageLines = parts.count == 2 ? parts[1] : parts[0]
        for line in preLines.split(separator: ";") {
            let (arrow, tokens) = splitLine(line)
            guard let tokens else { return nil }
            if arrow == "->" { initiator = tokens } else { responder = tokens }
        }
        for line in messageLines.split(separator: ";") {
            let (arrow, tokens) = splitLine(line)
            guard let tokens else { return nil }
            // Messages alternate, starting with the initiator.
            guard arrow == (messages.count % 2 == 0 ? "->" : "<-") else { return nil }
            messages.append(tokens)
        }
        return messages.isEmpty ? nil : (initiator, responder, messages)
    }

    private static func splitLine(_ line: Substring) -> (String, [Token]?) {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        let arrow = String(trimmed.prefix(2))
        let tokens = trimmed.dropFirst(2).split(separator: ",").map {
            Token(rawValue: $0.trimmingCharacters(in: .whitespaces))
        }
        return (arrow, tokens.contains(nil) ? nil : tokens.compactMap { $0 })
    }

    /// Every base pattern of the specification: one-way (§7.4), fundamental
    /// interactive (§7.5) and deferred (§18). Lines are separated by ";".
    static let table: [String: String] = [
        "N": "<- s ... -> e, es",
        "K": "-> s; <- s ... -> e, es, ss",
        "X": "<- s ... -> e, es, s, ss",
        "NN": "-> e; <- e, ee",
        "NK": "<- s ... -> e, es; <- e, ee",
        "NX": "-> e; <- e, ee, s, es",
        "KN": "-> s ... -> e; <- e, ee, se",
        "KK": "-> s; <- s ... -> e, es, ss; <- e, ee, se",
        "KX": "-> s ... -> e; <- e, ee, se, s, es",
        "XN": "-> e; <- e, ee; -> s, se",
        "XK": "<- s ... -> e, es; <- e, ee; -> s, se",
        "XX": "-> e; <- e, ee, s, es; -> s, se",
        "IN": "-> e, s; <- e, ee, se",
        "IK": "<- s ... -> e, es, s, ss; <- e, ee, se",
        "IX": "-> e, s; <- e, ee, se, s, es",
        "NK1": "<- s ... -> e; <- e, ee, es",
        "NX1": "-> e; <- e, ee, s; -> es",
        "X1N": "-> e; <- e, ee; -> s; <- se",
        "X1K": "<- s ... -> e, es; <- e, ee; -> s; <- se",
        "XK1": "<- s ... -> e; <- e, ee, es; -> s, se",
        "X1K1": "<- s ... -> e; <- e, ee, es; -> s; <- se",
        "X1X": "-> e; <- e, ee, s, es; -> s; <- se",
        "XX1": "-> e; <- e, ee, s; -> es, s, se",
        "X1X1": "-> e; <- e, ee, s; -> es, s; <- se",
        "K1N": "-> s ... -> e; <- e, ee; -> se",
        "K1K": "-> s; <- s ... -> e, es; <- e, ee; -> se",
        "KK1": "-> s; <- s ... -> e; <- e, ee, se, es",
        "K1K1": "-> s; <- s ... -> e; <- e, ee, es; -> se",
        "K1X": "-> s ... -> e; <- e, ee, s, es; -> se",
        "KX1": "-> s ... -> e; <- e, ee, se, s; -> es",
        "K1X1": "-> s ... -> e; <- e, ee, s; -> se, es",
        "I1N": "-> e, s; <- e, ee; -> se",
        "I1K": "<- s ... -> e, es, s; <- e, ee; -> se",
        "IK1": "<- s ... -> e, s; <- e, ee, se, es",
        "I1K1": "<- s ... -> e, s; <- e, ee, es; -> se",
        "I1X": "-> e, s; <- e, ee, s, es; -> se",
        "IX1": "-> e, s; <- e, ee, se, s; -> es",
        "I1X1": "-> e, s; <- e, ee, s; -> se, es",
    ]

    /// The names of all base patterns.
    public static var allBaseNames: [String] { table.keys.sorted() }
}
