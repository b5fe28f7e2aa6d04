import JWTKit

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The claims wsevent reads from a token's payload; others are ignored. `exp`, `aud` and `iss`
/// are required (a token without `exp` would never end its connections).
struct TokenClaims: Decodable, Sendable {
    var exp: ExpirationClaim?
    var nbf: NotBeforeClaim?
    var aud: AudienceClaim?
    var iss: IssuerClaim?
    var sub: SubjectClaim?
    var wsevent: GrantsClaim?

    /// `"wsevent": {"subscribe": [...], "publish": [...]}`, each list optional.
    struct GrantsClaim: Decodable, Sendable {
        var subscribe: [String]?
        var publish: [String]?
    }
}

/// The header fields a verifier needs; the rest is ignored.
struct TokenHeader: Decodable, Sendable {
    var alg: String?
    var kid: String?
    /// RFC 7515 §4.1.11: extensions the recipient must understand. We understand none.
    var crit: [String]?
}
