import ArgumentParser
import WSEventCore

/// The authorization flags of `wsevent-service` (docs/AUTH.md): JWTs with per-topic grants,
/// the backend hook, and the token a relay presents upstream. An option group of
/// ``ServiceFlags``, so they parse, show in `-help` and read the environment as every flag does.
public struct AuthFlags: ParsableArguments {
    @Option(name: .go("jwt-key-file"), help: .env("A JWT key: an HS256 secret (32 bytes or more), or an RS256/ES256 public key in PEM; repeat for several; reloaded on SIGHUP (env: comma-separated)", "jwt-key-file"))
    public var jwtKeyFile: [String] = []

    @Option(name: .go("jwks-file"), help: .env("A JWKS file of keys with a kid each, for rotation; repeat for several; reloaded on SIGHUP (env: comma-separated)", "jwks-file"))
    public var jwksFile: [String] = []

    @Option(name: .go("jwt-audience"), help: .env("The aud every JWT must name (required with a JWT key)", "jwt-audience"))
    public var jwtAudience: String?

    @Option(name: .go("jwt-issuer"), help: .env("The iss every JWT must have (required with a JWT key)", "jwt-issuer"))
    public var jwtIssuer: String?

    @Option(name: .go("jwt-cookie"), help: .env("A cookie that may carry the JWT (browsers cannot set headers on EventSource or WebSocket)", "jwt-cookie"))
    public var jwtCookie: String?

    @Option(name: .go("jwt-query-token"), help: .env("Accept the JWT in the token query parameter too (off: URLs are logged; a bare -jwt-query-token means true)", "jwt-query-token"))
    public var jwtQueryToken: String?

    @Option(name: .go("authorize-url"), help: .env("http:// or https:// URL the server POSTs to before each subscribe and publish; the backend's 200 lets it in (docs/AUTH.md)", "authorize-url"))
    public var authorizeURL: String?

    @Option(name: .go("authorize-timeout"), help: .env("How long the -authorize-url backend may take; past it: 503 (default 1s)", "authorize-timeout"))
    public var authorizeTimeout: String?

    @Option(name: .go("authorize-headers"), help: .env("Comma-separated request headers passed on to -authorize-url (default Authorization,Cookie)", "authorize-headers"))
    public var authorizeHeaders: String?

    @Option(name: .go("consume-token-file"), help: .env("A file holding the bearer token for the upstreams, read again at every reconnect", "consume-token-file"))
    public var consumeTokenFile: String?

    public init() {}

    /// The value flags, for ``GoFlagSyntax``.
    static let valueFlags: Set<String> = [
        "jwt-key-file", "jwks-file", "jwt-audience", "jwt-issuer", "jwt-cookie", "authorize-url", "authorize-timeout",
        "authorize-headers", "consume-token-file",
    ]
    /// The boolean flags, for ``GoFlagSyntax``.
    static let boolFlags: Set<String> = ["jwt-query-token"]

    /// Applies the flags (environment filling what they leave out), each checked: key files are
    /// read, so one that does not load is one line before anything listens.
    func apply(to configuration: inout ServiceConfiguration, env: EnvironmentLookup) throws {
        let keyFiles = jwtKeyFile.isEmpty ? Self.list(env["jwt-key-file"]) : jwtKeyFile
        let jwksFiles = jwksFile.isEmpty ? Self.list(env["jwks-file"]) : jwksFile
        let audience = jwtAudience ?? env["jwt-audience"]
        let issuer = jwtIssuer ?? env["jwt-issuer"]
        let cookie = jwtCookie ?? env["jwt-cookie"]
        let queryToken = try ServiceFlags.bool(jwtQueryToken ?? env["jwt-query-token"], flag: "jwt-query-token")
        if keyFiles.isEmpty, jwksFiles.isEmpty {
            for (flag, value) in [("jwt-audience", audience), ("jwt-issuer", issuer), ("jwt-cookie", cookie)] where value != nil {
                throw ValidationError("-\(flag) needs -jwt-key-file or -jwks-file: without a key no JWT is checked")
            }
            if queryToken != nil { throw ValidationError("-jwt-query-token needs -jwt-key-file or -jwks-file: without a key no JWT is checked") }
        } else {
            guard let audience, !audience.isEmpty else {
                throw ValidationError("-jwt-audience is required with a JWT key: the aud every token must name (e.g. -jwt-audience wsevent)")
            }
            guard let issuer, !issuer.isEmpty else {
                throw ValidationError("-jwt-issuer is required with a JWT key: the iss every token must have (e.g. -jwt-issuer https://app.example.com)")
            }
            if let cookie {
                guard !cookie.isEmpty, cookie.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) else {
                    throw ValidationError("-jwt-cookie: '\(cookie)' is not a cookie name (letters, digits, - _ .)")
                }
            }
            let settings = JWTSettings(
                keyFiles: keyFiles,
                jwksFiles: jwksFiles,
                audience: audience,
                issuer: issuer,
                cookieName: cookie,
                allowsQueryToken: queryToken ?? false
            )
            do {
                _ = try JWTKeyMaterial.read(settings)
            } catch let error as JWTKeyFileError {
                throw ValidationError("\(jwksFiles.contains(error.file) ? "-jwks-file" : "-jwt-key-file"): \(error)")
            }
            configuration.jwt = settings
        }

        let timeout = try ServiceFlags.duration(authorizeTimeout ?? env["authorize-timeout"], flag: "authorize-timeout", upTo: "1m")
        let headers = (authorizeHeaders ?? env["authorize-headers"]).map(Self.list)
        if let url = authorizeURL ?? env["authorize-url"] {
            var settings = HookSettings(url: url)
            if let timeout { settings.timeout = timeout }
            if let headers {
                for header in headers where !header.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) {
                    throw ValidationError("-authorize-headers: '\(header)' is not a header name")
                }
                settings.forwardedHeaders = headers
            }
            do {
                try AuthorizationHook.check(settings)
            } catch {
                throw ValidationError("-authorize-url: \(error)")
            }
            configuration.authorizeHook = settings
        } else if timeout != nil || headers != nil {
            throw ValidationError("-\(timeout != nil ? "authorize-timeout" : "authorize-headers") needs -authorize-url")
        }

        if let file = consumeTokenFile ?? env["consume-token-file"] {
            do {
                _ = try TokenFile(path: file).read()
            } catch {
                throw ValidationError("-consume-token-file: \(error)")
            }
            configuration.consumeTokenFile = file
        }
    }

    /// A comma-separated list, each item without the spaces around it (a space inside one is
    /// part of it: a file name may have one, and a header name that has one is refused).
    private static func list(_ text: String?) -> [String] {
        (text ?? "").split(separator: ",").map { item in
            String(item.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
        }.filter { !$0.isEmpty }
    }
}
