import ArgumentParser
import Foundation
import TradewindCrypto
import TradewindWire

/// Key files: create one and show the address in one. The wallet commands grow from here.
struct KeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key",
        abstract: "Create and inspect encrypted key files.",
        subcommands: [New.self, Show.self]
    )

    struct PassphraseOptions: ParsableArguments {
        @Option(name: .long, help: "Read the passphrase from the first line of this file.")
        var passwordFile: String?

        @Flag(name: .long, help: "Read the passphrase from the first line of standard input.")
        var passwordStdin = false

        func passphrase() throws -> SecureBytes {
            var line: [UInt8]
            if let passwordFile {
                do {
                    line = try FileIO.read(passwordFile, limit: 64 << 10)
                } catch {
                    throw ValidationError("cannot read --password-file: \(error)")
                }
            } else if passwordStdin {
                line = Array((readLine(strippingNewline: true) ?? "").utf8)
            } else {
                throw ValidationError("give the passphrase with --password-file FILE or --password-stdin")
            }
            if let newline = line.firstIndex(of: 0x0a) { line.removeSubrange(newline...) }
            if line.last == 0x0d { line.removeLast() }
            defer { for index in line.indices { line[index] = 0 } }
            guard !line.isEmpty else { throw ValidationError("the passphrase is empty") }
            return SecureBytes(copying: line)
        }
    }

    struct New: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Generate a key and write it to an encrypted key file.")

        @Option(name: .long, help: "Path of the key file to create (must not exist).")
        var out: String

        @OptionGroup var passphrase: PassphraseOptions

        func run() throws {
            let key = Ed25519.PrivateKey.generate()
            try Keystore.write(key: key, passphrase: try passphrase.passphrase(), to: out)
            print(key.publicKey.address)
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the address of a key file (no passphrase needed).")

        @Argument(help: "Path of the key file.")
        var file: String

        func run() throws {
            let bytes = try FileIO.read(file, limit: 1 << 20)
            print(try Keystore.address(in: bytes))
        }
    }
}
