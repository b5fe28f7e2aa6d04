import Foundation
import WSEventCore

/// A PostgreSQL cluster of one test's own, for a test that stops and starts the database
/// (the shared one of ``TestStore`` must stay up for the others). Made by `scripts/pg-cluster`
/// in a temp dir, on a free port; stopped and removed when the object goes away.
public final class PostgresCluster: @unchecked Sendable {
    /// Its `postgres` database, with the password.
    public let url: String
    /// The data directory.
    public let dataDirectory: String

    public init() async throws {
        guard TestStore.enabled else { throw TestStore.Missing() }
        let script = NginxProcess.repositoryRoot.appendingPathComponent("scripts/pg-cluster").path
        let process = try ManagedProcess(
            "/bin/bash",
            ["-c", "source '\(script)' && pg_cluster_start && echo \"$WSEVENT_TEST_STORE $WSEVENT_TEST_PGDATA $WSEVENT_TEST_PGBIN\""]
        )
        guard try await process.waitForExit(timeout: 120) == 0 else {
            throw TimedOut(what: "a PostgreSQL cluster from scripts/pg-cluster: \(process.stderr)")
        }
        let fields = process.stdout.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
        guard fields.count == 3 else { throw TimedOut(what: "scripts/pg-cluster's URL, data dir and bin dir: \(process.stdout)") }
        (url, dataDirectory) = (fields[0], fields[1])
    }

    /// `pg_ctl stop -m fast`: connections are closed, the server is gone until ``start()``.
    public func stop() async throws {
        try await pgCtl(["-m", "fast", "-w", "-t", "60", "stop"])
    }

    /// `pg_ctl start`, on the same port (it is in the cluster's config).
    public func start() async throws {
        try await pgCtl(["-l", (dataDirectory as NSString).deletingLastPathComponent + "/server.log", "-w", "-t", "60", "start"])
    }

    private func pgCtl(_ arguments: [String]) async throws {
        // Through the script: it closes our descriptors before pg_ctl, so the server holds none.
        let script = NginxProcess.repositoryRoot.appendingPathComponent("scripts/pg-cluster").path
        let process = try ManagedProcess("/bin/bash", [script, "ctl", dataDirectory] + arguments)
        guard try await process.waitForExit(timeout: 90) == 0 else {
            throw TimedOut(what: "pg_ctl \(arguments.joined(separator: " ")): \(process.stderr)")
        }
    }

    deinit {
        let script = NginxProcess.repositoryRoot.appendingPathComponent("scripts/pg-cluster").path
        let stop = Process()
        stop.executableURL = URL(fileURLWithPath: "/bin/bash")
        stop.arguments = ["-c", "source '\(script)' && pg_cluster_stop '\(dataDirectory)'"]
        try? stop.run()
        stop.waitUntilExit()
    }
}
