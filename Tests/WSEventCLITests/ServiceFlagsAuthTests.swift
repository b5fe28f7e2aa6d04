import Foundation
import Testing
import TestSupport
import WSEventCLI
import WSEventCore

/// The authorization flags (docs/AUTH.md, "Flags"): from flags or the environment, each checked
/// before anything listens, one line for what is wrong.
@Suite struct ServiceFlagsAuthTests: FlagsUnderTest {
    static let audience = ["-jwt-audience", TestJWTKeys.audience, "-jwt-issuer", TestJWTKeys.issuer]

    @Test func keysAudienceIssuerAndSourcesComeFromFlagsOrTheEnvironment() async throws {
        let keys = try await TestJWTKeys()
        #expect(try configuration([]).jwt == nil)
        let flags = try configuration(
            ["-jwt-key-file", keys.hsSecretFile, "-jwt-key-file", keys.rsaPublicFile, "-jwks-file", keys.jwksFile, "-jwt-cookie", "wsevent_token", "-jwt-query-token"]
                + Self.audience
        )
        #expect(
            flags.jwt
                == JWTSettings(
                    keyFiles: [keys.hsSecretFile, keys.rsaPublicFile],
                    jwksFiles: [keys.jwksFile],
                    audience: TestJWTKeys.audience,
                    issuer: TestJWTKeys.issuer,
                    cookieName: "wsevent_token",
                    allowsQueryToken: true
                )
        )
        let env = try configuration([], env: [
            "WSEVENT_JWT_KEY_FILE": "\(keys.hsSecretFile),\(keys.ecPublicFile)", "WSEVENT_JWT_AUDIENCE": "a", "WSEVENT_JWT_ISSUER": "i",
        ])
        #expect(env.jwt?.keyFiles == [keys.hsSecretFile, keys.ecPublicFile])
        #expect(env.jwt?.allowsQueryToken == false, "the query is off unless asked for")
        // A file name may have a space; the list's own spaces around commas are not part of it.
        let spaced = keys.directory.appendingPathComponent("app key.pem")
        try FileManager.default.copyItem(atPath: keys.ecPublicFile, toPath: spaced.path)
        let withSpace = try configuration([], env: ["WSEVENT_JWT_KEY_FILE": "\(keys.hsSecretFile) , \(spaced.path)", "WSEVENT_JWT_AUDIENCE": "a", "WSEVENT_JWT_ISSUER": "i"])
        #expect(withSpace.jwt?.keyFiles == [keys.hsSecretFile, spaced.path])
    }

    @Test func audienceAndIssuerAreRequiredAndKeysMustLoad() async throws {
        let keys = try await TestJWTKeys()
        #expect(
            refusal(["-jwt-key-file", keys.hsSecretFile, "-jwt-issuer", "i"])
                == "-jwt-audience is required with a JWT key: the aud every token must name (e.g. -jwt-audience wsevent)"
        )
        #expect(
            refusal(["-jwks-file", keys.jwksFile, "-jwt-audience", "a"])
                == "-jwt-issuer is required with a JWT key: the iss every token must have (e.g. -jwt-issuer https://app.example.com)"
        )
        #expect(refusal(["-jwt-audience", "a"]) == "-jwt-audience needs -jwt-key-file or -jwks-file: without a key no JWT is checked")
        #expect(refusal(["-jwt-query-token"]) == "-jwt-query-token needs -jwt-key-file or -jwks-file: without a key no JWT is checked")
        #expect(refusal(["-jwt-key-file", "/nonexistent.pem"] + Self.audience) == "-jwt-key-file: '/nonexistent.pem': cannot be read")
        let short = keys.directory.appendingPathComponent("short.secret")
        try Data("too short\n".utf8).write(to: short)
        #expect(
            refusal(["-jwt-key-file", short.path] + Self.audience)
                == "-jwt-key-file: '\(short.path)': an HS256 secret must be at least 32 bytes (this one has 9); a public key must be PEM"
        )
        // A bad JWKS beside good key files is named as the JWKS it is.
        let notJWKS = keys.directory.appendingPathComponent("not.jwks")
        try Data("{\"keys\": 1}".utf8).write(to: notJWKS)
        #expect(
            refusal(["-jwt-key-file", keys.hsSecretFile, "-jwks-file", notJWKS.path] + Self.audience)
                == "-jwks-file: '\(notJWKS.path)': is not a JWKS ({\"keys\": [...]}) of RSA, EC or OKP keys"
        )
        #expect(refusal(["-jwt-key-file", keys.hsSecretFile, "-jwt-cookie", "a b"] + Self.audience) == "-jwt-cookie: 'a b' is not a cookie name (letters, digits, - _ .)")
    }

    /// A hub is fed by publishes, so it needs a way to authorize them: the publish token, JWTs
    /// or the backend hook; any one of them starts it.
    @Test func aHubStartsWithJWTOrTheHookInsteadOfAPublishToken() async throws {
        let keys = try await TestJWTKeys()
        #expect(refusal(["-no-produce"]).hasPrefix("-no-produce without an upstream runs a hub fed only by POST: give it -publish-token TOKEN"))
        #expect(try configuration(["-no-produce", "-jwt-key-file", keys.ecPublicFile] + Self.audience).role == .hub)
        #expect(try configuration(["-no-produce", "-authorize-url", "http://127.0.0.1:5000/auth"]).role == .hub)
        #expect(try configuration(["-no-produce"], env: ["WSEVENT_AUTHORIZE_URL": "https://app.test/auth"]).role == .hub)
    }

    @Test func theHooksURLTimeoutAndHeadersAreChecked() throws {
        let hooked = try configuration(["-authorize-url", "http://app:5000/internal/wsevent-auth", "-authorize-timeout", "250ms", "-authorize-headers", "Cookie, X-Forwarded-For"])
        #expect(hooked.authorizeHook?.url == "http://app:5000/internal/wsevent-auth")
        #expect(hooked.authorizeHook?.timeout == .milliseconds(250))
        #expect(hooked.authorizeHook?.forwardedHeaders == ["Cookie", "X-Forwarded-For"])
        let defaults = try configuration(["-authorize-url", "http://app/auth"])
        #expect(defaults.authorizeHook?.timeout == .seconds(1))
        #expect(defaults.authorizeHook?.forwardedHeaders == ["Authorization", "Cookie"])
        #expect(refusal(["-authorize-url", "ftp://app/auth"]) == "-authorize-url: 'ftp://app/auth' is not an http:// or https:// URL")
        #expect(refusal(["-authorize-timeout", "2s"]) == "-authorize-timeout needs -authorize-url")
        #expect(refusal(["-authorize-url", "http://app/auth", "-authorize-timeout", "2h"]) == "-authorize-timeout: '2h' is not a duration from 10ms to 1m")
        #expect(refusal(["-authorize-url", "http://app/auth", "-authorize-headers", "Cookie,X Y"]) == "-authorize-headers: 'X Y' is not a header name")
    }

    @Test func aConsumeTokenFileMustHoldAToken() async throws {
        let keys = try await TestJWTKeys()
        let file = keys.directory.appendingPathComponent("relay.jwt")
        try Data("  a.b.c \n".utf8).write(to: file)
        let relay = try configuration(["-no-produce", "-consume", "127.0.0.1:8080/events", "-consume-token-file", file.path])
        #expect(relay.consumeTokenFile == file.path)
        let empty = keys.directory.appendingPathComponent("empty.jwt")
        try Data("\n".utf8).write(to: empty)
        #expect(refusal(["-consume-token-file", empty.path]) == "-consume-token-file: token file '\(empty.path)' is empty")
        #expect(refusal(["-consume-token-file", "/nonexistent.jwt"]) == "-consume-token-file: token file '/nonexistent.jwt' cannot be read")
    }
}
