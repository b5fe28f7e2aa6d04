import Foundation

/// The built executables (`swift build` puts them beside the test bundle).
public enum Binaries {
    public static var directory: URL {
        // /proc/self/exe is the test runner inside .build/<triple>/debug.
        let runner = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
        var directory = runner.deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("wsevent-service").path),
            directory.path != "/"
        {
            directory = directory.deletingLastPathComponent()
        }
        return directory
    }

    public static var service: String { directory.appendingPathComponent("wsevent-service").path }
    public static var client: String { directory.appendingPathComponent("wsclient").path }
    public static var bench: String { directory.appendingPathComponent("wsevent-bench").path }
}

/// A child process started by a test, with its stdout and stderr captured in files. It is
/// killed when the object goes away, so a failing test leaves nothing running.
public final class ManagedProcess: @unchecked Sendable {
    private let process = Process()
    private let stdoutURL: URL
    private let stderrURL: URL
    public let name: String

    /// - Parameter fileDescriptorLimit: runs the child under `ulimit -n` of this (through
    ///   `/bin/sh`, which `exec`s it: the PID is the child's own).
    public init(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String] = [:],
        fileDescriptorLimit: Int? = nil
    ) throws {
        name = "\(URL(fileURLWithPath: executable).lastPathComponent) \(arguments.joined(separator: " "))"
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("wsevent-test-\(UUID().uuidString)")
        stdoutURL = base.appendingPathExtension("out")
        stderrURL = base.appendingPathExtension("err")
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        if let limit = fileDescriptorLimit {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "ulimit -n \(limit) && exec \"$0\" \"$@\"", executable] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        }
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("WSEVENT_") }
        for key in ["SERVE_ADDRESS", "SERVE_PATH", "CONSUME_ADDRESS", "CONSUME_PATH", "NO_PRODUCE"] { env[key] = nil }
        env.merge(environment) { $1 }
        process.environment = env
        let output = try FileHandle(forWritingTo: stdoutURL)
        let errors = try FileHandle(forWritingTo: stderrURL)
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        defer {
            // The child has its own copies; ours would stay open as long as Foundation keeps
            // the Process, a few hundred files over a run of the suite.
            try? output.close()
            try? errors.close()
        }
        try Self.launchWithDefaultSignals(process)
    }

    /// A child inherits the signal mask of the thread that starts it, and the concurrency
    /// pool's threads block SIGINT and SIGTERM: start it from a fresh thread that blocks
    /// nothing, so the child's own handlers (and a shell's `trap`) work when a test signals it.
    private static func launchWithDefaultSignals(_ process: Process) throws {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var failure: (any Error)?
        let thread = Thread {
            var empty = sigset_t()
            sigemptyset(&empty)
            pthread_sigmask(SIG_SETMASK, &empty, nil)
            do { try process.run() } catch { failure = error }
            done.signal()
        }
        thread.start()
        done.wait()
        if let failure { throw failure }
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(at: stdoutURL)
        try? FileManager.default.removeItem(at: stderrURL)
    }

    public var pid: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }
    public var stdout: String { (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "" }
    public var stderr: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }

    public func signal(_ signal: Int32) {
        // Never a PID the kernel may have given to another process since ours was reaped.
        guard process.isRunning else { return }
        kill(process.processIdentifier, signal)
    }

    /// Waits for the exit and returns the status (or the signal number, negated).
    public func waitForExit(timeout: Double = 30) async throws -> Int32 {
        try await eventually("\(name) to exit", timeout: timeout) { [process] in !process.isRunning }
        return process.terminationReason == .uncaughtSignal ? -process.terminationStatus : process.terminationStatus
    }

    /// Waits until stderr has a line containing `text` and returns that line.
    @discardableResult
    public func waitForLog(_ text: String, timeout: Double = 30) async throws -> String {
        try await eventually("\(name) to log '\(text)'", timeout: timeout) { [self] in
            if stderr.contains(text) { return true }
            if !isRunning { throw TimedOut(what: "\(name) exited before logging '\(text)': \(stderr)") }
            return false
        }
        return String(stderr.split(separator: "\n").first { $0.contains(text) } ?? "")
    }
}

/// A `wsevent-service` child process.
public final class ServiceProcess: @unchecked Sendable {
    public let process: ManagedProcess
    /// The port it listens on, read from its "serving ws://HOST:PORT/PATH" (or wss://) line.
    public let port: Int

    /// Starts `wsevent-service` with `arguments` and waits until it serves.
    public init(_ arguments: [String], environment: [String: String] = [:], fileDescriptorLimit: Int? = nil) async throws {
        process = try ManagedProcess(Binaries.service, arguments, environment: environment, fileDescriptorLimit: fileDescriptorLimit)
        let line = try await process.waitForLog("serving ws")
        let url = line.split(separator: " ").last { $0.hasPrefix("ws://") || $0.hasPrefix("wss://") } ?? ""
        let authority = url.drop { $0 != "/" }.dropFirst(2).prefix { $0 != "/" }
        guard let port = authority.split(separator: ":").last.flatMap({ Int($0) }) else {
            throw TimedOut(what: "a port in '\(line)'")
        }
        self.port = port
    }
}
