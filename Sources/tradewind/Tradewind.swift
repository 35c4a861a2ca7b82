import ArgumentParser
import TradewindWire

@main
struct Tradewind: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tradewind",
        abstract: "Tradewind: a permissioned payment mesh for cross-border e-commerce.",
        discussion: """
            Every participant runs a peer; the peers gossip over encrypted UDP, agree by \
            proof of authority with BFT finality and keep the ledger in LMDB.
            """,
        version: Release.version,
        subcommands: [KeyCommand.self]
    )
}
