import Foundation
@_exported import TradewindSimulation

/// A child process started from the build folder, with its standard output read
/// line by line. Tests always stop it (`kill` in a `defer`).
public final class ChildProcess {
    public let process = Process()
    private let output = Pipe()
    private var buffer: [UInt8] = []
    private var finished = false

    /// Starts `executable` (a product of this package) with `arguments`; standard
    /// error goes to `errorLog` if given (else it is inherited).
    public init(executable: String, arguments: [String], environment: [String: String] = [:],
                errorLog: String? = nil) throws {
        process.executableURL = Self.buildDirectory.appendingPathComponent(executable)
        process.arguments = arguments
        process.standardOutput = output
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        }
        if let errorLog {
            _ = FileManager.default.createFile(atPath: errorLog, contents: nil)
            process.standardError = FileHandle(forWritingAtPath: errorLog)
        }
        try process.run()
    }

    /// Runs `executable` to completion; returns its exit status, standard output and
    /// standard error (for short outputs: error is read after output).
    public static func run(_ executable: String, _ arguments: [String],
                           environment: [String: String] = [:]) throws -> (status: Int32, output: String, error: String) {
        let process = Process()
        process.executableURL = buildDirectory.appendingPathComponent(executable)
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        }
        let output = Pipe(), error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
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

/// A first port for a test network of fixed-port peers (`testnet --base-port`): one of
/// the `span`-wide slots from 10,000 up to Linux's ephemeral range (32,768), so that no
/// outgoing socket the kernel numbers can hold a peer's port, and parallel tests rarely
/// draw the same slot.
public func testBasePort(span: Int) -> Int {
    10_000 + Int.random(in: 0..<((32_768 - 10_000) / span)) * span
}

/// SplitMix64 for tests: deterministic, so a failing seed replays.
public typealias SeededGenerator = SeededRandom
