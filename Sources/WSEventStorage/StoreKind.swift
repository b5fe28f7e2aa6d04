import Logging

/// What `-store URL` and the flags beside it say, before a store reads them.
public struct StoreOptions: Sendable {
    /// The URL as given (it may hold a password: never log it as is).
    public var url: String
    /// `-retention`, when given.
    public var retention: Retention?
    /// `-consumer-ttl`, when given.
    public var consumerTTL: Duration?

    public init(url: String, retention: Retention? = nil, consumerTTL: Duration? = nil) {
        self.url = url
        self.retention = retention
        self.consumerTTL = consumerTTL
    }

    /// The URL's scheme, lowercased (`postgres`), or `nil` when it has none.
    public var scheme: String? {
        guard let end = url.firstRange(of: "://") else { return nil }
        return url[..<end.lowerBound].lowercased()
    }

    /// `text` with anything between `://user:` and `@` hidden, to quote a URL in an error.
    public static func redacted(_ text: String) -> String {
        guard let scheme = text.firstRange(of: "://"), let at = text.lastIndex(of: "@"), at > scheme.upperBound,
            let colon = text[scheme.upperBound..<at].firstIndex(of: ":")
        else { return text }
        return String(text[..<text.index(after: colon)]) + "***" + String(text[at...])
    }
}

/// A kind of store an executable can open by URL: the schemes it takes, how it reads the
/// options, and an example for error messages. `wsevent-service` is built with the kinds it
/// links (`.postgres` from `WSEventPostgres`), so a library user on `WSEventCore` links none.
public struct StoreKind: Sendable {
    /// URL schemes, lowercase (`postgres`, `postgresql`).
    public var schemes: [String]
    /// A URL of this kind, for help and error lines: `postgres://USER:PASSWORD@HOST:PORT/DB`.
    public var example: String
    /// Reads the options; throws an error whose description is one line.
    public var configuration: @Sendable (StoreOptions) throws -> any StreamStoreConfiguration

    public init(
        schemes: [String],
        example: String,
        configuration: @escaping @Sendable (StoreOptions) throws -> any StreamStoreConfiguration
    ) {
        self.schemes = schemes
        self.example = example
        self.configuration = configuration
    }
}
