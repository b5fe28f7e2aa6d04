#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What the backend hook decided.
public enum HookDecision: Sendable, Hashable {
    /// `200`: let it through, within what the answer's body narrowed.
    case allowed(HookGrant)
    /// `401` or `403`: passed on to the client with the backend's one line.
    case denied(status: Int, message: String)
    /// Any other answer, or none in time: `503` for the client, never an open door.
    case unavailable(String)
}

/// What a `200` from the backend lets through, from its optional JSON body
/// (`{"exp": 1767225600}`, `{"expires_in": 300}`, `{"history": false}`).
public struct HookGrant: Sendable, Hashable {
    /// When the authorization ends: a subscription is closed then, as at a token's `exp`.
    public var expiresAt: Date?
    /// Whether a subscriber may be replayed what was published before it connected
    /// (`since`, `Last-Event-ID`, a named consumer's position). `false`: live events only.
    public var history: Bool

    public init(expiresAt: Date? = nil, history: Bool = true) {
        self.expiresAt = expiresAt
        self.history = history
    }
}
