/// Why a token was not accepted: what the client is told (the status and its `WWW-Authenticate`
/// error), what `/metrics` counts, and one line for the log. The token itself is never in it.
public struct TokenRejection: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// Malformed, badly signed, for another audience or issuer, not yet valid: 401
        /// `invalid_token`.
        case invalidToken = "invalid_token"
        /// Past its `exp`: 401 `invalid_token` ("the token expired").
        case expired
        /// Valid, but without a grant for this action on this path: 403 `insufficient_scope`.
        case insufficientScope = "insufficient_scope"
    }

    public var kind: Kind
    /// Why, for the log (never the token).
    public var reason: String

    public init(_ kind: Kind, _ reason: String) {
        self.kind = kind
        self.reason = reason
    }

    static func invalid(_ reason: String) -> Self { Self(.invalidToken, reason) }

    public var description: String { "\(kind.rawValue): \(reason)" }
}
