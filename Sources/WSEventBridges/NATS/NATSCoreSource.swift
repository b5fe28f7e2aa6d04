#if Bridges
import Logging
import NIOConcurrencyHelpers
import WSEventStorage
import WSEventStreams

/// `-consume nats://HOST:PORT/SUBJECT`: what `ServiceConfiguration.sources` holds for a core
/// NATS subject.
public struct NATSSourceConfiguration: EventSourceConfiguration {
    public var url: NATSURL

    public init(url: NATSURL) {
        self.url = url
    }

    public var description: String { url.description }

    public func makeSource<Element: StreamElement>(feeding stream: EventStream<Element>, context: SourceContext) -> any EventSource {
        NATSCoreSource(url: url, stream: stream, context: context)
    }
}

/// A core NATS subject feeding an origin stream: every message becomes an event, its payload
/// unchanged, with the instance's next id. Every instance has its own plain subscription (never
/// a queue group): instances are replicas, each gets every message.
///
/// Delivery is at most once, as core NATS is: a message published while this instance is
/// disconnected never reaches it, and the subscription cannot be slowed. While the stream has
/// no room, the subscription's callback waits (``SourceFeed``) and nats.c queues what arrives,
/// up to ``NATSTiming/corePendingMessages`` and ``NATSTiming/corePendingBytes``; past them it
/// drops (a slow consumer), which ``SourceMetrics/dropped`` counts and the log says once.
final class NATSCoreSource<Element: StreamElement>: EventSource {
    let url: NATSURL
    let feed: SourceFeed<Element>
    let client: NATSClient
    let metrics: SourceMetrics
    let maxMessageSize: Int
    let logger: Logger
    /// Oversize messages refused so far (the first is logged).
    private let refusedCount = NIOLockedValueBox(0)

    init(url: NATSURL, stream: EventStream<Element>, context: SourceContext) {
        self.url = url
        self.feed = SourceFeed(stream: stream)
        var logger = context.logger
        logger[metadataKey: "source"] = "\(url)"
        self.logger = logger
        let metrics = SourceMetrics(source: url.description, factory: context.metricsFactory)
        self.metrics = metrics
        self.client = NATSClient(url: url, logger: logger) { old, new in metrics.follow(from: old, to: new) }
        self.maxMessageSize = context.maxMessageSize
    }

    var description: String { url.description }

    var status: SourceStatus {
        var status = client.status
        status.ids = "local"
        return status
    }

    func run() async {
        var subscription: NATSSubscription?
        do {
            try await client.start()
            // nats.c keeps the subscription across reconnects, and sends it once connected.
            subscription = try await client.subscribe(
                url.subject ?? ">",
                pendingMessages: NATSTiming.corePendingMessages,
                pendingBytes: NATSTiming.corePendingBytes,
                handler: NATSMessageHandler(copyLimit: maxMessageSize) { [self] message in take(message) }
            )
        } catch {
            logger.error("cannot consume the NATS subject", metadata: ["reason": "\(error)"])
        }
        await watch(subscription)
        feed.stop()
        await subscription?.close()
        await client.close()
    }

    /// A message, on the subscription's delivery thread.
    private func take(_ message: NATSMessage) {
        if message.isOversize {
            refuse(message)
            return
        }
        let kind = NATSPayload.kind(of: message.payload, contentType: message.contentType)
        if feed.take(kind: kind, payload: message.payload) {
            metrics.events.increment()
        }
    }

    private func refuse(_ message: NATSMessage) {
        metrics.refused.increment()
        let count = refusedCount.withLockedValue { count in
            count += 1
            return count
        }
        if count == 1 {
            logger.warning(
                "refused a message larger than -max-message-size (counted in wsevent_source_refused_total)",
                metadata: ["bytes": "\(message.size)", "max": "\(maxMessageSize)"]
            )
        }
    }

    /// Counts what nats.c dropped (it says so only when asked) until the task is cancelled; the
    /// link's metrics follow its callbacks.
    private func watch(_ subscription: NATSSubscription?) async {
        var dropped: Int64 = 0
        while !Task.isCancelled {
            if let now = subscription?.dropped, now > dropped {
                metrics.dropped.increment(by: Int(now - dropped))
                dropped = now
            }
            do { try await Task.sleep(for: .milliseconds(250)) } catch { return }
        }
    }
}
#endif
