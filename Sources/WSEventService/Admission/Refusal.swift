import NIOHTTP1
import WSEventAuth
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
        /// A JWT that is missing, malformed, badly signed, for another audience or issuer, or
        /// not yet valid (401).
        case invalidToken = "invalid_token"
        /// A JWT past its `exp`, or an authorization that ended before it was used (401).
        case expired
        /// A valid JWT without the grant for this action on this path (403).
        case insufficientScope = "insufficient_scope"
        /// The backend hook answered 401 or 403.
        case denied
        /// The backend hook could not be asked, or answered otherwise (503).
        case unavailable
    }

    var status: HTTPResponseStatus
    var message: String
    var headers: HTTPHeaders = [:]
    /// Why, when `/metrics` counts it; nil for a request that is simply wrong (400, 404, ...).
    var reason: Reason? = nil
    /// What the log says of it, when more than the client is told (why a token was refused:
    /// never the token).
    var logReason: String? = nil

    static func unauthorized(_ message: String) -> Refusal {
        Refusal(status: .unauthorized, message: message, headers: ["WWW-Authenticate": "Bearer"], reason: .token)
    }

    /// `401` for a JWT that is missing or not valid (RFC 6750 §3.1): the client is told that
    /// much (and that it expired, since it can do something about that); the log, why.
    static func invalidToken(_ rejection: TokenRejection) -> Refusal {
        let expired = rejection.kind == .expired
        let challenge = expired ? #"Bearer error="invalid_token", error_description="the token expired""# : #"Bearer error="invalid_token""#
        return Refusal(
            status: .unauthorized,
            message: expired ? "the token expired: get a fresh one" : "the token is not valid here",
            headers: ["WWW-Authenticate": challenge],
            reason: expired ? .expired : .invalidToken,
            logReason: rejection.reason
        )
    }

    /// `401` for a request that carries no token where one is needed.
    static func missingToken(_ action: AccessAction, sources: String) -> Refusal {
        Refusal(
            status: .unauthorized,
            message: "\(action == .subscribe ? "subscribing" : "publishing") needs a token: \(sources)",
            headers: ["WWW-Authenticate": "Bearer"],
            reason: .invalidToken,
            logReason: "no token"
        )
    }

    /// `403` for a valid token without the grant (RFC 6750 §3.1 `insufficient_scope`).
    static func insufficientScope(_ action: AccessAction, path: String) -> Refusal {
        Refusal(
            status: .forbidden,
            message: "the token does not grant \(action.rawValue) on \(path)",
            headers: ["WWW-Authenticate": #"Bearer error="insufficient_scope""#],
            reason: .insufficientScope,
            logReason: "no \(action.rawValue) grant for \(path)"
        )
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
