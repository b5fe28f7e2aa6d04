import Logging
import NIOCore
import WSEventStorage
import WSEventStreams

/// `-consume nats://HOST:PORT/[SUBJECT]?stream=NAME` as the stream's one feed, with an
/// optional `-publish-to nats://HOST:PORT/SUBJECT?stream=NAME`: the JetStream stream is the
/// served stream's log. What `ServiceConfiguration.store` holds then.
public struct JetStreamStoreConfiguration: StreamStoreConfiguration {
    /// The stream consumed (and its filter, if any).
    public var consume: NATSURL
    /// Where POSTs are published; `nil`: POSTs are not taken (publish to NATS directly).
    public var publishTo: NATSURL?
    /// Whether the stream may be the served stream's log (its one feed): false when it is
    /// merged with other feeds as a source (``JetStreamSourceConfiguration``), ids local.
    var asLog = true

    public init(consume: NATSURL, publishTo: NATSURL? = nil) {
        self.consume = consume
        self.publishTo = publishTo
    }

    /// `JetStream stream ORDERS at nats://h:4222`.
    public var description: String {
        "JetStream stream \(consume.stream ?? "") at \(NATSURL(host: consume.host, port: consume.port, user: consume.user, password: consume.password, subject: nil).description.dropLast())"
    }

    public func makeStore(context: StoreContext) -> any StreamStore {
        #if Bridges
        JetStreamStore(configuration: self, context: context)
        #else
        fatalError(Bridges.missing(consume.description))
        #endif
    }

    /// Not here: a JetStream stream is purged or deleted in NATS (`nats stream purge NAME`).
    public func resetStream(path: String, eventLoopGroup: any EventLoopGroup, logger: Logger) async throws -> Epoch {
        throw NATSError(
            doing: "resetting \(path)",
            reason: "its log is JetStream stream \(consume.stream ?? ""): purge or delete it in NATS (nats stream purge), and every instance follows"
        )
    }
}
