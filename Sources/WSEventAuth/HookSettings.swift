/// The backend authorization hook (`-authorize-url`): where it is, how long it may take, which
/// request headers it is shown. docs/AUTH.md, "The backend hook".
public struct HookSettings: Sendable, Hashable {
    /// The `http://` or `https://` URL the server POSTs each question to.
    public var url: String
    /// No answer within this is `503` for the client, never an open door.
    public var timeout: Duration
    /// The request headers passed on (names compared without case); others are not shown.
    public var forwardedHeaders: [String]
    /// How many answers are cached at most (per credential, action and path).
    public var maxCachedAnswers: Int
    /// A PEM file of CA certificates to trust for an `https://` hook instead of the system's.
    public var caFile: String?

    public init(
        url: String,
        timeout: Duration = AuthTiming.authorizeTimeout,
        forwardedHeaders: [String] = ["Authorization", "Cookie"],
        maxCachedAnswers: Int = 10_000,
        caFile: String? = nil
    ) {
        self.url = url
        self.timeout = timeout
        self.forwardedHeaders = forwardedHeaders
        self.maxCachedAnswers = maxCachedAnswers
        self.caFile = caFile
    }
}
