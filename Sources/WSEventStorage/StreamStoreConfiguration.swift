import Logging
import Metrics
import NIOCore
import WSEventStreams

/// How to make a store, as ``ServiceConfiguration`` holds it (`configuration.store`): a value
/// with the store's settings, made into a running ``StreamStore`` once the server knows its
/// event loops, metrics and logger.
public protocol StreamStoreConfiguration: Sendable, CustomStringConvertible {
    /// The store these settings describe; nothing is connected before its ``StreamStore/run()``.
    func makeStore(context: StoreContext) -> any StreamStore

    /// Starts the stream at `path` over in the store: a new epoch, ids from 1, its events and
    /// consumer positions deleted. Running instances follow, and their subscribers are told as
    /// of a restarted origin. What `wsevent-service -store-reset` does.
    /// - Returns: the new epoch.
    func resetStream(path: String, eventLoopGroup: any EventLoopGroup, logger: Logger) async throws -> Epoch
}

/// What a server gives the store it makes: its event loops, where its metrics go, its logger.
public struct StoreContext: Sendable {
    public var eventLoopGroup: any EventLoopGroup
    public var metricsFactory: any MetricsFactory
    public var logger: Logger
    /// The largest payload an event may have (`-max-message-size`): a store fed from outside
    /// (a broker's log) refuses and counts larger ones.
    public var maxMessageSize: Int

    public init(eventLoopGroup: any EventLoopGroup, metricsFactory: any MetricsFactory, logger: Logger, maxMessageSize: Int = 1 << 20) {
        self.eventLoopGroup = eventLoopGroup
        self.metricsFactory = metricsFactory
        self.logger = logger
        self.maxMessageSize = maxMessageSize
    }
}
