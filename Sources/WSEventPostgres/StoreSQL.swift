import Logging
import PostgresNIO
import WSEventStorage
import WSEventStreams

/// The statements the store runs, in one place (docs/STORE.md explains them).
enum StoreSQL {
    /// The channel every instance listens on. A notification's payload is
    /// `<stream_id> <last_id> <epoch>`: never the events, which may be larger than NOTIFY's
    /// 8000 bytes; they are read from the table by id range.
    static let channel = "wsevent_events"

    /// One group commit, one statement: raise the stream's `last_id` by the batch's size (the
    /// row lock orders commits per stream), insert the events with the ids that gives, and
    /// notify. `$1` stream id, `$2` count, `$3` kinds, `$4` payloads, `$5` whether each
    /// payload follows its id in decimal (the producer's).
    static let publish = """
        WITH s AS (
            UPDATE wsevent_streams SET last_id = last_id + $2 WHERE stream_id = $1 RETURNING last_id, epoch
        ), ins AS (
            INSERT INTO wsevent_events (stream_id, id, kind, payload)
            SELECT $1, s.last_id - $2 + t.ord, t.kind,
                   CASE WHEN t.numbered THEN convert_to((s.last_id - $2 + t.ord)::text, 'UTF8') || t.payload ELSE t.payload END
            FROM s, unnest($3::int2[], $4::bytea[], $5::bool[]) WITH ORDINALITY AS t(kind, payload, numbered, ord)
        )
        SELECT s.last_id, s.epoch, pg_notify('\(channel)', $1::text || ' ' || s.last_id::text || ' ' || s.epoch) FROM s
        """

    /// Events `$2 < id <= $3` of stream `$1`, oldest first: at most `$4`, and while the
    /// payloads before an event come to less than `$5` bytes (so the first always comes). The
    /// last column is how many the count alone allowed: more than the rows returned means the
    /// bytes cut the page short. `octet_length` reads a payload's size without detoasting it,
    /// so payloads past the cut are never read.
    static let readRange = """
        SELECT id, kind, payload, total FROM (
            SELECT id, kind, payload,
                   sum(octet_length(payload)) OVER (ORDER BY id) - octet_length(payload) AS before,
                   count(*) OVER () AS total
            FROM (
                SELECT id, kind, payload FROM wsevent_events
                WHERE stream_id = $1 AND id > $2 AND id <= $3 ORDER BY id LIMIT $4
            ) limited
        ) page
        WHERE before < $5 ORDER BY id
        """

    /// The stream's row, made with `epoch` if there is none; its id, epoch and head.
    static func open(path: String, epoch: Epoch, on connection: PostgresConnection, logger: Logger) async throws -> (streamID: Int64, epoch: Epoch, lastID: UInt64) {
        try await connection.query(
            "INSERT INTO wsevent_streams (path, epoch) VALUES (\(path), \(epoch.rawValue)) ON CONFLICT (path) DO NOTHING",
            logger: logger
        )
        let rows = try await connection.query("SELECT stream_id, epoch, last_id FROM wsevent_streams WHERE path = \(path)", logger: logger)
        for try await (streamID, epochText, lastID) in rows.decode((Int64, String, Int64).self) {
            guard let epoch = Epoch(epochText) else { throw PostgresStoreError.unavailable("the store holds an invalid epoch '\(epochText)'") }
            return (streamID, epoch, UInt64(lastID))
        }
        throw PostgresStoreError.noSuchStream(path)
    }

    /// The stream's newest id and epoch.
    static func head(of streamID: Int64, on connection: PostgresConnection, logger: Logger) async throws -> (UInt64, Epoch) {
        let rows = try await connection.query("SELECT last_id, epoch FROM wsevent_streams WHERE stream_id = \(streamID)", logger: logger)
        for try await (lastID, epochText) in rows.decode((Int64, String).self) {
            guard let epoch = Epoch(epochText) else { throw PostgresStoreError.unavailable("the store holds an invalid epoch '\(epochText)'") }
            return (UInt64(lastID), epoch)
        }
        throw PostgresStoreError.noSuchStream("#\(streamID)")
    }

    /// Starts the stream at `path` over: a new epoch, ids from 1, its events and consumer
    /// positions gone. Every instance hears of it (the notification names the new epoch).
    static func reset(path: String, epoch: Epoch, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        try await connection.withTransaction(logger: logger) { connection in
            var streamID: Int64?
            let rows = try await connection.query(
                "UPDATE wsevent_streams SET epoch = \(epoch.rawValue), last_id = 0 WHERE path = \(path) RETURNING stream_id",
                logger: logger
            )
            for try await id in rows.decode(Int64.self) { streamID = id }
            guard let streamID else { return false }
            try await connection.query("DELETE FROM wsevent_events WHERE stream_id = \(streamID)", logger: logger)
            try await connection.query("DELETE FROM wsevent_consumers WHERE stream_id = \(streamID)", logger: logger)
            let payload = "\(streamID) 0 \(epoch.rawValue)"
            try await connection.query("SELECT pg_notify(\(channel), \(payload))", logger: logger)
            return true
        }
    }

    /// Drops events past the retention, stream by stream; returns how many. Both deletes are
    /// ranges of the primary key from the oldest event, so their cost is the events dropped,
    /// not the table's size: by count below `last_id - count`; by age below the oldest event
    /// young enough to keep (found walking the key from the oldest).
    static func prune(retention: Retention, on connection: PostgresConnection, logger: Logger) async throws -> Int {
        var streams: [(Int64, Int64)] = []
        for try await row in try await connection.query("SELECT stream_id, last_id FROM wsevent_streams", logger: logger).decode((Int64, Int64).self) {
            streams.append(row)
        }
        var removed = 0
        for (streamID, lastID) in streams {
            var below = Int64(0)
            if let count = retention.count { below = max(below, lastID - Int64(count) + 1) }
            if let age = retention.age {
                let rows = try await connection.query(
                    """
                    SELECT COALESCE(
                        (SELECT id FROM wsevent_events
                         WHERE stream_id = \(streamID) AND created_at >= now() - make_interval(secs => \(age.secondsValue))
                         ORDER BY id LIMIT 1),
                        \(lastID + 1))
                    """,
                    logger: logger
                )
                for try await keep in rows.decode(Int64.self) { below = max(below, keep) }
            }
            guard below > 1 else { continue }
            let rows = try await connection.query(
                "WITH d AS (DELETE FROM wsevent_events WHERE stream_id = \(streamID) AND id < \(below) RETURNING 1) SELECT count(*) FROM d",
                logger: logger
            )
            for try await n in rows.decode(Int64.self) { removed += Int(n) }
        }
        return removed
    }
}
