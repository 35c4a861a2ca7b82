import ArgumentParser
import TradewindWire

// An account's own settings and its held balances: deposit authorization, the senders
// it preauthorizes, and claiming what the ledger held for it (an order's payout that
// arrived while the account was frozen).

struct ClaimCommand: SubmittingCommand {
    static let configuration = CommandConfiguration(
        commandName: "claim", abstract: "Move the balance held for this account in one asset into its balance.",
        discussion: """
            An order's payout to a frozen account is held; once the account is unfrozen, \
            claim moves it into the balance. `tradewind account ADDRESS` shows held amounts \
            as (+N held); claim each asset separately.
            """)
    @OptionGroup var options: SubmitOptions
    @Option(name: .long, help: "The asset code, like USD.") var asset: String

    func validate() throws {
        guard AssetCode(asset) != nil else { throw ValidationError("invalid asset code '\(asset)': 1 to 12 of A-Z and 0-9") }
    }

    func body(_ network: NetworkFacts) throws -> TransactionBody { .claim(asset: try network.asset(asset).code) }
}

struct DepositAuthCommand: SubmittingCommand {
    static let configuration = CommandConfiguration(
        commandName: "deposit-auth",
        abstract: "Turn deposit authorization on or off: when on, only preauthorized senders can pay this account.")
    @OptionGroup var options: SubmitOptions
    @Argument(help: "on or off.") var setting: String

    func validate() throws { _ = try enabled() }

    func enabled() throws -> Bool {
        switch setting {
        case "on": return true
        case "off": return false
        default: throw ValidationError("deposit-auth takes 'on' or 'off', not '\(setting)'")
        }
    }

    func body(_ network: NetworkFacts) throws -> TransactionBody { .setDepositAuth(enabled: try enabled()) }
}

struct PreauthorizeCommand: SubmittingCommand {
    static let configuration = CommandConfiguration(
        commandName: "preauthorize", abstract: "Allow an account to pay this one while deposit authorization is on.")
    @OptionGroup var options: SubmitOptions
    @Argument(help: "The sender to allow (tw1…).") var account: String

    func validate() throws { _ = try parseAddress(account, "account") }
    func body(_ network: NetworkFacts) throws -> TransactionBody { .preauthorize(account: try parseAddress(account, "account"), authorized: true) }
}

struct UnpreauthorizeCommand: SubmittingCommand {
    static let configuration = CommandConfiguration(
        commandName: "unpreauthorize", abstract: "Withdraw an account's preauthorization to pay this one.")
    @OptionGroup var options: SubmitOptions
    @Argument(help: "The sender to no longer allow (tw1…).") var account: String

    func validate() throws { _ = try parseAddress(account, "account") }
    func body(_ network: NetworkFacts) throws -> TransactionBody { .preauthorize(account: try parseAddress(account, "account"), authorized: false) }
}
