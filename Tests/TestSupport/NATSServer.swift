import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A throw-away `nats-server` with JetStream (`nats-server -js -a 127.0.0.1 -p PORT -sd DIR`),
/// on a free port of 127.0.0.1 and a temporary directory of its own, for the bridge tests. It
/// can be stopped and started again on the same port and directory (its streams survive, as a
/// broker's restart would keep them); when the object goes away the server is killed and the
/// directory removed.
///
/// In CI (`CI=true`) a missing `nats-server` fails every such test with ``Missing``; elsewhere
/// they are skipped (``enabled``), as the store tests are without PostgreSQL.
public final class NATSServer: @unchecked Sendable {
    public struct Missing: Error, CustomStringConvertible {
        public var description: String {
            "nats-server is not installed, and the NATS bridge tests need it: scripts/test installs it (apt-get install -y nats-server, Debian's package)"
        }
    }

    public let port: Int
    /// JetStream's store directory, removed at the end.
    public let directory: URL
    private var process: ManagedProcess?

    /// The `nats-server` executable, or `nil`.
    public static var executable: String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let directories = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/usr/bin", "/usr/local/bin", "/usr/local/sbin"]
        return directories.lazy.map { $0 + "/nats-server" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Whether the NATS tests run: with `nats-server`, and always in CI (where they then fail).
    public static var enabled: Bool {
        executable != nil || ProcessInfo.processInfo.environment["CI"] == "true"
    }

    public static let skipReason = "no nats-server: run scripts/test, or apt-get install -y nats-server"

    /// `nats://127.0.0.1:PORT`.
    public var url: String { "nats://127.0.0.1:\(port)" }

    /// Starts a server (unless `started` is false: then only its port and directory are
    /// chosen, for a test of an instance that starts before its broker) and waits until it
    /// takes connections.
    public init(started: Bool = true) async throws {
        guard Self.executable != nil else { throw Missing() }
        port = try RawSocketPortProbe.freePort()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("wsevent-nats-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        if started { try await start() }
    }

    /// Starts it (again), on the same port and directory.
    public func start() async throws {
        guard let executable = Self.executable else { throw Missing() }
        let process = try ManagedProcess(executable, ["-js", "-a", "127.0.0.1", "-p", "\(port)", "-sd", directory.path])
        self.process = process
        try await eventually("nats-server to take connections on port \(port)", timeout: 30) { [port] in
            if !process.isRunning { throw TimedOut(what: "nats-server exited: \(process.stderr)") }
            return (try? RawSocket(port: port)) != nil
        }
        // JetStream is ready a little after the port opens.
        try await eventually("JetStream to answer on port \(port)", timeout: 30) { [port] in
            guard let client = try? await NATSTestClient(port: port) else { return false }
            return (try? await client.request("$JS.API.INFO", timeout: 2))?.contains("\"type\":\"io.nats.jetstream.api.v1.account_info_response\"") == true
        }
    }

    /// Stops it (SIGTERM, as an operator's restart would) and waits for the exit.
    public func stop() async throws {
        guard let process else { return }
        process.signal(SIGTERM)
        _ = try await process.waitForExit()
        self.process = nil
    }

    /// Kills it at once (SIGKILL).
    public func kill() async throws {
        guard let process else { return }
        process.signal(SIGKILL)
        _ = try await process.waitForExit()
        self.process = nil
    }

    /// A client of this server.
    public func client() async throws -> NATSTestClient {
        try await NATSTestClient(port: port)
    }

    /// Makes stream `name` capturing `subjects` (file storage, so it survives a restart).
    public func createStream(_ name: String, subjects: [String], maxMessages: Int? = nil) async throws {
        let client = try await client()
        let list = subjects.map { "\"\($0)\"" }.joined(separator: ",")
        let limit = maxMessages.map { ",\"max_msgs\":\($0)" } ?? ""
        let answer = try await client.request(
            "$JS.API.STREAM.CREATE.\(name)",
            "{\"name\":\"\(name)\",\"subjects\":[\(list)],\"storage\":\"file\",\"retention\":\"limits\"\(limit)}"
        )
        guard answer.contains("\"config\"") else { throw TimedOut(what: "stream \(name) made: \(answer)") }
    }

    /// Deletes stream `name`.
    public func deleteStream(_ name: String) async throws {
        let client = try await client()
        let answer = try await client.request("$JS.API.STREAM.DELETE.\(name)", "")
        guard answer.contains("\"success\":true") else { throw TimedOut(what: "stream \(name) deleted: \(answer)") }
    }

    deinit {
        if let process, process.isRunning { process.signal(SIGKILL) }
        process = nil
        try? FileManager.default.removeItem(at: directory)
    }
}
