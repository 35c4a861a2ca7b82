/// The outcome of a transaction, in XRPL's classes. Numbers are stable protocol
/// values (receipts carry them); names follow XRPL's prefixes:
///
/// - `tes` (0): applied.
/// - `tem` (100–199): malformed — can never be valid; counts against a relaying peer.
/// - `tef` (200–299): cannot apply now (sequence used, expired, unknown sender);
///   not included in a block.
/// - `ter` (300–399): retry later (sequence ahead, deadline not yet passed); kept
///   in the mempool, not included in a block.
/// - `tec` (400–499): applied but failed — the sequence is consumed, nothing else changes.
public enum ResultCode: UInt16, Sendable, CaseIterable {
    case tesSUCCESS = 0

    case temMALFORMED = 101
    case temBAD_SIGNATURE = 102
    case temBAD_AMOUNT = 103
    case temUNKNOWN_ASSET = 104
    case temREDUNDANT = 105
    case temBAD_DEADLINES = 106
    case temBAD_PARTIES = 107
    case temBAD_QUOTE = 108
    case temBAD_FRACTION = 109
    case temTOO_LARGE = 110
    case temQUOTE_WRONG_BUYER = 111
    case temQUOTE_ASSETS = 112
    case temQUOTE_SAME_ASSET = 113

    case tefPAST_SEQ = 201
    case tefEXPIRED = 202
    case tefNO_ACCOUNT = 203

    case terPRE_SEQ = 301
    /// A deadline transition (a refund after ship-by, a release after the dispute
    /// window, …) before its deadline. (Until genesis version 3 this committed as
    /// `tecTOO_EARLY` = 405 and consumed the sequence; 405 is retired.)
    case terTOO_EARLY = 302

    case tecINSUFFICIENT_FUNDS = 401
    case tecFROZEN = 402
    case tecNO_PERMISSION = 403
    case tecWRONG_STATE = 404
    case tecTOO_LATE = 406
    case tecNO_ENTRY = 407
    case tecNOT_VERIFIED = 408
    case tecQUOTE_EXPIRED = 409
    case tecQUOTE_USED = 410
    case tecQUOTE_LIMIT = 411
    case tecOVERFLOW = 412
    case tecNO_CHANGE = 413
    case tecDEPOSIT_AUTH = 414
    case tecDUPLICATE_VOTE = 415

    public enum Class: String, Sendable {
        case success, malformed, cannotApplyNow, retry, appliedButFailed
    }

    public var resultClass: Class {
        switch rawValue {
        case 0: return .success
        case 100..<200: return .malformed
        case 200..<300: return .cannotApplyNow
        case 300..<400: return .retry
        default: return .appliedButFailed
        }
    }

    /// Applied (successfully or not): the transaction goes into the block and
    /// consumes its sequence number.
    public var isApplied: Bool { resultClass == .success || resultClass == .appliedButFailed }

    /// The case name, e.g. "tecFROZEN" (the enum is deliberately not
    /// CustomStringConvertible, so that describing it yields exactly this).
    public var name: String { String(describing: self) }

    public var summary: String {
        switch self {
        case .tesSUCCESS: return "applied"
        case .temMALFORMED: return "malformed transaction"
        case .temBAD_SIGNATURE: return "signature does not verify"
        case .temBAD_AMOUNT: return "amount must be positive"
        case .temUNKNOWN_ASSET: return "unknown asset"
        case .temREDUNDANT: return "sender and receiver are the same"
        case .temBAD_DEADLINES: return "deadlines must satisfy ship-by < deliver-by"
        case .temBAD_PARTIES: return "an order's parties must be distinct"
        case .temBAD_QUOTE: return "FX quote has a zero rate or a signature that does not verify"
        case .temBAD_FRACTION: return "fraction must be 0 to 10000 basis points"
        case .temTOO_LARGE: return "transaction exceeds the maximum size"
        case .temQUOTE_WRONG_BUYER: return "FX quote is made out to another buyer"
        case .temQUOTE_ASSETS: return "FX quote's assets do not match the order's"
        case .temQUOTE_SAME_ASSET: return "FX quote converts an asset into itself"
        case .tefPAST_SEQ: return "sequence number already used"
        case .tefEXPIRED: return "past its last valid height"
        case .tefNO_ACCOUNT: return "sender account does not exist"
        case .terPRE_SEQ: return "sequence number ahead of the account's"
        case .terTOO_EARLY: return "deadline has not passed yet"
        case .tecINSUFFICIENT_FUNDS: return "insufficient funds"
        case .tecFROZEN: return "account is frozen"
        case .tecNO_PERMISSION: return "sender is not allowed to do this"
        case .tecWRONG_STATE: return "order is not in a state that allows this"
        case .tecTOO_LATE: return "deadline has passed"
        case .tecNO_ENTRY: return "no such entry"
        case .tecNOT_VERIFIED: return "seller is not a verified merchant"
        case .tecQUOTE_EXPIRED: return "FX quote has expired"
        case .tecQUOTE_USED: return "FX quote id already used"
        case .tecQUOTE_LIMIT: return "price exceeds the FX quote's maximum"
        case .tecOVERFLOW: return "amount overflows"
        case .tecNO_CHANGE: return "nothing to change"
        case .tecDEPOSIT_AUTH: return "receiver requires deposit authorization"
        case .tecDUPLICATE_VOTE: return "this authority already voted for this change"
        }
    }

    /// "tecFROZEN (402)".
    public var label: String { "\(name) (\(rawValue))" }
}

/// A result code with the offending values, for receipts and the CLI.
public struct TransactionResult: Equatable, Sendable, CustomStringConvertible {
    public let code: ResultCode
    public let message: String
    /// For `terTOO_EARLY`: the parent-block time (Unix ms) from which the transaction
    /// can apply — the deadline it waits for.
    public let appliesFrom: UInt64?

    public init(_ code: ResultCode, _ detail: String = "", appliesFrom: UInt64? = nil) {
        self.code = code
        self.message = detail.isEmpty ? code.summary : "\(code.summary): \(detail)"
        self.appliesFrom = appliesFrom
    }

    public static let success = TransactionResult(.tesSUCCESS)

    public var description: String { "\(code.name): \(message)" }
}
