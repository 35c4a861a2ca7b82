import ArgumentParser
import TradewindWire

/// The `tradewind` command: its subcommands and, in ErrorOutput.swift, its entry point.
public struct Tradewind: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "tradewind",
        abstract: "Tradewind: a permissioned payment mesh for cross-border e-commerce.",
        discussion: """
            Every participant runs a peer; the peers gossip over encrypted UDP, agree by \
            proof of authority with BFT finality and keep the ledger in LMDB. Inspection \
            commands ask a running peer (--home DIR finds it through DIR/run/api.addr, or \
            --api HOST:PORT) or read a stopped peer's store directly. Exit codes: 0 success, \
            1 failure, 64 usage error.
            """,
        version: Release.version,
        subcommands: [
            PeerCommand.self, InitCommand.self, GenesisCommand.self, TestnetCommand.self,
            StatusCommand.self, MembersCommand.self, BlocksCommand.self, BlockCommand.self, TransactionCommand.self,
            AccountCommand.self, OrdersCommand.self,
            WalletCommand.self, SendCommand.self, OrderCommand.self, FXCommand.self, MerchantCommand.self,
            FreezeCommand.self, UnfreezeCommand.self, AuthorityCommand.self, IssueCommand.self, RedeemCommand.self,
            ClaimCommand.self, DepositAuthCommand.self, PreauthorizeCommand.self, UnpreauthorizeCommand.self,
            BackupCommand.self, KeyCommand.self,
        ]
    )

    public init() {}
}
