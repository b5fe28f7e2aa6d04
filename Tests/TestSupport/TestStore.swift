import Foundation
import Logging
import NIOPosix
import PostgresNIO
import WSEventCore
import WSEventPostgres

/// The PostgreSQL cluster the store's tests run on: `scripts/test` starts a throw-away one
/// (scripts/pg-cluster) and exports its URL as `WSEVENT_TEST_STORE`. Each test gets a database
/// of its own (``freshDatabase()``), so tests run side by side without seeing each other.
///
/// In CI (`CI=true`) a missing cluster fails every such test with ``Missing``; elsewhere the
/// tests are skipped, with ``skipReason`` saying how to run them.
public enum TestStore {
    /// Thrown when a store test runs without a cluster.
    public struct Missing: Error, CustomStringConvertible {
        public var description: String {
            "WSEVENT_TEST_STORE is not set, and the store tests need a PostgreSQL cluster: scripts/test starts one "
                + "(scripts/pg-cluster, Debian's postgresql package), or `eval \"$(scripts/pg-cluster start)\"` before `swift test`"
        }
    }

    /// The cluster's URL (its `postgres` database), if one was started.
    public static var clusterURL: String? {
        ProcessInfo.processInfo.environment["WSEVENT_TEST_STORE"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Whether the store tests run: with a cluster, and always in CI (where they then fail).
    public static var enabled: Bool {
        clusterURL != nil || ProcessInfo.processInfo.environment["CI"] == "true"
    }

    /// Why they are skipped: `.enabled(if: TestStore.enabled, Comment(rawValue: TestStore.skipReason))`.
    public static let skipReason =
        "no PostgreSQL cluster: run scripts/test, or eval \"$(scripts/pg-cluster start)\" first (WSEVENT_TEST_STORE)"

    /// A new, empty database on the cluster, dropped when the value goes away.
    public static func freshDatabase() async throws -> TestDatabase {
        guard let clusterURL else { throw Missing() }
        let cluster = try PostgresURL(parsing: clusterURL)
        let name = "wsevent_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        _ = try await TestDatabase.run("CREATE DATABASE \(name)", on: cluster)
        var url = cluster
        url.database = name
        return TestDatabase(url: url, cluster: cluster)
    }
}

/// One test's database.
public final class TestDatabase: Sendable {
    public let url: PostgresURL
    let cluster: PostgresURL

    init(url: PostgresURL, cluster: PostgresURL) {
        self.url = url
        self.cluster = cluster
    }

    /// The URL as `-store` takes it (with the password).
    public var urlString: String {
        "postgres://\(url.user):\(url.password ?? "")@\(url.host):\(url.port)/\(url.database)"
    }

    /// Runs `sql` on this database and returns the rows, each column's bytes as text (`nil` for
    /// NULL): cast every column to `text` in the query (`SELECT count(*)::text ...`).
    @discardableResult
    public func query(_ sql: String) async throws -> [[String?]] {
        try await Self.run(sql, on: url)
    }

    /// Runs `sql` and returns the first column of the first row (cast to text) as an integer.
    public func integer(_ sql: String) async throws -> Int64? {
        guard let row = try await query(sql).first, let first = row.first, let text = first else { return nil }
        return Int64(text)
    }

    deinit {
        // Dropped in the background: the cluster itself is removed at the end of the run.
        let (cluster, name) = (self.cluster, url.database)
        Task { try? await Self.run("DROP DATABASE IF EXISTS \(name) WITH (FORCE)", on: cluster) }
    }

    static func run(_ sql: String, on url: PostgresURL) async throws -> [[String?]] {
        let logger = Logger(label: "wsevent.test-store")
        let connection = try await PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.any(),
            configuration: url.connectionConfiguration,
            id: 1,
            logger: logger
        )
        do {
            var result: [[String?]] = []
            for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger) {
                result.append(row.map { cell in cell.bytes.map { String(buffer: $0) } })
            }
            try? await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }
}
