import Foundation
import Testing
import TradewindPeer
import TradewindTestSupport

/// No Docker engine runs here: the generated compose file's structure is checked
/// instead (docs/OPERATIONS.md shows how to run it where Docker runs).
@Suite struct ComposeFileTests {
    /// The compose file as services → (key → lines under it), from its fixed layout.
    static func services(_ text: String) -> [String: [String]] {
        var services: [String: [String]] = [:]
        var current: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("  ") && !line.hasPrefix("   ") && line.hasSuffix(":") {
                current = String(line.dropFirst(2).dropLast())
                services[current!] = []
            } else if let current, line.hasPrefix("    ") {
                services[current]!.append(line.trimmingCharacters(in: .whitespaces))
            }
        }
        return services
    }

    @Test func dockerTestnetWritesOneServicePerPeer() throws {
        let out = try temporaryDirectory("compose") + "/net"
        let result = try ChildProcess.run("tradewind", ["testnet", "--authorities", "4", "--participants", "exporter,importer",
                                                        "--out", out, "--base-port", "26600", "--docker"])
        #expect(result.status == 0, "\(result.error)")
        let text = try String(contentsOfFile: out + "/docker-compose.yml", encoding: .utf8)
        #expect(text.contains("\nservices:\n"))
        let services = Self.services(text)
        let names = ["authority-1", "authority-2", "authority-3", "authority-4", "exporter", "importer"]
        #expect(services.keys.sorted() == names.sorted())
        for (index, name) in names.enumerated() {
            let lines = services[name] ?? []
            let udp = 26600 + 2 * index, api = udp + 1
            #expect(lines.contains("image: tradewind:latest"), "\(name): \(lines)")
            #expect(lines.contains("hostname: \(name)"))
            #expect(lines.contains("command: [\"peer\", \"--home\", \"/home/tradewind/peer\"]"))
            #expect(lines.contains("- ./\(name):/home/tradewind/peer"))
            #expect(lines.contains("- \"\(udp):\(udp)/udp\""))
            #expect(lines.contains("- \"127.0.0.1:\(api):\(api)\""))
            #expect(lines.contains("test: [\"CMD\", \"tradewind\", \"status\", \"--home\", \"/home/tradewind/peer\"]"))
            // The home's config: listens on all interfaces, advertised and known by service name.
            let configuration = try PeerHome(out + "/" + name).configuration()
            #expect(configuration.listen == .init(host: "0.0.0.0", port: udp))
            #expect(configuration.advertise == .init(host: name, port: udp))
            #expect(configuration.api == .init(host: "0.0.0.0", port: api))
            #expect(Set(configuration.peers.map(\.host)) == Set(names.filter { $0 != name }))
            #expect(FileManager.default.fileExists(atPath: out + "/" + name + "/keys/node.key"))
        }
    }
}
