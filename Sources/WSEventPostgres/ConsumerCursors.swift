import Foundation
import Logging
import NIOConcurrencyHelpers
import PostgresNIO
import WSEventStorage
import WSEventStreams

/// Named consumers' positions, kept in the store (`?consumer=NAME`), as in the AMQP→SSE
/// bridge pattern where every client has its own queue.
///
/// - One connection per name at a time, across every instance: a connection *claims* the
///   name in the database for a short lease, renewed while it lasts; a second one gets
///   ``Claim/busy`` (409). A claim whose instance died lapses after
///   ``PostgresStoreConfiguration/consumerLease``.
/// - The position is the last id written to the consumer's socket; it is written back in
///   batches (every ``PostgresStoreConfiguration/cursorFlushInterval``) and when the consumer leaves.
///   So a consumer that comes back resumes after the last event written to it, or a little
///   before: at least once (in-flight events may repeat, by id), none lost.
/// - Positions not seen for ``PostgresStoreConfiguration/consumerTTL`` are dropped.
final class ConsumerCursors: ConsumerPositions {
    private let configuration: PostgresStoreConfiguration
    private let connections: StoreConnections
    private let logger: Logger
    private let logs: @Sendable (String) -> (any FollowedLog)?
    private let leases = NIOLockedValueBox([String: PostgresConsumerLease]())
    /// Asks ``run()`` to write back now (a lease ended); several asks before it gets to them
    /// are one write.
    private let flushes: (stream: AsyncStream<Void>, continuation: AsyncStream<Void>.Continuation) =
        AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))

    init(
        configuration: PostgresStoreConfiguration,
        connections: StoreConnections,
        logger: Logger,
        logs: @escaping @Sendable (String) -> (any FollowedLog)?
    ) {
        self.configuration = configuration
        self.connections = connections
        self.logger = logger
        self.logs = logs
    }

    func problem(withName name: String) -> String? {
        Self.isValidName(name) ? nil : "consumer '\(name)' is not a valid name: 1 to 128 characters of A-Z a-z 0-9 . _ : -"
    }

    /// Valid names: 1 to 128 characters of `[A-Za-z0-9._:-]`.
    static func isValidName(_ name: String) -> Bool {
        (1...128).contains(name.utf8.count)
            && name.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                    UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: ":"), UInt8(ascii: "-"):
                    true
                default: false
                }
            }
    }

    /// Claims `name` on the stream at `path`; throws ``PostgresStoreError/unavailable(_:)`` while the
    /// store cannot be reached (or has not opened the stream yet).
    func claim(path: String, name: String) async throws -> ConsumerClaim {
        guard let log = logs(path) else { throw PostgresStoreError.unavailable("the stream at \(path) is not open in the store yet") }
        let connection = try connections.reader.current()
        let owner = UUID().uuidString
        let lease = configuration.consumerLease.secondsValue
        let rows = try await connection.query(
            """
            INSERT INTO wsevent_consumers AS c (stream_id, name, owner, lease_until, seen_at)
            VALUES (\(log.streamID), \(name), \(owner), now() + make_interval(secs => \(lease)), now())
            ON CONFLICT (stream_id, name) DO UPDATE
                SET owner = EXCLUDED.owner, lease_until = EXCLUDED.lease_until, seen_at = now()
                WHERE c.owner IS NULL OR c.lease_until < now()
            RETURNING c.epoch, c.last_id
            """,
            logger: logger
        )
        for try await (epochText, lastID) in rows.decode((String, Int64).self) {
            let resume = Epoch(epochText).map { ResumePoint(since: UInt64(lastID), epoch: $0) }
            let lease = PostgresConsumerLease(owner: owner, streamID: log.streamID, name: name, epoch: log.epoch, resume: resume, cursors: self)
            leases.withLockedValue { $0[owner] = lease }
            return .claimed(lease)
        }
        return .busy
    }

    /// Writes back every lease's position and renews its claim; releases the ones that ended.
    func flush() async throws {
        let all = leases.withLockedValue { Array($0.values) }
        guard !all.isEmpty else { return }
        let snapshot = all.map { $0.snapshot() }
        let connection = try connections.reader.current()
        var binds = PostgresBindings(capacity: 6)
        binds.append(snapshot.map(\.streamID))
        binds.append(snapshot.map(\.name))
        binds.append(snapshot.map(\.owner))
        binds.append(snapshot.map(\.epoch))
        binds.append(snapshot.map(\.lastID))
        binds.append(snapshot.map(\.released))
        binds.append(configuration.consumerLease.secondsValue)
        try await connection.query(
            PostgresQuery(
                unsafeSQL: """
                    UPDATE wsevent_consumers AS c
                    SET epoch = CASE WHEN v.last_id >= 0 THEN v.epoch ELSE c.epoch END,
                        last_id = CASE WHEN v.last_id >= 0 THEN v.last_id ELSE c.last_id END,
                        owner = CASE WHEN v.released THEN NULL ELSE c.owner END,
                        lease_until = CASE WHEN v.released THEN NULL ELSE now() + make_interval(secs => $7) END,
                        seen_at = now()
                    FROM unnest($1::int8[], $2::text[], $3::text[], $4::text[], $5::int8[], $6::bool[])
                        AS v(stream_id, name, owner, epoch, last_id, released)
                    WHERE c.stream_id = v.stream_id AND c.name = v.name AND c.owner = v.owner
                    """,
                binds: binds
            ),
            logger: logger
        )
        leases.withLockedValue { leases in
            for item in snapshot where item.released { leases[item.owner] = nil }
        }
    }

    /// Flushes every ``PostgresStoreConfiguration/cursorFlushInterval``, and at once when a
    /// lease ends, until cancelled; then once more, so the last positions are kept.
    func run() async {
        let interval = configuration.cursorFlushInterval
        let continuation = flushes.continuation
        await withDiscardingTaskGroup { group in
            group.addTask {
                while (try? await Task.sleep(for: interval)) != nil { continuation.yield() }
            }
            // Ends when the task is cancelled (the sequence then finishes).
            for await _ in flushes.stream {
                do {
                    try await flush()
                } catch {
                    logger.debug("could not write consumer positions; will retry", metadata: ["reason": "\(StoreConnection.describe(error))"])
                }
            }
        }
        try? await flush()
    }

    /// A lease ended: write it back now, so its name is free for the next connection at once.
    func released() {
        flushes.continuation.yield()
    }

    /// Drops positions of consumers unseen for the TTL; returns how many.
    func expire(on connection: PostgresConnection) async throws -> Int {
        let rows = try await connection.query(
            """
            WITH d AS (
                DELETE FROM wsevent_consumers
                WHERE (owner IS NULL OR lease_until < now()) AND seen_at < now() - make_interval(secs => \(configuration.consumerTTL.secondsValue))
                RETURNING 1
            ) SELECT count(*) FROM d
            """,
            logger: logger
        )
        var expired = 0
        for try await n in rows.decode(Int64.self) { expired += Int(n) }
        return expired
    }
}
