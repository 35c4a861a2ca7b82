import Foundation
import TradewindTestSupport

/// Runs the real `tradewind` binary as a child process with a chosen standard input
/// (never the test runner's, which may be a terminal), and, through `script`, on a
/// pseudo-terminal for the commands that prompt.
enum CLIProcess {
    struct Outcome {
        var status: Int32
        var output: String
        var error: String
        /// Killed by a signal (a trap is SIGILL or SIGTRAP), not exited.
        var crashed: Bool
        /// Killed by the watchdog after the timeout: it hung (`crashed` is set too).
        var timedOut: Bool
    }

    static var binary: String { ChildProcess.buildDirectory.appendingPathComponent("tradewind").path }

    /// Runs `tradewind ARGUMENTS`; one that has not ended after `timeout` seconds is
    /// killed (and reported as `timedOut`), so a hang fails the test instead of stalling it.
    static func run(_ arguments: [String], input: String = "", timeout: TimeInterval = 120) throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        let pid = process.processIdentifier
        let fired = WatchdogFlag()
        let watchdog = DispatchWorkItem {
            fired.set()
            kill(pid, SIGKILL)
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
        defer { watchdog.cancel() }
        // Standard error is drained beside standard output, so neither pipe fills up
        // and blocks the child while the other is read.
        let error = PipeDrain(stderr.fileHandleForReading)
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(status: process.terminationStatus, output: String(decoding: output, as: UTF8.self),
                       error: String(decoding: error.wait(), as: UTF8.self),
                       crashed: process.terminationReason == .uncaughtSignal,
                       timedOut: fired.isSet && process.terminationReason == .uncaughtSignal)
    }

    struct TerminalError: Error, CustomStringConvertible { let description: String }

    /// Runs `tradewind ARGUMENTS` on a new pseudo-terminal (util-linux `script`): each time
    /// the output shows the next prompt, types the matching line. Returns the exit status
    /// and everything the terminal showed.
    static func runOnTerminal(_ arguments: [String], answers: [(prompt: String, line: String)],
                              timeout: TimeInterval = 30) throws -> (status: Int32, transcript: String) {
        let quoted = ([binary] + arguments).map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        process.arguments = ["-qec", quoted, "/dev/null"]
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stdout
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        // A command that hangs without output would block the reads below: end it at the deadline.
        let pid = process.processIdentifier
        let watchdog = DispatchWorkItem { kill(pid, SIGKILL) }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
        defer { watchdog.cancel() }
        var transcript = ""
        var answered = 0 // Characters of the transcript already matched to a prompt.
        var pending = answers[...]
        let deadline = Date().addingTimeInterval(timeout)
        let reader = stdout.fileHandleForReading
        while let next = pending.first {
            guard Date() < deadline else { throw TerminalError(description: "no prompt '\(next.prompt)' within \(timeout) s: \(transcript)") }
            let chunk = reader.availableData
            if chunk.isEmpty { break } // The command ended before asking.
            transcript += String(decoding: chunk, as: UTF8.self)
            let unseen = String(transcript.dropFirst(answered))
            if let range = unseen.range(of: next.prompt) {
                answered += unseen.distance(from: unseen.startIndex, to: range.upperBound)
                stdin.fileHandleForWriting.write(Data((next.line + "\n").utf8))
                pending = pending.dropFirst()
            }
        }
        transcript += String(decoding: reader.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, transcript)
    }
}

/// Reads a pipe to its end on a thread of its own.
final class PipeDrain: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var data = Data()

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }
    }

    /// Everything the pipe carried; waits for its writer to close it.
    func wait() -> Data {
        done.wait()
        return data
    }
}

/// Set by a watchdog on another thread (NSLock: Mutex needs macOS 15).
final class WatchdogFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}
