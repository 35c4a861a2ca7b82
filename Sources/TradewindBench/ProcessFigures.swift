import Foundation
import TradewindPeer

/// What Linux reports about a child process (/proc), for the benchmarks that run peers.
enum ProcessFigures {
    /// User + system CPU seconds the process has used (/proc/PID/stat fields 14 and 15).
    static func cpuSeconds(pid: Int32) -> Double {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return 0 }
        // The fields after the command name (which may hold spaces) start at field 3.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// A size line of /proc/PID/status in MiB: "VmRSS" (resident now), "VmHWM" (peak resident).
    static func mebibytes(pid: Int32, _ field: String) -> Double {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }),
              let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kilobytes / 1024
    }
}

/// A first port for a benchmark's fixed-port peers: a `span`-wide slot from 10,000 up
/// to Linux's ephemeral range (32,768), where no outgoing socket can hold one.
func benchBasePort(span: Int) -> Int {
    10_000 + Int.random(in: 0..<((32_768 - 10_000) / span)) * span
}

/// `tradewind peer` processes for the benchmarks: started at once, stopped together.
final class PeerProcesses {
    private(set) var processes: [Process] = []

    /// Starts a peer on each home (stderr discarded) with `environment` added to this
    /// process's, and returns each peer's API client once its API is up.
    func start(_ homes: [PeerHome], tradewind: String, environment: [String: String] = [:],
               within seconds: TimeInterval) throws -> [LocalAPIClient] {
        let inherited = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        for home in homes {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: tradewind)
            process.arguments = ["peer", "--home", home.path]
            process.environment = inherited
            process.standardError = FileHandle(forWritingAtPath: "/dev/null")
            try process.run()
            processes.append(process)
        }
        let deadline = Date().addingTimeInterval(seconds)
        var clients: [LocalAPIClient] = []
        for home in homes {
            while home.apiAddress() == nil {
                guard Date() < deadline else { throw BenchError("peer \(home.path) did not start in \(Int(seconds)) s") }
                usleep(20_000)
            }
            clients.append(try LocalAPIClient(api: home.apiAddress(), home: nil))
        }
        return clients
    }

    func stop() {
        for process in processes where process.isRunning { process.terminate() }
        for process in processes { process.waitUntilExit() }
    }
}
