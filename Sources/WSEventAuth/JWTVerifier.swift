import NIOConcurrencyHelpers

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Verifies tokens against ``JWTSettings``, with keys that can be read again while it serves
/// (``reload()``, on SIGHUP): requests see the old keys or the new ones, never a mix.
public final class JWTVerifier: Sendable {
    public let settings: JWTSettings
    private let keys: NIOLockedValueBox<JWTKeySet>

    /// Reads the key files and makes the verifiers.
    /// - Throws: ``JWTKeyFileError`` when a file does not load.
    public init(settings: JWTSettings) async throws {
        self.settings = settings
        keys = NIOLockedValueBox(try await JWTKeySet(JWTKeyMaterial.read(settings)))
    }

    /// Reads the key files again; when one does not load, the keys in force stay.
    /// - Returns: the keys now in force, for the log.
    @discardableResult
    public func reload() async throws -> String {
        let fresh = try await JWTKeySet(JWTKeyMaterial.read(settings))
        keys.withLockedValue { $0 = fresh }
        return fresh.summary
    }

    /// The keys in force, for the log.
    public var summary: String { keys.withLockedValue { $0.summary } }

    /// Verifies a token presented now (`now` is the wall clock; tests pass their own).
    public func verify(_ token: Substring, now: Date = Date()) -> Result<VerifiedToken, TokenRejection> {
        let keys = self.keys.withLockedValue { $0 }
        return keys.verify(token, audience: settings.audience, issuer: settings.issuer, now: now, skew: settings.clockSkew)
    }
}
