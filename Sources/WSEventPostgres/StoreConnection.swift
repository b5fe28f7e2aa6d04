import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PostgresNIO
import WSEventStreams

/// One connection to the database, kept open: when it is lost (or cannot be made) it is made
/// again with backoff and jitter, as relays reconnect to their upstreams. While it is down,
/// ``current()`` fails at once, so a publish is refused with 503 rather than kept waiting.
final class StoreConnection: Sendable {
    /// Where the connection stands.
    enum State: String, Sendable {
        case connecting
        case connected
        case reconnecting
    }

    private struct Box {
        var state = State.connecting
        var connection: PostgresConnection?
        var lastError: String?
        /// How many times it was lost after being up.
        var reconnects = 0
    }

    /// What it is for (`write`, `read`, `listen`), for logs.
    let role: String
    private let configuration: PostgresConnection.Configuration
    private let eventLoopGroup: any EventLoopGroup
    private let box = NIOLockedValueBox(Box())
    private let logger: Logger
    private let ids = NIOLockedValueBox(0)

    init(role: String, url: PostgresURL, eventLoopGroup: any EventLoopGroup, logger: Logger) {
        self.role = role
        var configuration = url.connectionConfiguration
        configuration.options.connectTimeout = TimeAmount(PostgresTiming.connectTimeout)
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        var logger = logger
        logger[metadataKey: "store-connection"] = "\(role)"
        self.logger = logger
    }

    var state: State { box.withLockedValue { $0.state } }
    var lastError: String? { box.withLockedValue { $0.lastError } }
    var reconnects: Int { box.withLockedValue { $0.reconnects } }

    /// The open connection; throws ``PostgresStoreError/unavailable(_:)`` while there is none.
    func current() throws -> PostgresConnection {
        try box.withLockedValue { box in
            guard let connection = box.connection, !connection.isClosed else {
                throw PostgresStoreError.unavailable(box.lastError ?? "not connected yet")
            }
            return connection
        }
    }

    /// Connects, runs `whileConnected` with the connection (it should return when the
    /// connection is done with, or throw), and again after a loss, until the task is cancelled.
    /// Once connected, `whileConnected` returning or the connection closing ends the round.
    func run(whileConnected: @Sendable (PostgresConnection) async throws -> Void) async {
        var backoff = Backoff(initial: PostgresTiming.reconnectInitial, maximum: PostgresTiming.reconnectMaximum)
        var reported = false
        while !Task.isCancelled {
            let id = ids.withLockedValue { id in
                id += 1
                return id
            }
            do {
                let connection = try await PostgresConnection.connect(
                    on: eventLoopGroup.any(),
                    configuration: configuration,
                    id: id,
                    logger: logger
                )
                box.withLockedValue { box in
                    box.connection = connection
                    box.state = .connected
                    box.lastError = nil
                }
                if reported { logger.info("store connection is back") }
                reported = false
                backoff.reset()
                do {
                    // Cancelling closes the connection, which ends whatever waits on it.
                    try await withTaskCancellationHandler {
                        try await whileConnected(connection)
                    } onCancel: {
                        connection.close().whenComplete { _ in }
                    }
                } catch {
                    if !Task.isCancelled { note(error, reported: &reported) }
                }
                try? await connection.close()
                box.withLockedValue { box in
                    box.connection = nil
                    if box.state == .connected { box.reconnects += 1 }
                    box.state = .reconnecting
                }
            } catch {
                if Task.isCancelled { break }
                box.withLockedValue { $0.state = $0.state == .connecting ? .connecting : .reconnecting }
                note(error, reported: &reported)
            }
            guard !Task.isCancelled else { break }
            try? await Task.sleep(for: backoff.next())
        }
        let open = box.withLockedValue { box in
            defer { box.connection = nil }
            return box.connection
        }
        try? await open?.close()
    }

    /// Remembers why the connection is down and logs it once per outage.
    private func note(_ error: any Error, reported: inout Bool) {
        let reason = StoreConnection.describe(error)
        box.withLockedValue { $0.lastError = reason }
        if !reported {
            logger.warning("store unavailable, reconnecting with backoff", metadata: ["reason": "\(reason)"])
            reported = true
        } else {
            logger.debug("store still unavailable", metadata: ["reason": "\(reason)"])
        }
    }

    /// One line for an error of postgres-nio or the network.
    static func describe(_ error: any Error) -> String {
        if let psql = error as? PSQLError {
            if let message = psql.serverInfo?[.message] { return message }
            if let underlying = psql.underlying { return "\(psql.code): \(underlying)" }
            return "\(psql.code)"
        }
        if let store = error as? PostgresStoreError { return store.description }
        return "\(error)"
    }
}
