/// A kind of broker an executable can consume from and publish to by URL (`-consume
/// nats://...`, `-publish-to ...`): the schemes it takes and how it reads them. Like
/// ``StoreKind``, the executable is built with the kinds it links (`WSEventBridges`, with the
/// `Bridges` trait), so an app on `WSEventCore` links no broker client.
///
/// A `-consume` URL of a broker becomes one of two things (``BridgeConsumer``):
/// - a **source** (``EventSourceConfiguration``): the broker feeds an origin stream and the
///   instance gives the ids (core NATS, a RabbitMQ queue; several sources, WebSocket upstreams
///   and the producer may feed one stream);
/// - a **store** (``StreamStoreConfiguration``): the broker's log is the stream's log and gives
///   the ids, so every instance on it serves the same ids and epoch (a JetStream stream). Only
///   when it is the stream's one feed (``BridgeRequest/isOnlyFeed``); `-publish-to` then names
///   where its publishes go.
public struct BridgeKind: Sendable {
    /// The broker, for messages: `NATS`.
    public var name: String
    /// URL schemes, lowercase (`nats`).
    public var schemes: [String]
    /// URL forms of this kind, for help and error lines.
    public var examples: [String]
    /// Reads one `-consume` URL; throws an error whose description is one line (the URL
    /// without its password).
    public var consume: @Sendable (BridgeRequest) throws -> BridgeConsumer
    /// Checks a `-publish-to` URL's form on its own (before any `-consume` is read); throws a
    /// one-line error for a target this kind refuses (core NATS, which would publish at most
    /// once). The target is then handed to the `-consume` whose log it publishes to
    /// (``BridgeRequest/publishTo``).
    public var checkPublishTarget: @Sendable (String) throws -> Void

    public init(
        name: String,
        schemes: [String],
        examples: [String],
        consume: @escaping @Sendable (BridgeRequest) throws -> BridgeConsumer,
        checkPublishTarget: @escaping @Sendable (String) throws -> Void = { _ in }
    ) {
        self.name = name
        self.schemes = schemes
        self.examples = examples
        self.consume = consume
        self.checkPublishTarget = checkPublishTarget
    }

    /// Whether `url`'s scheme is one of this kind's.
    public func takes(_ url: String) -> Bool {
        StoreOptions(url: url).scheme.map(schemes.contains) ?? false
    }
}

/// One `-consume` URL, and what the rest of the command says about the stream it feeds.
public struct BridgeRequest: Sendable {
    /// The URL as given (it may hold a password: never log it as is).
    public var url: String
    /// Whether nothing else feeds the stream: no producer, no other upstream or source, no
    /// `-store`. Only then may a broker's log be the stream's store.
    public var isOnlyFeed: Bool
    /// `-publish-to`, when given with this kind's scheme: publishes go there. A kind that cannot
    /// publish where it consumes (its URL names another log, or the consume is a source) throws.
    public var publishTo: String?

    public init(url: String, isOnlyFeed: Bool, publishTo: String? = nil) {
        self.url = url
        self.isOnlyFeed = isOnlyFeed
        self.publishTo = publishTo
    }
}

/// What a `-consume` URL of a broker became.
public enum BridgeConsumer: Sendable {
    /// The broker feeds an origin stream; the instance gives the ids.
    case source(any EventSourceConfiguration)
    /// The broker's log is the stream's store; it gives the ids and takes the publishes.
    case store(any StreamStoreConfiguration)
}
