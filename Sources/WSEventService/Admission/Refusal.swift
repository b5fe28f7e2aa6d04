import NIOHTTP1
import WSEventStreams

/// A refused request: the status, one line saying why, and any headers the status needs.
struct Refusal: Error, Sendable {
    /// The refusals `/metrics` counts, by the `reason` label.
    enum Reason: String, CaseIterable {
        /// A limit was reached (`-max-streams`, `-max-connections`).
        case limit
        /// A browser origin not in `-allowed-origins`.
        case origin
        /// A missing or wrong token.
        case token
        /// A relay's stream that has not reached its upstream.
        case notReady = "not_ready"
        /// The store cannot be reached: nothing was committed.
        case store
        /// The stream has no room: its subscribers' event loops are behind.
        case full
    }

    var status: HTTPResponseStatus
    var message: String
    var headers: HTTPHeaders = [:]
    /// Why, when `/metrics` counts it; nil for a request that is simply wrong (400, 404, ...).
    var reason: Reason? = nil

    static func unauthorized(_ message: String) -> Refusal {
        Refusal(status: .unauthorized, message: message, headers: ["WWW-Authenticate": "Bearer"], reason: .token)
    }

    /// `503` with `Retry-After: 1`: this may pass within a second.
    static func retryShortly(_ message: String, reason: Reason) -> Refusal {
        Refusal(status: .serviceUnavailable, message: message, headers: ["Retry-After": "1"], reason: reason)
    }

    /// The store could not commit or read: retry shortly.
    static func storeUnavailable(_ error: any Error, doing what: String) -> Refusal {
        retryShortly("\(what): \(error); retry shortly", reason: .store)
    }

    /// A publish to a stream without room (``WSEventStreams/StreamPublishError/full``): retry
    /// shortly, here or at another instance.
    static func full(_ path: String) -> Refusal {
        retryShortly("\(path) has no room: its subscribers are behind by more than the server queues; retry shortly", reason: .full)
    }

    /// A publish to an origin that has given its last id (``WSEventStreams/Event/maxID``).
    static func idsExhausted(_ path: String) -> Refusal {
        Refusal(
            status: .conflict,
            message: "\(path) has used every id up to \(Event.maxID), the largest; a new epoch (restarting its origin) starts again at 1"
        )
    }

    /// A query that did not decode: refused rather than read as if the parameter were absent.
    static func malformed(_ parameter: MalformedParameter) -> Refusal {
        Refusal(status: .badRequest, message: parameter.description)
    }
}
