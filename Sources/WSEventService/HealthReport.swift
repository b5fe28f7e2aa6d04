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

        enum CodingKeys: String, CodingKey {
            case url, state, reconnects
            case schemaVersion = "schema_version"
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
    /// The store's state, with `-store`.
    var store: Store?

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
            Store(url: $0.url, state: $0.state.rawValue, schemaVersion: $0.schemaVersion, lastError: $0.lastError, reconnects: $0.reconnects)
        }
        if context.lifecycle.isDraining {
            reason = "shutting down: draining subscribers"
        } else if let waiting = statuses.first(where: { $0.source == .awaitingUpstream }) {
            reason = "\(waiting.path) has not reached its \(context.store == nil ? "upstream" : "store") yet"
        } else {
            reason = nil
        }
        status = reason != nil ? "unavailable" : storeStatus.map { $0.isConnected ? "ok" : "degraded" } ?? "ok"
    }

    /// Whether the instance can serve.
    var isHealthy: Bool { reason == nil }

    /// The JSON body, one line.
    var json: String {
        JSONBody.line(self, fallback: "{\"status\":\"unavailable\"}")
    }
}
