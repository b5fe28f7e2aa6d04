#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What a verified token says: whose it is, until when, and what it grants.
public struct VerifiedToken: Sendable, Hashable {
    /// `sub`, if it has one (for the log and the backend hook).
    public var subject: String?
    /// `exp`: subscriptions it opened end then.
    public var expiresAt: Date
    public var grants: Grants

    public init(subject: String?, expiresAt: Date, grants: Grants) {
        self.subject = subject
        self.expiresAt = expiresAt
        self.grants = grants
    }
}
