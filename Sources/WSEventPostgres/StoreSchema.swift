import Logging
import PostgresNIO

/// The store's tables, created on first start and versioned: each migration runs once, in
/// order, recorded in `wsevent_schema_migrations`. Instances starting together take turns on
/// an advisory lock, so a migration never runs twice. docs/STORE.md shows the same SQL.
enum StoreSchema {
    struct Migration {
        var version: Int
        var description: String
        var statements: [String]
    }

    /// Every migration so far, oldest first. Never edit one that shipped: add the next.
    static let migrations: [Migration] = [
        Migration(
            version: 1,
            description: "streams, events, consumers",
            statements: [
                """
                CREATE TABLE wsevent_streams (
                    stream_id  bigserial   PRIMARY KEY,
                    path       text        NOT NULL UNIQUE,
                    epoch      text        NOT NULL,
                    last_id    bigint      NOT NULL DEFAULT 0,
                    created_at timestamptz NOT NULL DEFAULT now()
                )
                """,
                // No foreign key to wsevent_streams: the row lock a publish holds on its stream
                // already orders everything, and a key check per event would cost throughput.
                """
                CREATE TABLE wsevent_events (
                    stream_id  bigint      NOT NULL,
                    id         bigint      NOT NULL,
                    kind       smallint    NOT NULL,
                    payload    bytea       NOT NULL,
                    created_at timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (stream_id, id)
                )
                """,
                """
                CREATE TABLE wsevent_consumers (
                    stream_id   bigint      NOT NULL REFERENCES wsevent_streams ON DELETE CASCADE,
                    name        text        NOT NULL,
                    epoch       text        NOT NULL DEFAULT '',
                    last_id     bigint      NOT NULL DEFAULT 0,
                    owner       text,
                    lease_until timestamptz,
                    seen_at     timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (stream_id, name)
                )
                """,
            ]
        )
    ]

    /// The newest schema version this build knows.
    static var currentVersion: Int { migrations.last?.version ?? 0 }

    /// Creates or upgrades the schema; returns the version the database is at.
    static func migrate(_ connection: PostgresConnection, logger: Logger) async throws -> Int {
        try await connection.query(
            """
            CREATE TABLE IF NOT EXISTS wsevent_schema_migrations (
                version     integer     PRIMARY KEY,
                description text        NOT NULL,
                applied_at  timestamptz NOT NULL DEFAULT now()
            )
            """,
            logger: logger
        )
        return try await connection.withTransaction(logger: logger) { connection in
            // One instance at a time past this point, until its transaction ends.
            try await connection.query("SELECT pg_advisory_xact_lock(7305146392817)", logger: logger)
            var applied = 0
            for try await version in try await connection.query("SELECT COALESCE(max(version), 0) FROM wsevent_schema_migrations", logger: logger)
                .decode(Int.self)
            {
                applied = version
            }
            guard applied <= currentVersion else {
                throw PostgresStoreError.schemaTooNew(found: applied, known: currentVersion)
            }
            for migration in migrations where migration.version > applied {
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query(
                    "INSERT INTO wsevent_schema_migrations (version, description) VALUES (\(migration.version), \(migration.description))",
                    logger: logger
                )
                logger.info("store schema migrated", metadata: ["version": "\(migration.version)", "migration": "\(migration.description)"])
                applied = migration.version
            }
            return applied
        }
    }
}
