import Foundation
import Testing
import TradewindPeer
import TradewindTestSupport

/// `wallet new` never writes a seed in plain text unless asked to: it encrypts with the
/// passphrase given, asks for one twice on a terminal, and otherwise refuses.
@Suite struct WalletNewTests {
    @Test func withoutPassphraseOrTerminalItRefusesAndWritesNothing() throws {
        let wallets = try temporaryDirectory("wallet-refuse")
        let outcome = try CLIProcess.run(["wallet", "new", "alice", "--wallets", wallets])
        #expect(outcome.status == 1, "exit \(outcome.status): \(outcome.error)")
        #expect(outcome.error.contains("--password-file") && outcome.error.contains("--insecure-plain"), "\(outcome.error)")
        #expect(!FileManager.default.fileExists(atPath: wallets + "/alice.key"))
    }

    @Test func passwordFileOrStdinEncryptsTheWallet() throws {
        let wallets = try temporaryDirectory("wallet-encrypted")
        let passphrase = try temporaryDirectory("wallet-pass") + "/pass"
        try "correct horse\n".write(toFile: passphrase, atomically: true, encoding: .utf8)
        let fromFile = try CLIProcess.run(["wallet", "new", "alice", "--wallets", wallets, "--password-file", passphrase])
        #expect(fromFile.status == 0, "\(fromFile.error)")
        #expect(KeyFile.isEncrypted(wallets + "/alice.key"))
        let fromStdin = try CLIProcess.run(["wallet", "new", "bob", "--wallets", wallets, "--password-stdin"], input: "battery staple\n")
        #expect(fromStdin.status == 0, "\(fromStdin.error)")
        #expect(KeyFile.isEncrypted(wallets + "/bob.key"))
        let listed = try CLIProcess.run(["wallet", "list", "--wallets", wallets])
        let listedLines = listed.output.split(separator: "\n")
        #expect(!listedLines.isEmpty && listedLines.allSatisfy { $0.hasSuffix("encrypted") }, "\(listed.output)")
    }

    @Test func insecurePlainWritesAPlainWalletListedAsTestOnly() throws {
        let wallets = try temporaryDirectory("wallet-plain")
        let outcome = try CLIProcess.run(["wallet", "new", "tester", "--wallets", wallets, "--insecure-plain"])
        #expect(outcome.status == 0, "\(outcome.error)")
        #expect(!KeyFile.isEncrypted(wallets + "/tester.key") && FileManager.default.fileExists(atPath: wallets + "/tester.key"))
        let listed = try CLIProcess.run(["wallet", "list", "--wallets", wallets])
        #expect(listed.output.contains("tester") && listed.output.contains("plain (test only)"), "\(listed.output)")
        let both = try CLIProcess.run(["wallet", "new", "x", "--wallets", wallets, "--insecure-plain", "--password-stdin"], input: "pw\n")
        #expect(both.status == 64 && both.error.contains("--insecure-plain"), "\(both.error)")
    }

    @Test func testnetWalletsAreListedAsTestOnly() throws {
        let directory = try temporaryDirectory("wallet-testnet")
        let generated = try CLIProcess.run(["testnet", "--authorities", "1", "--participants", "shop", "--out", directory + "/net"])
        #expect(generated.status == 0, "\(generated.error)")
        let listed = try CLIProcess.run(["wallet", "list", "--wallets", directory + "/net/wallets"])
        let lines = listed.output.split(separator: "\n")
        #expect(lines.count == 2 && lines.allSatisfy { $0.hasSuffix("plain (test only)") }, "\(listed.output)")
    }

    /// On a terminal the passphrase is asked twice; the same answer encrypts, different
    /// answers refuse and write nothing. Runs the CLI on a pseudo-terminal through `script`.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script")))
    func onATerminalThePassphraseIsAskedTwice() throws {
        let wallets = try temporaryDirectory("wallet-terminal")
        let prompts = ["Passphrase for the new wallet", "The same passphrase again"]
        let same = try CLIProcess.runOnTerminal(["wallet", "new", "carol", "--wallets", wallets],
                                                answers: [(prompts[0], "tide pool 42"), (prompts[1], "tide pool 42")])
        #expect(same.status == 0, "\(same.transcript)")
        #expect(KeyFile.isEncrypted(wallets + "/carol.key"), "\(same.transcript)")
        #expect(!same.transcript.contains("tide pool 42"), "the passphrase was echoed: \(same.transcript)")
        let different = try CLIProcess.runOnTerminal(["wallet", "new", "dave", "--wallets", wallets],
                                                     answers: [(prompts[0], "tide pool 42"), (prompts[1], "tide pool 43")])
        #expect(different.status == 1 && different.transcript.contains("differ"), "\(different.transcript)")
        #expect(!FileManager.default.fileExists(atPath: wallets + "/dave.key"))
    }
}
