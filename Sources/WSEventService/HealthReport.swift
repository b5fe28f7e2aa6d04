import WSEventRoles
import WSEventStorage
import WSEventStreams
import WSEventTransports

/// The `/healthz` answer: whether the instance can serve (and if not, why), the role, each
/// stream's path, epoch, last id, source and subscriber count, and each upstream's state.
///
/// It is `200` only when the instance can serve: `503` while the server is draining, or while
/// the stream at ``ServiceConfiguration/servePath`` is a relay's that has not reached its
/// upstream (it refuses every subscriber then; only that stream can be a relay's). The body is encoded by `JSONEncoder`, so any
/// path or URL is escaped correctly.
struct HealthReport: Encodable {
    struct Stream: Encodable {
        var path: String
        var epoch: String
        var lastID: UInt64
        var source: String
        var subscribers: Int
        /// The subscribers by transport (``PresenceReport/byTransport(_:)``).
        var byTransport: [String: Int]

        enum CodingKeys: String, CodingKey {
            case path, epoch, source, subscribers
            case lastID = "last_id"
            case byTransport = "by_transport"
        }
    }

    struct Upstream: Encodable {
        var url: String
        var state: String
        var reconnects: Int
        /// Why the link is down (a refused upgrade, a certificate that did not verify), while it is.
        var lastError: String?

        enum CodingKeys: String, CodingKey {
            case url, state, reconnects
            case lastError = "last_error"
        }
    }

    struct Store: Encodable {
        var url: String
        /// `connected`, `connecting` (never reached yet) or `reconnecting`.
        var state: String
        /// The store's schema version, for a store that has one.
        var schemaVersion: Int?
        var lastError: String?
        var reconnects: Int
        /// How the stream's ids relate to the store's, when the store says (a broker's log).
        var ids: String?

        enum CodingKeys: String, CodingKey {
            case url, state, reconnects, ids
            case schemaVersion = "schema_version"
            case lastError = "last_error"
        }
    }

    /// A broker feeding the stream (`-consume nats://...`).
    struct Source: Encodable {
        var url: String
        /// `connecting` (never reached yet), `connected` or `reconnecting`.
        var state: String
        var reconnects: Int
        var lastError: String?
        /// How the stream's ids relate to the source's, when it says.
        var ids: String?

        enum CodingKeys: String, CodingKey {
            case url, state, reconnects, ids
            case lastError = "last_error"
        }
    }

    /// `ok`; `degraded` while the store is lost (subscribers are served what was committed,
    /// publishes get 503); or `unavailable` with a ``reason``.
    var status: String
    /// Why the instance cannot serve; absent when it can.
    var reason: String?
    var role: String
    var streams: [Stream]
    var upstreams: [Upstream]
    /// The store's state, with `-store` (or a broker's log as the store).
    var store: Store?
    /// Each broker source's state; absent without one.
    var sources: [Source]?

    init(context: ServiceContext) {
        let statuses = context.registry.all.map(\.status)
        streams = statuses.map {
            Stream(
                path: $0.path,
                epoch: $0.epoch.rawValue,
                lastID: $0.lastID,
                source: $0.source.rawValue,
                subscribers: $0.subscribers,
                byTransport: PresenceReport.byTransport($0.presence)
            )
        }
        upstreams = context.upstreams.all.map {
            Upstream(url: "\($0.url)", state: $0.state.rawValue, reconnects: $0.reconnects, lastError: $0.lastError)
        }
        role = context.configuration.role.name
        let storeStatus = context.store?.status
        store = storeStatus.map {
            Store(url: $0.url, state: $0.state.rawValue, schemaVersion: $0.schemaVersion, lastError: $0.lastError, reconnects: $0.reconnects, ids: $0.ids)
        }
        let sourceStatuses = context.sources.map(\.status)
        sources = sourceStatuses.isEmpty ? nil : sourceStatuses.map {
            Source(url: $0.url, state: $0.state.rawValue, reconnects: $0.reconnects, lastError: $0.lastError, ids: $0.ids)
        }
        if context.lifecycle.isDraining {
            reason = "shutting down: draining subscribers"
        } else if let waiting = statuses.first(where: { $0.source == .awaitingUpstream }) {
            // With a store, say why (an unreachable server, a missing stream): a stream waits
            // for nothing else.
            reason = "\(waiting.path) has not reached its \(context.store == nil ? "upstream" : "store") yet" + (storeStatus?.lastError.map { ": \($0)" } ?? "")
        } else if let unreached = sourceStatuses.first(where: { !$0.wasReached }) {
            // A broker that was never reached has fed nothing: say so, so that a balancer
            // sends subscribers to an instance that has it.
            reason = "\(unreached.url) has not been reached yet" + (unreached.lastError.map { ": \($0)" } ?? "")
        } else {
            reason = nil
        }
        let degraded = !(storeStatus?.isConnected ?? true) || sourceStatuses.contains { !$0.isConnected }
        status = reason != nil ? "unavailable" : degraded ? "degraded" : "ok"
    }

    /// Whether the instance can serve.
    var isHealthy: Bool { reason == nil }

    /// The JSON body, one line.
    var json: String {
        JSONBody.line(self, fallback: "{\"status\":\"unavailable\"}")
    }
}
