import ArgumentParser
import Foundation
import TradewindCrypto
import TradewindPeer
import TradewindWire

/// Where wallets live and how their passphrases are given.
struct WalletOptions: ParsableArguments {
    @Option(name: .long, help: "Folder of wallet key files, NAME.key (default: $TRADEWIND_WALLETS, else ./wallets).")
    var wallets: String?

    @Option(name: .long, help: "Read the wallet passphrase from the first line of this file.")
    var passwordFile: String?

    @Flag(name: .long, help: "Read the wallet passphrase from the first line of standard input.")
    var passwordStdin = false

    var directory: String { wallets ?? ProcessInfo.processInfo.environment["TRADEWIND_WALLETS"] ?? "wallets" }

    func path(_ name: String) throws -> String {
        guard !name.isEmpty, name.count <= 64, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw ValidationError("invalid wallet name '\(name)': use letters, digits, - and _ (at most 64)")
        }
        return directory + "/" + name + ".key"
    }

    /// The passphrase from --password-file or --password-stdin, else from a prompt
    /// when a terminal is attached (`prompt` non-nil), else nil.
    func passphrase(prompt: String? = nil) throws -> SecureBytes? {
        if let passwordFile { return try PassphraseSource.file(passwordFile) }
        if passwordStdin { return try PassphraseSource.stdin() }
        if let prompt, isatty(STDIN_FILENO) == 1 { return try PassphraseSource.prompt(prompt) }
        return nil
    }

    func key(_ name: String) throws -> Ed25519.PrivateKey {
        let file = try path(name)
        guard FileManager.default.fileExists(atPath: file) else {
            throw CLIError("no wallet '\(name)' in \(directory) (\(file) does not exist); see `tradewind wallet list`")
        }
        let passphrase = KeyFile.isEncrypted(file) ? try passphrase(prompt: "Passphrase for wallet \(name): ") : nil
        if KeyFile.isEncrypted(file) && passphrase == nil {
            throw CLIError("wallet '\(name)' is encrypted: give its passphrase with --password-file or --password-stdin")
        }
        do { return try KeyFile.read(file, passphrase: passphrase) } catch { throw CLIError(error.description) }
    }
}

struct WalletCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wallet", abstract: "Create, list, show, import and export wallet keys.",
        subcommands: [New.self, List.self, Show.self, Import.self, Export.self])

    struct New: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a wallet, encrypted with a passphrase.",
            discussion: """
                The passphrase comes from --password-file or --password-stdin; on a terminal \
                without them it is asked for twice. Without a terminal and without either \
                option the command refuses, unless --insecure-plain asks for a plain key file \
                (the seed unencrypted, mode 0600): for test networks only.
                """)
        @OptionGroup var options: WalletOptions
        @Argument(help: "The wallet's name.") var name: String
        @Flag(name: .long, help: "Write the key unencrypted (test networks only).") var insecurePlain = false

        func validate() throws {
            _ = try options.path(name)
            if insecurePlain && (options.passwordFile != nil || options.passwordStdin) {
                throw ValidationError("--insecure-plain writes no passphrase; leave out --password-file and --password-stdin")
            }
        }

        func run() throws {
            let file = try options.path(name)
            guard !FileManager.default.fileExists(atPath: file) else { throw CLIError("wallet '\(name)' already exists at \(file)") }
            let passphrase = try newPassphrase()
            try FileManager.default.createDirectory(atPath: options.directory, withIntermediateDirectories: true)
            let key = Ed25519.PrivateKey.generate()
            if let passphrase {
                try Keystore.write(key: key, passphrase: passphrase, to: file)
            } else {
                try KeyFile.writePlain(key, to: file)
            }
            print("\(name) \(key.publicKey.address)")
        }

        /// The new wallet's passphrase, or nil for --insecure-plain.
        func newPassphrase() throws -> SecureBytes? {
            if insecurePlain { return nil }
            if options.passwordFile != nil || options.passwordStdin { return try options.passphrase() }
            guard isatty(STDIN_FILENO) == 1 else {
                throw CLIError("""
                    wallet '\(name)' needs a passphrase: give --password-file FILE or --password-stdin, or run on a terminal \
                    to be asked (--insecure-plain writes an unencrypted key, for test networks only)
                    """)
            }
            let first = try PassphraseSource.prompt("Passphrase for the new wallet \(name): ")
            let second = try PassphraseSource.prompt("The same passphrase again: ")
            guard first.isEqual(to: second) else { throw CLIError("the passphrases differ; wallet '\(name)' was not created") }
            return first
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List wallets and their addresses.")
        @OptionGroup var options: WalletOptions
        @Flag(name: .long, help: "Print JSON (for scripts) instead of text.") var json = false

        func run() throws {
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: options.directory)) ?? [])
                .filter { $0.hasSuffix(".key") }.sorted()
            guard !names.isEmpty else { throw CLIError("no wallets in \(options.directory)") }
            let entries = names.map { file in
                WalletEntry(name: String(file.dropLast(4)),
                            address: (try? KeyFile.address(options.directory + "/" + file)).map(\.description),
                            encrypted: KeyFile.isEncrypted(options.directory + "/" + file))
            }
            // Only `testnet` and `wallet new --insecure-plain` write plain keys.
            printOutput(entries, json: json) { list in
                list.map { "\($0.name)  \($0.address ?? "(unreadable)")\($0.encrypted ? "  encrypted" : "  plain (test only)")" }.joined(separator: "\n")
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a wallet's address (no passphrase needed).")
        @OptionGroup var options: WalletOptions
        @Argument(help: "The wallet's name.") var name: String
        @Flag(name: .long, help: "Print JSON (for scripts) instead of text.") var json = false

        func run() throws {
            let file = try options.path(name)
            let address: Address
            do { address = try KeyFile.address(file) } catch { throw CLIError(error.description) }
            let entry = WalletEntry(name: name, address: address.description, encrypted: KeyFile.isEncrypted(file))
            printOutput(entry, json: json) { $0.address ?? "" }
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Import a key file (plain or encrypted) as a named wallet.")
        @OptionGroup var options: WalletOptions
        @Argument(help: "The wallet's name.") var name: String
        @Argument(help: "The key file to import.") var file: String

        func run() throws {
            let target = try options.path(name)
            guard !FileManager.default.fileExists(atPath: target) else { throw CLIError("wallet '\(name)' already exists") }
            let address: Address
            do { address = try KeyFile.address(file) } catch { throw CLIError(error.description) }
            try FileManager.default.createDirectory(atPath: options.directory, withIntermediateDirectories: true)
            let bytes = try FileIO.read(file, limit: 1 << 20)
            try FileIO.writeSynced(bytes, to: target, mode: 0o600)
            print("\(name) \(address)")
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Copy a wallet's key file (as stored: encrypted stays encrypted).")
        @OptionGroup var options: WalletOptions
        @Argument(help: "The wallet's name.") var name: String
        @Option(name: .long, help: "Where to write the copy (must not exist).") var out: String

        func run() throws {
            guard !FileManager.default.fileExists(atPath: out) else { throw CLIError("\(out) already exists") }
            let bytes = try FileIO.read(try options.path(name), limit: 1 << 20)
            try FileIO.writeSynced(bytes, to: out, mode: 0o600)
            print(out)
        }
    }
}

/// A wallet as `wallet list --json` and `wallet show --json` print it.
struct WalletEntry: Codable, Equatable {
    var name: String
    /// Null when the key file cannot be read.
    var address: String?
    var encrypted: Bool

    func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(address, forKey: .address)
        try container.encode(encrypted, forKey: .encrypted)
    }
}
