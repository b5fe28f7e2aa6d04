import Logging
import Metrics
import NIOCore
import WSEventStreams

/// Something outside the process that feeds a served origin stream: a broker's subject, queue
/// or stream whose messages become events. The instance is the origin of their ids (a
/// broker's log that gives the ids itself is a ``StreamStore`` instead).
///
/// The server runs each source beside the producer and the upstream consumers
/// (`ServiceConfiguration.sources`), shows its ``status`` per source in `/healthz`, and stops it
/// by cancelling ``run()``. A source reads only while the stream has room
/// (``EventStream/hasRoom``, ``EventStream/waitForRoom()``); what it does with messages the
/// broker pushes past that room (a subscription that cannot be slowed) it says in its docs and
/// counts in ``SourceMetrics/dropped``.
public protocol EventSource: Sendable, CustomStringConvertible {
    /// Connects (and reconnects with backoff, for ever), subscribes, and feeds the stream until
    /// the task is cancelled. Every task and thread it starts has ended, or been told to end,
    /// when it returns.
    func run() async

    /// Where the source stands, for `/healthz`.
    var status: SourceStatus { get }
}

/// How to make a source, as `ServiceConfiguration.sources` holds it: a value with the
/// source's settings (its URL), made into a running ``EventSource`` for the stream it feeds
/// once the server has made that stream.
public protocol EventSourceConfiguration: Sendable, CustomStringConvertible {
    /// The source that feeds `stream`; nothing is connected before its ``EventSource/run()``.
    func makeSource<Element: StreamElement>(feeding stream: EventStream<Element>, context: SourceContext) -> any EventSource
}

/// What a server gives the sources it makes: its event loops, where its metrics go, its logger,
/// and the limits every event must keep.
public struct SourceContext: Sendable {
    public var eventLoopGroup: any EventLoopGroup
    public var metricsFactory: any MetricsFactory
    public var logger: Logger
    /// The largest payload an event may have (`-max-message-size`): larger messages are refused
    /// and counted (``SourceMetrics/refused``), never delivered cut.
    public var maxMessageSize: Int

    public init(eventLoopGroup: any EventLoopGroup, metricsFactory: any MetricsFactory, logger: Logger, maxMessageSize: Int) {
        self.eventLoopGroup = eventLoopGroup
        self.metricsFactory = metricsFactory
        self.logger = logger
        self.maxMessageSize = maxMessageSize
    }
}
