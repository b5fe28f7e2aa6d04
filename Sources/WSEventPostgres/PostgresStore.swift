import Logging
import Metrics
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PostgresNIO
import WSEventStorage
import WSEventStreams

/// The PostgreSQL store under an instance's origin streams: the database is the durable,
/// replicated log, and every instance on it is a stateless replica in front of it.
///
/// A server makes it from its configuration (`ServiceConfiguration.store`, a
/// ``PostgresStoreConfiguration``) and drives it as any ``StreamStore``; used alone:
///
/// ```swift
/// let store = PostgresStore(configuration: PostgresStoreConfiguration(url: try PostgresURL(parsing: url)))
/// store.serve(stream)          // the stream's ids, epoch and events now come from the store
/// await store.run()            // connects (with backoff), migrates, listens; until cancelled
/// ```
///
/// A served stream refuses subscribers until the store has been reached once (its source is
/// `.awaitingUpstream` until then, as a relay's is), then follows the store's log
/// (``StreamLog``) for the life of the process.
public final class PostgresStore: StreamStore {
    public let configuration: PostgresStoreConfiguration
    /// Named consumers' positions.
    let cursors: ConsumerCursors
    let connections: StoreConnections
    let metrics: StoreMetrics
    private let logger: Logger
    private let registered: NIOLockedValueBox<Registered>
    private let schemaVersion = NIOLockedValueBox(0)
    /// Logs opened by the listener, for ``run()`` to run (their committer and follower).
    private let opened: (stream: AsyncStream<any FollowedLog>, continuation: AsyncStream<any FollowedLog>.Continuation) =
        AsyncStream.makeStream()

    private struct Registered {
        /// Streams to open on the first connection, by path.
        var openers: [String: @Sendable (PostgresConnection) async throws -> any FollowedLog] = [:]
        /// Streams opened, by path and by stream id.
        var byPath: [String: any FollowedLog] = [:]
        var byID: [Int64: any FollowedLog] = [:]
    }

    public init(
        configuration: PostgresStoreConfiguration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        metricsFactory: any MetricsFactory = NOOPMetricsHandler.instance,
        logger: Logger = Logger(label: "wsevent.store")
    ) {
        self.configuration = configuration
        self.logger = logger
        self.metrics = StoreMetrics(factory: metricsFactory)
        self.connections = StoreConnections(url: configuration.url, eventLoopGroup: eventLoopGroup, logger: logger)
        let registered = NIOLockedValueBox(Registered())
        self.registered = registered
        self.cursors = ConsumerCursors(configuration: configuration, connections: connections, logger: logger) { path in
            registered.withLockedValue { $0.byPath[path] }
        }
    }

    /// Makes `stream` durable: once the store is reached, its ids, epoch and events are the
    /// store's log at its path, shared with every instance on the same database. Call before
    /// ``run()``; the stream should be made with source `.awaitingUpstream`.
    public func serve<Element: StreamElement>(_ stream: EventStream<Element>) {
        let path = stream.path
        let (configuration, connections, metrics, logger, opened) = (self.configuration, self.connections, self.metrics, self.logger, self.opened)
        registered.withLockedValue { registered in
            registered.openers[path] = { connection in
                let row = try await StoreSQL.open(path: path, epoch: .random(), on: connection, logger: logger)
                let log = StreamLog(
                    streamID: row.streamID,
                    path: path,
                    stream: stream,
                    epoch: row.epoch,
                    lastID: row.lastID,
                    connections: connections,
                    configuration: configuration,
                    metrics: metrics,
                    logger: logger
                )
                log.start()
                opened.continuation.yield(log)
                logger.info(
                    "stream is durable in the store",
                    metadata: ["path": "\(path)", "epoch": "\(row.epoch)", "last_id": "\(row.lastID)", "store": "\(configuration.url)"]
                )
                return log
            }
        }
    }

    /// The URL without its password, and what is kept.
    public var description: String { "\(configuration.url) (retention \(configuration.retention))" }

    public var consumers: (any ConsumerPositions)? { cursors }

    /// Where the store stands.
    public var status: StoreStatus {
        let states = connections.all.map(\.state)
        let state: StoreStatus.State =
            if states.allSatisfy({ $0 == .connected }) && schemaVersion.withLockedValue({ $0 }) > 0 {
                .connected
            } else if states.contains(.reconnecting) {
                .reconnecting
            } else {
                .connecting
            }
        return StoreStatus(
            state: state,
            url: configuration.url.description,
            schemaVersion: schemaVersion.withLockedValue { $0 },
            lastError: state == .connected ? nil : connections.all.compactMap(\.lastError).first,
            reconnects: connections.all.map(\.reconnects).reduce(0, +)
        )
    }

    /// Connects (and reconnects with backoff), creates or upgrades the schema, opens the
    /// served streams, follows every instance's commits, prunes past the retention and keeps
    /// named consumers' positions, until the task is cancelled. Every task of the store is a
    /// child of this one: all have ended when it returns.
    public func run() async {
        await withDiscardingTaskGroup { group in
            for connection in [connections.writer, connections.reader] {
                group.addTask {
                    await connection.run { connection in try await connection.closeFuture.get() }
                }
            }
            group.addTask { await self.connections.listener.run { connection in try await self.listen(on: connection) } }
            group.addTask { await self.maintain() }
            group.addTask { await self.cursors.run() }
            group.addTask { await self.watchHealth() }
            // Each stream's committer and follower, as the listener opens it; ends when the
            // task is cancelled (the sequence finishes then).
            for await log in opened.stream {
                group.addTask { await log.run() }
            }
        }
    }

    /// On each (re)connection: migrate, LISTEN, then read each stream's head (after LISTEN, so
    /// nothing committed in between is missed), then follow notifications until the
    /// connection is lost.
    private func listen(on connection: PostgresConnection) async throws {
        let version = try await StoreSchema.migrate(connection, logger: logger)
        schemaVersion.withLockedValue { $0 = version }
        try await connection.listen(on: StoreSQL.channel) { notifications in
            let (openers, opened) = registered.withLockedValue { ($0.openers, Array($0.byID.values)) }
            for (path, open) in openers.sorted(by: { $0.key < $1.key }) {
                let log = try await open(connection)
                registered.withLockedValue { registered in
                    registered.openers[path] = nil
                    registered.byPath[path] = log
                    registered.byID[log.streamID] = log
                }
            }
            for log in opened {
                let (head, epoch) = try await StoreSQL.head(of: log.streamID, on: connection, logger: logger)
                log.learned(head: head, epoch: epoch)
            }
            for try await notification in notifications {
                let parts = notification.payload.split(separator: " ")
                guard parts.count == 3, let streamID = Int64(parts[0]), let head = UInt64(parts[1]), let epoch = Epoch(String(parts[2])) else {
                    continue
                }
                registered.withLockedValue { $0.byID[streamID] }?.notified(head: head, epoch: epoch)
            }
        }
    }

    /// Prunes old events and expired consumers, now and then.
    private func maintain() async {
        while !Task.isCancelled {
            do { try await Task.sleep(for: configuration.effectivePruneInterval) } catch { return }
            guard let connection = try? connections.reader.current(), schemaVersion.withLockedValue({ $0 }) > 0 else { continue }
            do {
                let pruned = try await StoreSQL.prune(retention: configuration.retention, on: connection, logger: logger)
                metrics.pruned.increment(by: pruned)
                let expired = try await cursors.expire(on: connection)
                metrics.expiredConsumers.increment(by: expired)
            } catch {
                logger.debug("pruning failed; will retry", metadata: ["reason": "\(StoreConnection.describe(error))"])
            }
        }
    }

    /// Keeps the `wsevent_store_up` gauge and the reconnect counter current.
    private func watchHealth() async {
        var reconnects = 0
        while !Task.isCancelled {
            let status = self.status
            metrics.up.record(status.isConnected ? 1 : 0)
            if status.reconnects > reconnects {
                metrics.reconnects.increment(by: status.reconnects - reconnects)
                reconnects = status.reconnects
            }
            do { try await Task.sleep(for: PostgresTiming.healthPoll) } catch { return }
        }
    }

    /// Starts the stream at `path` over in the store at `url`: a new epoch, ids from 1, its
    /// events and consumer positions deleted. Running instances follow (their subscribers are
    /// told, as of a restarted origin). Returns the new epoch; throws
    /// ``PostgresStoreError/noSuchStream(_:)`` when the store has no such stream.
    public static func resetStream(
        path: String,
        url: PostgresURL,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "wsevent.store")
    ) async throws -> Epoch {
        let connection = try await PostgresConnection.connect(
            on: eventLoopGroup.any(),
            configuration: url.connectionConfiguration,
            id: 1,
            logger: logger
        )
        do {
            _ = try await StoreSchema.migrate(connection, logger: logger)
            let epoch = Epoch.random()
            let path = path.hasPrefix("/") ? path : "/" + path
            guard try await StoreSQL.reset(path: path, epoch: epoch, on: connection, logger: logger) else {
                throw PostgresStoreError.noSuchStream(path)
            }
            try? await connection.close()
            return epoch
        } catch {
            try? await connection.close()
            throw error
        }
    }
}

/// A stream's log as the store drives it, whatever the stream's element type.
protocol FollowedLog: Sendable {
    var streamID: Int64 { get }
    var path: String { get }
    var epoch: Epoch { get }
    func learned(head: UInt64, epoch: Epoch)
    func notified(head: UInt64, epoch: Epoch)
    /// Its committer and follower, until cancelled.
    func run() async
}

extension StreamLog: FollowedLog {}
