#if Bridges
import Logging
import NIOConcurrencyHelpers
import WSEventStorage
import WSEventStreams

/// A JetStream stream as the served stream's log: one ordered, ephemeral consumer per instance.
/// When its filter covers the whole stream, the ids are the stream's sequence numbers and the
/// epoch comes from the stream's name and creation time (``JetStreamView``), so every instance
/// on the stream serves the same ids and epoch, and a subscriber resumes on any of them. With a
/// narrower filter the sequence has holes that are not losses: the instance gives its own ids
/// then, and `/healthz` says so (`store.ids`).
///
/// It connects (retrying for ever), reads the stream's info, and subscribes; then reads the
/// info again every ``NATSTiming/streamCheck`` (a stream made again is a new epoch; one that
/// did not exist yet is subscribed once it does). The served stream refuses subscribers until
/// the stream was read once, as a relay's does until its upstream answered.
final class JetStreamStore: StreamStore, @unchecked Sendable {
    let configuration: JetStreamStoreConfiguration
    let client: NATSClient
    let metrics: SourceMetrics
    let logger: Logger
    let maxMessageSize: Int
    /// The served stream's log, once ``serve(_:)`` made it.
    private let served: NIOLockedValueBox<(any JetStreamFollowing)?>

    init(configuration: JetStreamStoreConfiguration, context: StoreContext) {
        self.configuration = configuration
        var logger = context.logger
        logger[metadataKey: "store"] = "\(configuration.consume)"
        self.logger = logger
        let metrics = SourceMetrics(source: configuration.consume.description, factory: context.metricsFactory)
        self.metrics = metrics
        let served = NIOLockedValueBox<(any JetStreamFollowing)?>(nil)
        self.served = served
        self.client = NATSClient(url: configuration.consume, logger: logger) { old, new in
            metrics.follow(from: old, to: new, isReady: served.withLockedValue { $0?.isOpen ?? false })
        }
        self.maxMessageSize = context.maxMessageSize
    }

    var description: String { configuration.description }

    var consumers: (any ConsumerPositions)? { nil }

    func serve<Element: StreamElement>(_ stream: EventStream<Element>) {
        let log = JetStreamLog(stream: stream, store: self)
        served.withLockedValue { $0 = log }
    }

    var status: StoreStatus {
        let link = client.status
        let log = served.withLockedValue { $0 }
        let opened = log?.isOpen ?? false
        let state: StoreStatus.State =
            if link.isConnected && opened { .connected } else if link.reconnects > 0 || (opened && !link.isConnected) { .reconnecting } else { .connecting }
        return StoreStatus(
            state: state,
            url: configuration.consume.description,
            lastError: link.isConnected ? log?.problem : link.lastError,
            reconnects: link.reconnects,
            ids: log?.idsDescription
        )
    }

    func run() async {
        guard let log = served.withLockedValue({ $0 }) else { return }
        do { try await client.start() } catch { logger.error("cannot set up the NATS client", metadata: ["reason": "\(error)"]) }
        var lastCheck: ContinuousClock.Instant?
        var wasConnected = false
        while !Task.isCancelled {
            let link = client.status
            let due = lastCheck.map { ContinuousClock.now - $0 >= (log.isSubscribed ? NATSTiming.streamCheck : .milliseconds(500)) } ?? true
            // Right after a (re)connection too: a stream made again meanwhile is a new epoch.
            if link.isConnected, due || !wasConnected {
                await log.refresh()
                lastCheck = .now
                // Up once the stream was read (the link's callbacks keep it current after).
                let now = client.status
                metrics.up.record(now.isConnected && log.isOpen ? 1 : 0)
            }
            wasConnected = link.isConnected
            do { try await Task.sleep(for: .milliseconds(100)) } catch { break }
        }
        await log.stop()
        await client.close()
    }
}

/// A log as the store drives it, whatever the served stream's element type.
protocol JetStreamFollowing: Sendable {
    var isOpen: Bool { get }
    var isSubscribed: Bool { get }
    var problem: String? { get }
    var idsDescription: String? { get }
    func refresh() async
    func stop() async
}
#endif
