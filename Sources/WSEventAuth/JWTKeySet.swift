import JWTKit

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The keys tokens are verified with, and the verification: synchronous, so it is one more
/// admission step on the event loop, with no hop to a task.
///
/// Order matters for what an attacker controls: the header (small, bounded) is read to pick a
/// key, the signature is checked, and only a token signed by one of our keys has its payload
/// parsed. Every part is bounded in size before it is decoded.
public struct JWTKeySet: Sendable {
    struct Key: Sendable {
        /// The JWK's `kid`; `nil` for a key from a key file.
        var kid: String?
        var algorithm: any JWTAlgorithm
        var origin: String
    }

    let keys: [Key]

    /// The longest token accepted: far above any real one, far below what would cost anything.
    public static let maxTokenBytes = 16 << 10

    /// Makes verifiers of the keys (jwt-kit builds them in its key collection, an actor).
    public init(_ material: JWTKeyMaterial) async throws {
        var keys: [Key] = []
        for key in material.keys {
            let collection = JWTKeyCollection()
            let kid = JWKIdentifier(string: "key")
            switch key {
            case .hmac(let secret, let origin):
                await collection.add(hmac: secret, digestAlgorithm: .sha256, kid: kid)
                keys.append(Key(kid: nil, algorithm: try await collection.getKey(for: kid), origin: origin))
            case .rsa(let publicKey, let origin):
                await collection.add(rsa: publicKey, digestAlgorithm: .sha256, kid: kid)
                keys.append(Key(kid: nil, algorithm: try await collection.getKey(for: kid), origin: origin))
            case .es256(let publicKey, let origin):
                await collection.add(ecdsa: publicKey, kid: kid)
                keys.append(Key(kid: nil, algorithm: try await collection.getKey(for: kid), origin: origin))
            case .jwk(let jwk, let origin):
                do {
                    try await collection.add(jwk: jwk)
                    let algorithm = try await collection.getKey(for: jwk.keyIdentifier, alg: jwk.algorithm?.rawValue)
                    keys.append(Key(kid: jwk.keyIdentifier?.string, algorithm: algorithm, origin: origin))
                } catch {
                    throw JWTKeyFileError(file: origin, problem: "is not a usable key: \(error)")
                }
            }
        }
        self.keys = keys
    }

    /// The algorithms of the keys, for the log line at start.
    public var summary: String {
        keys.map { "\($0.algorithm.name) (\($0.origin))" }.joined(separator: ", ")
    }

    /// Verifies `token` as of `now`: signed by one of our keys with that key's algorithm, for
    /// `audience` from `issuer`, within `nbf` (less `skew`) and `exp`.
    public func verify(_ token: Substring, audience: String, issuer: String, now: Date, skew: Duration) -> Result<VerifiedToken, TokenRejection> {
        let bytes = Array(token.utf8)
        guard bytes.count <= Self.maxTokenBytes else { return .failure(.invalid("longer than \(Self.maxTokenBytes) bytes")) }
        let dots = bytes.indices.filter { bytes[$0] == UInt8(ascii: ".") }
        guard dots.count == 2 else { return .failure(.invalid("not three dot-separated parts")) }
        let headerPart = bytes[..<dots[0]]
        let payloadPart = bytes[(dots[0] + 1)..<dots[1]]
        let signaturePart = bytes[(dots[1] + 1)...]

        guard let headerJSON = Base64URL.decode(headerPart, maxBytes: 4096),
            let header = try? JSONDecoder().decode(TokenHeader.self, from: Data(headerJSON))
        else {
            return .failure(.invalid("the header is not base64url JSON"))
        }
        guard header.crit == nil else { return .failure(.invalid("the header has crit extensions, none of which are supported")) }
        guard let alg = header.alg, alg.lowercased() != "none" else { return .failure(.invalid("alg none is never accepted")) }
        let candidates = self.candidates(alg: alg, kid: header.kid)
        guard !candidates.isEmpty else {
            let kid = header.kid.map { " and kid '\($0.prefix(64))'" } ?? ""
            return .failure(.invalid("no key for alg '\(alg.prefix(16))'\(kid)"))
        }
        guard let signature = Base64URL.decode(signaturePart, maxBytes: 1024) else {
            return .failure(.invalid("the signature is not base64url"))
        }
        let signingInput = bytes[..<dots[1]]
        guard candidates.contains(where: { (try? $0.algorithm.verify(signature, signs: signingInput)) == true }) else {
            return .failure(.invalid("the signature does not verify with the \(alg) key"))
        }

        let claims: TokenClaims
        do {
            guard let payloadJSON = Base64URL.decode(payloadPart, maxBytes: Self.maxTokenBytes) else {
                return .failure(.invalid("the payload is not base64url"))
            }
            claims = try JWTJSONDecoderBox.decoder.decode(TokenClaims.self, from: Data(payloadJSON))
        } catch {
            return .failure(.invalid("the payload is not the claims JSON (exp, nbf as numbers; aud, iss as strings)"))
        }
        guard let exp = claims.exp, exp.value.timeIntervalSince1970.isFinite else { return .failure(.invalid("it has no exp: a token must expire")) }
        guard now < exp.value else { return .failure(TokenRejection(.expired, "it expired at \(Int(exp.value.timeIntervalSince1970))")) }
        if let nbf = claims.nbf, nbf.value > now + skew.timeInterval {
            return .failure(.invalid("not valid before \(Int(nbf.value.timeIntervalSince1970))"))
        }
        guard let aud = claims.aud, aud.value.contains(audience) else { return .failure(.invalid("its aud is not '\(audience)'")) }
        guard claims.iss?.value == issuer else { return .failure(.invalid("its iss is not '\(issuer)'")) }
        let grants = Grants(subscribe: claims.wsevent?.subscribe ?? [], publish: claims.wsevent?.publish ?? [])
        return .success(VerifiedToken(subject: claims.sub?.value, expiresAt: exp.value, grants: grants))
    }

    /// The keys a token with this header may be verified with: those with the token's `kid` if
    /// any has it, else the keys without one (from key files); in both cases only keys whose
    /// own algorithm is the token's `alg`.
    private func candidates(alg: String, kid: String?) -> [Key] {
        let sameAlgorithm = keys.filter { $0.algorithm.name == alg }
        if let kid, sameAlgorithm.contains(where: { $0.kid == kid }) {
            return sameAlgorithm.filter { $0.kid == kid }
        }
        return sameAlgorithm.filter { $0.kid == nil }
    }
}

/// jwt-kit's JSON decoder for claims: dates as seconds since 1970.
enum JWTJSONDecoderBox {
    static var decoder: any JWTJSONDecoder { JSONDecoder.defaultForJWT }
}

extension Duration {
    var timeInterval: TimeInterval {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
