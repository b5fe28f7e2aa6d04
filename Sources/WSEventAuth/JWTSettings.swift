/// How JWTs are checked: where the keys are, whom the tokens must be for, where a request may
/// carry one. docs/AUTH.md.
public struct JWTSettings: Sendable, Hashable {
    /// Files of one key each: an HS256 secret (at least 32 bytes; a final newline is not part
    /// of it), or an RS256 or ES256 public key in PEM. Read again by ``JWTVerifier/reload()``.
    public var keyFiles: [String]
    /// JWKS files (RFC 7517): keys with a `kid` each, for rotation.
    public var jwksFiles: [String]
    /// The `aud` every token must name.
    public var audience: String
    /// The `iss` every token must have.
    public var issuer: String
    /// The cookie a browser's token may come in (`EventSource` and `WebSocket` cannot set
    /// headers); `nil`: none.
    public var cookieName: String?
    /// Whether the `token` query parameter may carry the token. Off by default: URLs are
    /// logged, by this server's proxies if not by the server.
    public var allowsQueryToken: Bool
    /// How far a token's `nbf` may be ahead of this server's clock (the issuer's clock may run
    /// a little ahead). `exp` gets no such allowance.
    public var clockSkew: Duration

    public init(
        keyFiles: [String] = [],
        jwksFiles: [String] = [],
        audience: String,
        issuer: String,
        cookieName: String? = nil,
        allowsQueryToken: Bool = false,
        clockSkew: Duration = AuthTiming.clockSkew
    ) {
        self.keyFiles = keyFiles
        self.jwksFiles = jwksFiles
        self.audience = audience
        self.issuer = issuer
        self.cookieName = cookieName
        self.allowsQueryToken = allowsQueryToken
        self.clockSkew = clockSkew
    }
}
