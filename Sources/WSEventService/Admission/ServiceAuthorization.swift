import WSEventAuth

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What admission uses to authorize, made once by ``EventServer`` from the configuration: the
/// JWT verifier, the backend hook, and the clocks (tests pass their own).
struct ServiceAuthorization: Sendable {
    var verifier: JWTVerifier?
    var hook: AuthorizationHook?
    /// The wall clock tokens and backend answers are read against.
    var now: @Sendable () -> Date = { Date() }
    /// Where in its jitter window a subscription closes before its expiry, 0 to 1.
    var jitter: @Sendable () -> Double = { Double.random(in: 0...1) }
}
