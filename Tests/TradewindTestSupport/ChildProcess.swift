import Foundation
@_exported import TradewindSimulation

/// A child process started from the build folder, with its standard output read
/// line by line. Tests always stop it (`kill` in a `defer`).
public final class ChildProcess {
    public let process = Process()
    private let output = Pipe()
    private var buffer: [UInt8] = []
    private var finished = false

    /// Starts `executable` (a product of this package) with `arguments`.
    public init(executable: String, arguments: [String]) throws {
        process.executableURL = Self.buildDirectory.appendingPathComponent(executable)
        process.arguments = arguments
        process.standardOutput = output
        try process.run()
    }

    /// The folder holding this test binary and the package's executables.
    public static var buildDirectory: URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
    }

    /// The next complete line, or nil at end of output.
    public func readLine() -> String? {
        while true {
            if let newline = buffer.firstIndex(of: 0x0a) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                return line
            }
            if finished { return nil }
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { finished = true } else { buffer.append(contentsOf: chunk) }
        }
    }

    /// Every remaining line until the process closes its output.
    public func remainingLines() -> [String] {
        var lines: [String] = []
        while let line = readLine() { lines.append(line) }
        return lines
    }

    public func kill(_ signal: Int32 = SIGKILL) {
        if process.isRunning { Foundation.kill(process.processIdentifier, signal) }
    }

    /// Waits for exit (killing the process after `timeout` seconds) and returns its status.
    @discardableResult
    public func wait(timeout: TimeInterval = 60) -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning { kill() }
        process.waitUntilExit()
        return process.terminationStatus
    }

    deinit {
        kill()
    }
}

public func temporaryDirectory(_ label: String) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("tw-\(label)-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// SplitMix64 for tests: deterministic, so a failing seed replays.
public typealias SeededGenerator = SeededRandom
