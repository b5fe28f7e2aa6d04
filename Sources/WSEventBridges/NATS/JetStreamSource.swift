#if Bridges
import WSEventStorage
import WSEventStreams

/// `-consume nats://HOST:PORT/SUBJECT?stream=NAME` beside other feeds (the producer, another
/// upstream or broker): the stream's new messages are merged into an origin stream with the
/// instance's ids. Unlike core NATS, nothing published while the instance is disconnected is
/// lost: the ordered consumer resumes after the last sequence it delivered.
public struct JetStreamSourceConfiguration: EventSourceConfiguration {
    public var url: NATSURL

    public init(url: NATSURL) {
        self.url = url
    }

    public var description: String { url.description }

    public func makeSource<Element: StreamElement>(feeding stream: EventStream<Element>, context: SourceContext) -> any EventSource {
        var configuration = JetStreamStoreConfiguration(consume: url)
        configuration.asLog = false
        let store = JetStreamStore(
            configuration: configuration,
            context: StoreContext(
                eventLoopGroup: context.eventLoopGroup,
                metricsFactory: context.metricsFactory,
                logger: context.logger,
                maxMessageSize: context.maxMessageSize
            )
        )
        store.serve(stream)
        return JetStreamSource(store: store)
    }
}

/// The JetStream follower in local-ids mode, as a source.
struct JetStreamSource: EventSource {
    let store: JetStreamStore

    var description: String { store.configuration.consume.description }

    func run() async {
        await store.run()
    }

    var status: SourceStatus {
        let status = store.status
        return SourceStatus(url: status.url, state: status.state, lastError: status.lastError, reconnects: status.reconnects, ids: status.ids)
    }
}
#endif
