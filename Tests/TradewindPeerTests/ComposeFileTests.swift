import Foundation
import Testing
import TradewindPeer
import TradewindTestSupport

/// The generated compose file's structure. Bootstrap/docker-mesh runs it for real (the
/// container phase of Bootstrap/test, where a Docker engine can start).
@Suite struct ComposeFileTests {
    /// A top-level section of the compose file as entries → (lines under each), from its fixed layout.
    static func section(_ text: String, _ name: String) -> [String: [String]] {
        var entries: [String: [String]] = [:]
        var inSection = false
        var current: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if !line.hasPrefix(" ") && !line.hasPrefix("#") && !line.isEmpty {
                inSection = line == name + ":"
                current = nil
            } else if inSection && line.hasPrefix("  ") && !line.hasPrefix("   ") && line.hasSuffix(":") {
                current = String(line.dropFirst(2).dropLast())
                entries[current!] = []
            } else if inSection, let current, line.hasPrefix("    ") {
                entries[current]!.append(line.trimmingCharacters(in: .whitespaces))
            }
        }
        return entries
    }

    static func testnet(_ extra: [String]) throws -> (out: String, result: (status: Int32, output: String, error: String)) {
        let out = try temporaryDirectory("compose") + "/net"
        let result = try ChildProcess.run("tradewind", ["testnet", "--authorities", "4", "--participants", "exporter,importer",
                                                        "--out", out, "--base-port", "26600", "--docker"] + extra)
        return (out, result)
    }

    static let names = ["authority-1", "authority-2", "authority-3", "authority-4", "exporter", "importer"]

    @Test func dockerTestnetWritesOneServicePerPeer() throws {
        let (out, result) = try Self.testnet([])
        #expect(result.status == 0, "\(result.error)")
        let text = try String(contentsOfFile: out + "/docker-compose.yml", encoding: .utf8)
        #expect(text.contains("\nservices:\n"))
        let services = Self.section(text, "services")
        let names = Self.names
        #expect(services.keys.sorted() == names.sorted())
        let home = "/home/tradewind/peer"
        for (index, name) in names.enumerated() {
            let lines = services[name] ?? []
            let udp = 26600 + 2 * index, api = udp + 1
            #expect(lines.contains("image: ${TRADEWIND_IMAGE:-tradewind:latest}"), "\(name): \(lines)")
            #expect(lines.contains("hostname: \(name)"))
            #expect(lines.contains("command: [\"peer\", \"--home\", \"\(home)\"]"))
            // The store in a named volume; the peer's files (keys too) mounted read-only, one by one.
            #expect(lines.contains("- \(name)-data:\(home)/data"))
            for file in ["config.json", "genesis.json", "network.key", "keys/node.key"] {
                #expect(lines.contains("- ./\(name)/\(file):\(home)/\(file):ro"), "\(name): \(file)")
                #expect(FileManager.default.fileExists(atPath: out + "/" + name + "/" + file))
            }
            #expect(lines.contains("- ./wallets/\(name).key:/home/tradewind/wallets/\(name).key:ro"))
            #expect(!lines.contains { $0.hasPrefix("- ./\(name):") }, "the whole home is no longer mounted")
            #expect(lines.contains("tradewind:"))
            #expect(!lines.contains { $0.hasPrefix("ipv4_address") })
            #expect(lines.contains("- \"\(udp):\(udp)/udp\""))
            #expect(lines.contains("- \"127.0.0.1:\(api):\(api)\""))
            // The image's HEALTHCHECK (the local API's GET /status) is the one health check.
            #expect(!lines.contains("healthcheck:"))
            // The home's config: listens on all interfaces, advertised and known by service name.
            let configuration = try PeerHome(out + "/" + name).configuration()
            #expect(configuration.listen == .init(host: "0.0.0.0", port: udp))
            #expect(configuration.advertise == .init(host: name, port: udp))
            #expect(configuration.api == .init(host: "0.0.0.0", port: api))
            #expect(Set(configuration.peers.map(\.host)) == Set(names.filter { $0 != name }))
        }
        #expect(Self.section(text, "networks").keys.sorted() == ["tradewind"])
        #expect(Self.section(text, "networks")["tradewind"] == [])
        #expect(Self.section(text, "volumes").keys.sorted() == names.map { "\($0)-data" }.sorted())
    }

    @Test func dockerTestnetWithAddressesFixesEachContainersAddress() throws {
        let hosts = (0..<6).map { "10.213.7.\(11 + $0)" }
        let (out, result) = try Self.testnet(["--hosts", hosts.joined(separator: ",")])
        #expect(result.status == 0, "\(result.error)")
        let text = try String(contentsOfFile: out + "/docker-compose.yml", encoding: .utf8)
        let services = Self.section(text, "services")
        for (index, name) in Self.names.enumerated() {
            #expect(services[name]?.contains("ipv4_address: \(hosts[index])") == true, "\(name): \(services[name] ?? [])")
            let configuration = try PeerHome(out + "/" + name).configuration()
            #expect(configuration.advertise?.host == hosts[index])
        }
        #expect(Self.section(text, "networks")["tradewind"] == ["ipam:", "config:", "- subnet: 10.213.7.0/24"])
    }

    @Test func dockerTestnetWithOtherNamesAddsAliases() throws {
        let hosts = Self.names.map { "peer-\($0)" }
        let (out, result) = try Self.testnet(["--hosts", hosts.joined(separator: ",")])
        #expect(result.status == 0, "\(result.error)")
        let services = Self.section(try String(contentsOfFile: out + "/docker-compose.yml", encoding: .utf8), "services")
        #expect(services["exporter"]?.contains("- peer-exporter") == true, "\(services["exporter"] ?? [])")
    }

    @Test(arguments: [
        ("10.213.7.11,10.213.7.12,10.213.8.13,10.213.7.14,10.213.7.15,10.213.7.16", "'10.213.8.13' is not in 10.213.7.0/24"),
        ("10.213.7.1,10.213.7.12,10.213.7.13,10.213.7.14,10.213.7.15,10.213.7.16", "'10.213.7.1' cannot be a container's address"),
        ("10.213.7.11,10.213.7.11,10.213.7.13,10.213.7.14,10.213.7.15,10.213.7.16", "'10.213.7.11' is given twice"),
        ("10.213.7.11,b,c,d,e,f", "'10.213.7.11' is an address among names"),
        ("a,b,c,d,e,f g", "'f g' is neither an IPv4 address nor a host name"),
        ("a,b,c,d,e,-f", "'-f' is neither an IPv4 address nor a host name"),
        ("a,b,c,d,e,010.1.1.1", "'010.1.1.1' is neither an IPv4 address nor a host name"),
    ])
    func dockerTestnetRefusesHostsNoContainerCanHave(hosts: String, message: String) throws {
        let (out, result) = try Self.testnet(["--hosts", hosts])
        #expect(result.status != 0)
        #expect(result.error.contains(message), "\(result.error)")
        #expect(!FileManager.default.fileExists(atPath: out), "nothing is written")
    }
}
