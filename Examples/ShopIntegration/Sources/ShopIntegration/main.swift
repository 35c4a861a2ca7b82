// Builds and signs a transfer with Tradewind's libraries alone (no peer, no CLI) and
// prints its id: what a shop's back office does before handing the transaction to
// any peer's API (POST /transactions). Bootstrap/test checks the id against the one
// `tradewind send --offline` computes for the same transfer.
//
//   ShopIntegration --genesis FILE --wallet KEYFILE --to ADDRESS --amount 12.50 --asset USD
//                   --sequence N --last-valid-height H [--memo TEXT]
import Foundation
import TradewindCrypto
import TradewindLedger
import TradewindWire

struct UsageError: Error, CustomStringConvertible {
    var description: String
}

/// A plain wallet key file as `tradewind testnet` and `wallet new --insecure-plain` write it.
struct PlainKeyFile: Decodable {
    var address: String
    var seed: String
}

func options(_ arguments: [String]) throws -> [String: String] {
    var result: [String: String] = [:]
    var index = 0
    while index < arguments.count {
        let name = arguments[index]
        guard name.hasPrefix("--"), index + 1 < arguments.count else { throw UsageError(description: "expected --NAME VALUE at '\(name)'") }
        result[String(name.dropFirst(2))] = arguments[index + 1]
        index += 2
    }
    return result
}

func required(_ options: [String: String], _ name: String) throws -> String {
    guard let value = options[name] else { throw UsageError(description: "missing --\(name)") }
    return value
}

func number(_ options: [String: String], _ name: String) throws -> UInt64 {
    let text = try required(options, name)
    guard let value = UInt64(text) else { throw UsageError(description: "--\(name) must be a whole number, got '\(text)'") }
    return value
}

func run() throws {
    let given = try options(Array(CommandLine.arguments.dropFirst()))
    let genesisPath = try required(given, "genesis")
    let genesis = try JSONDecoder().decode(Genesis.self, from: Data(contentsOf: URL(fileURLWithPath: genesisPath)))
    let network = try Ledger(genesis: genesis).networkID

    let wallet = try JSONDecoder().decode(PlainKeyFile.self, from: Data(contentsOf: URL(fileURLWithPath: try required(given, "wallet"))))
    guard let seed = Hex.decode(wallet.seed) else { throw UsageError(description: "the wallet's seed is not hex") }
    let key = try Ed25519.PrivateKey(seed: seed)

    let assetText = try required(given, "asset")
    guard let asset = AssetCode(assetText), let decimals = genesis.assets.first(where: { $0.code == asset })?.decimals else {
        throw UsageError(description: "the network has no asset '\(assetText)'")
    }
    let amount = try Amount.parse(try required(given, "amount"), decimals: decimals)
    let receiver = try Address(parsing: try required(given, "to"))
    let memo = Array((given["memo"] ?? "").utf8)

    let transaction = Transaction(
        sender: key.publicKey.address, sequence: try number(given, "sequence"),
        lastValidHeight: try number(given, "last-valid-height"),
        body: .transfer(to: receiver, asset: asset, amount: amount, memo: memo)
    ).signed(by: key, network: network)
    print(transaction.id.hex)
    print(Hex.encode(transaction.wireEncoded))
}

do {
    try run()
} catch {
    FileHandle.standardError.write(Data("ShopIntegration: \(error)\n".utf8))
    exit(1)
}
