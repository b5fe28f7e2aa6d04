import Foundation
import JWTKit
import Testing

import TestSupport
@testable import WSEventAuth

/// Token verification alone, against keys made at test time: every kind of key, and every way
/// a token can be wrong. The same matrix runs over real connections in WSEventServiceTests.
@Suite struct JWTVerifierTests {
    static func verifier(_ keys: TestJWTKeys) async throws -> JWTVerifier {
        try await JWTVerifier(settings: keys.settings())
    }

    static func kind(_ result: Result<VerifiedToken, TokenRejection>) -> TokenRejection.Kind? {
        if case .failure(let rejection) = result { return rejection.kind }
        return nil
    }

    @Test func everyKindOfKeyVerifiesItsTokensAndNotAStrangersOrAFaultyOne() async throws {
        let keys = try await TestJWTKeys()
        let verifier = try await Self.verifier(keys)
        for signer in TestJWTKeys.Signer.allCases {
            let good = try await keys.token(signer, subscribe: ["/rooms/*"], publish: ["/rooms/1"])
            guard case .success(let verified) = verifier.verify(Substring(good)) else {
                Issue.record("\(signer): a good token was refused: \(verifier.verify(Substring(good)))")
                continue
            }
            #expect(verified.subject == "user-42")
            #expect(verified.grants.allows(.subscribe, on: "/rooms/9"))
            #expect(verified.grants.allows(.publish, on: "/rooms/1"))
            #expect(!verified.grants.allows(.publish, on: "/rooms/2"))
            let cases: [(String, String, TokenRejection.Kind)] = [
                ("a stranger's key", try await keys.token(signer, stranger: true), .invalidToken),
                ("a wrong aud", try await keys.token(signer, audience: "someone-else"), .invalidToken),
                ("a wrong iss", try await keys.token(signer, issuer: "https://evil.test"), .invalidToken),
                ("expired", try await keys.token(signer, expiresIn: -10), .expired),
                ("nbf in the future", try await keys.token(signer, notBefore: 3600), .invalidToken),
            ]
            for (name, token, expected) in cases {
                #expect(Self.kind(verifier.verify(Substring(token))) == expected, "\(signer), \(name)")
            }
            // nbf within the allowed skew is fine.
            #expect(Self.kind(verifier.verify(Substring(try await keys.token(signer, notBefore: 2)))) == nil, "\(signer), nbf within skew")
        }
    }

    @Test func algNoneAndAlgorithmsNotOfTheKeyAreRefused() async throws {
        let keys = try await TestJWTKeys()
        let verifier = try await Self.verifier(keys)
        let payload = TestJWTKeys.goodPayload(subscribe: ["/events"])
        for header in [#"{"alg":"none"}"#, #"{"alg":"None","typ":"JWT"}"#, #"{"typ":"JWT"}"#, #"{"alg":"HS512"}"#, #"{"alg":"PS256"}"#] {
            let token = TestJWTKeys.unsigned(header: header, payload: payload)
            #expect(Self.kind(verifier.verify(Substring(token))) == .invalidToken, "\(header)")
        }
        // The classic confusion: an HS256 token whose secret is the RSA public key, which an
        // attacker knows. The token's alg only picks among our HS256 keys, whose secret differs.
        let publicPEM = try String(contentsOfFile: keys.rsaPublicFile, encoding: .utf8)
        let forger = JWTKeyCollection()
        await forger.add(hmac: HMACKey(from: publicPEM), digestAlgorithm: .sha256)
        let forged = try await forger.sign(ForgedClaims.good)
        #expect(Self.kind(verifier.verify(Substring(forged))) == .invalidToken)
        // A kid we do not know, with the JWKS's algorithm: no key without a kid is RS256 but
        // the RSA key file's, which did not sign it.
        let unknownKid = TestJWTKeys.unsigned(header: #"{"alg":"RS256","kid":"k9"}"#, payload: payload, signature: "AAAA")
        #expect(Self.kind(verifier.verify(Substring(unknownKid))) == .invalidToken)
        let critical = TestJWTKeys.unsigned(header: #"{"alg":"HS256","crit":["exp"]}"#, payload: payload, signature: "AAAA")
        #expect(Self.kind(verifier.verify(Substring(critical))) == .invalidToken)
    }

    @Test func aTokenWithoutExpOrAudOrIssIsRefused() async throws {
        let keys = try await TestJWTKeys()
        let verifier = try await Self.verifier(keys)
        let secret = try String(contentsOfFile: keys.hsSecretFile, encoding: .utf8).trimmingCharacters(in: .newlines)
        let signer = JWTKeyCollection()
        await signer.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        let exp = Date().addingTimeInterval(300)
        for claims in [
            ForgedClaims(exp: nil, aud: AudienceClaim(value: [TestJWTKeys.audience]), iss: IssuerClaim(value: TestJWTKeys.issuer)),
            ForgedClaims(exp: ExpirationClaim(value: exp), aud: nil, iss: IssuerClaim(value: TestJWTKeys.issuer)),
            ForgedClaims(exp: ExpirationClaim(value: exp), aud: AudienceClaim(value: [TestJWTKeys.audience]), iss: nil),
        ] {
            let token = try await signer.sign(claims)
            #expect(Self.kind(verifier.verify(Substring(token))) == .invalidToken)
        }
        let good = try await signer.sign(ForgedClaims.good)
        #expect(Self.kind(verifier.verify(Substring(good))) == nil)
    }

    @Test func keyFilesThatDoNotLoadSayWhyInOneLine() async throws {
        let keys = try await TestJWTKeys()
        let directory = keys.directory
        let short = directory.appendingPathComponent("short.secret").path
        try "too short\n".write(toFile: short, atomically: true, encoding: .utf8)
        let privatePEM = directory.appendingPathComponent("private.pem").path
        try "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n".write(toFile: privatePEM, atomically: true, encoding: .utf8)
        let badJWKS = directory.appendingPathComponent("bad.jwks").path
        try #"{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"}]}"#.write(toFile: badJWKS, atomically: true, encoding: .utf8)
        let lines: [(JWTSettings, String)] = [
            (JWTSettings(keyFiles: [short], audience: "a", issuer: "i"), "an HS256 secret must be at least 32 bytes (this one has 9)"),
            (JWTSettings(keyFiles: [privatePEM], audience: "a", issuer: "i"), "is a private key: give the public key"),
            (JWTSettings(keyFiles: ["/nonexistent/key"], audience: "a", issuer: "i"), "'/nonexistent/key': cannot be read"),
            (JWTSettings(jwksFiles: [badJWKS], audience: "a", issuer: "i"), "key 1 has no kid"),
        ]
        for (settings, expected) in lines {
            #expect(throws: JWTKeyFileError.self) { try JWTKeyMaterial.read(settings) }
            do {
                _ = try JWTKeyMaterial.read(settings)
            } catch {
                #expect("\(error)".contains(expected), "\(error)")
            }
        }
    }

    @Test func reloadKeepsTheKeysInForceWhenAFileDoesNotLoad() async throws {
        let keys = try await TestJWTKeys()
        let file = keys.directory.appendingPathComponent("rotating.pub.pem").path
        try FileManager.default.copyItem(atPath: keys.rsaPublicFile, toPath: file)
        let verifier = try await JWTVerifier(settings: JWTSettings(keyFiles: [file], audience: TestJWTKeys.audience, issuer: TestJWTKeys.issuer))
        let old = try await keys.token(.rs256)
        let new = try await keys.token(.rs256, stranger: true)
        #expect(Self.kind(verifier.verify(Substring(old))) == nil)
        #expect(Self.kind(verifier.verify(Substring(new))) == .invalidToken)
        try "not a key".write(toFile: file, atomically: true, encoding: .utf8)
        await #expect(throws: JWTKeyFileError.self) { try await verifier.reload() }
        #expect(Self.kind(verifier.verify(Substring(old))) == nil, "the old key stays")
        try FileManager.default.removeItem(atPath: file)
        try FileManager.default.copyItem(atPath: keys.strangerRSAPublicFile, toPath: file)
        try await verifier.reload()
        #expect(Self.kind(verifier.verify(Substring(new))) == nil)
        #expect(Self.kind(verifier.verify(Substring(old))) == .invalidToken)
    }
}

/// Claims with any of exp, aud, iss left out.
struct ForgedClaims: JWTPayload {
    var exp: ExpirationClaim?
    var aud: AudienceClaim?
    var iss: IssuerClaim?

    static var good: ForgedClaims {
        ForgedClaims(
            exp: ExpirationClaim(value: Date().addingTimeInterval(300)),
            aud: AudienceClaim(value: [TestJWTKeys.audience]),
            iss: IssuerClaim(value: TestJWTKeys.issuer)
        )
    }

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
