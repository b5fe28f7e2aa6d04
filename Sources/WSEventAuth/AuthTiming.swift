/// The timing defaults of authorization, in one table.
public enum AuthTiming {
    /// How long the backend hook may take to answer (`-authorize-timeout`); past it: 503.
    public static let authorizeTimeout: Duration = .seconds(1)
    /// How far a token's `nbf` may be ahead of our clock.
    public static let clockSkew: Duration = .seconds(5)
    /// The most a connection's close is moved ahead of its token's `exp`, so that a cohort of
    /// tokens issued together does not reconnect at one instant; at most a tenth of what the
    /// token had left when it was admitted.
    public static let expiryJitter: Duration = .seconds(5)
    /// The longest a backend answer is cached, whatever its `max-age` says.
    public static let maxCacheAge: Duration = .seconds(3600)
    /// How long an idle connection to the backend is kept in the pool.
    public static let backendIdleTimeout: Duration = .seconds(60)
}
