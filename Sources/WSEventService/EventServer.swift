import Logging
import NIOCore
import NIOExtras
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOWebSocket
import ServiceLifecycle
import WSEventRoles
import WSEventStorage
import WSEventStreams
import WSEventTransports
import WSEventWebSocket

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A wsevent server: one stream at the configured path, fed as its ``ServiceConfiguration/role``
/// says (the producer, upstream consumers, publishes), served to WebSocket and SSE subscribers
/// on every core.
///
/// ```swift
/// let server = try await EventServer.bind(configuration: configuration, logger: logger)
/// try await server.run()   // until cancelled or a graceful shutdown; then drains
/// ```
public final class EventServer: Service, Sendable {
    public let configuration: ServiceConfiguration
    public let registry: StreamRegistry<EncodedEvent>
    /// The stream at ``ServiceConfiguration/servePath``.
    public let stream: WireEventStream
    /// The state of each upstream consumed, as `/healthz` shows it.
    public let upstreams: UpstreamLinks
    /// The store under ``stream``, with ``ServiceConfiguration/store``.
    public let store: (any StreamStore)?
    /// The brokers feeding ``stream``, with ``ServiceConfiguration/sources``, in that order.
    public let sources: [any EventSource]
    private let lifecycle: ServerLifecycle
    /// What `/metrics` shows.
    package let metrics: ServiceMetrics
    private let serverChannel: Channel
    private let connections: ConnectionLimiter
    private let quiescing: ServerQuiescingHelper
    private let group: any EventLoopGroup
    private let logger: Logger
    /// The certificate new connections get; `nil` without TLS.
    private let tls: TLSContextBox?

    private init(
        configuration: ServiceConfiguration,
        registry: StreamRegistry<EncodedEvent>,
        stream: WireEventStream,
        upstreams: UpstreamLinks,
        store: (any StreamStore)?,
        sources: [any EventSource],
        lifecycle: ServerLifecycle,
        metrics: ServiceMetrics,
        serverChannel: Channel,
        connections: ConnectionLimiter,
        quiescing: ServerQuiescingHelper,
        group: any EventLoopGroup,
        logger: Logger,
        tls: TLSContextBox?
    ) {
        self.configuration = configuration
        self.registry = registry
        self.stream = stream
        self.upstreams = upstreams
        self.store = store
        self.sources = sources
        self.lifecycle = lifecycle
        self.metrics = metrics
        self.serverChannel = serverChannel
        self.connections = connections
        self.quiescing = quiescing
        self.group = group
        self.logger = logger
        self.tls = tls
    }

    /// The port actually bound (useful with port 0).
    public var port: Int { serverChannel.localAddress?.port ?? configuration.servePort }

    /// Connections refused with 503 because ``ServiceConfiguration/maxConnections`` were open.
    package var refusedConnections: Int { connections.refused }

    /// The URL subscribers use.
    public var url: WebSocketURL {
        WebSocketURL(host: configuration.bindHost == "0.0.0.0" ? "127.0.0.1" : configuration.bindHost, port: port, path: stream.path, isSecure: tls != nil)
    }

    /// Creates the stream and starts listening; nothing is produced or consumed before ``run()``.
    /// - Throws: ``EventServerError`` when the address cannot be bound, ``TLSFileError`` when
    ///   ``ServiceConfiguration/tls`` names files that do not load.
    public static func bind(
        configuration: ServiceConfiguration,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "wsevent")
    ) async throws -> EventServer {
        let stream = WireEventStream(
            path: configuration.servePath,
            bufferSize: configuration.bufferSize,
            bufferBytes: configuration.bufferBytes,
            // A durable stream waits for its store as a relay waits for its upstream.
            source: configuration.isRelay || configuration.store != nil ? .awaitingUpstream : .origin
        )
        let presence = PresenceFeed(configuration)
        if let presence { stream.observePresence(presence.observer) }
        let registry = StreamRegistry<EncodedEvent>(
            [stream] + (presence.map { [$0.stream] } ?? []),
            maxStreams: configuration.maxStreams,
            presenceObserver: presence?.observer
        )
        let metrics = ServiceMetrics()
        let upstreams = UpstreamLinks(configuration.upstreams, factory: metrics.factory)
        let lifecycle = ServerLifecycle()
        let store = configuration.store.map { storeConfiguration in
            storeConfiguration.makeStore(
                context: StoreContext(eventLoopGroup: group, metricsFactory: metrics.factory, logger: logger, maxMessageSize: configuration.maxMessageSize)
            )
        }
        store?.serve(stream)
        let sourceContext = SourceContext(
            eventLoopGroup: group,
            metricsFactory: metrics.factory,
            logger: logger,
            maxMessageSize: configuration.maxMessageSize
        )
        let sources = configuration.sources.map { $0.makeSource(feeding: stream, context: sourceContext) }
        let context = ServiceContext(
            registry: registry,
            configuration: configuration,
            upstreams: upstreams,
            lifecycle: lifecycle,
            metrics: metrics,
            store: store,
            sources: sources
        )
        let quiescing = ServerQuiescingHelper(group: group)
        let connections = ConnectionLimiter(limit: Self.connectionLimit(configuration.maxConnections, logger: logger))
        let setup = ConnectionSetup(
            context: context,
            connections: connections,
            tls: try configuration.tls.map { try TLSContextBox(files: $0) },
            logger: logger
        )
        let pending = configuration.maxPendingBytes
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(quiescing.makeServerChannelHandler(channel: channel))
                    // Out of file descriptors, accept fails at once, every time: say so once and
                    // back off instead of spinning.
                    try channel.pipeline.syncOperations.addHandler(AcceptBackoff(logger: logger) { metrics.acceptErrors.increment() })
                    // Never accept more sockets than the descriptor limit leaves room for.
                    try channel.pipeline.syncOperations.addHandler(AcceptGate(limiter: connections))
                }
            }
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.writeBufferWaterMark, value: .init(low: pending / 2, high: pending))
            // A channel keeps the buffer it first read into for good (NIO pools it for its next
            // reads), so the first read's size is what every idle subscriber holds: NIO's default
            // 2 KiB was a third of one's memory. Reads grow from there as a connection needs
            // (a longer upgrade request, publish bodies); see `ConnectionSetup.trimReadBuffers`
            // for what an upgraded subscriber keeps of them.
            .childChannelOption(.recvAllocator, value: ConnectionSetup.firstReads)
            .childChannelInitializer { channel in
                metrics.connections.increment()
                return channel.eventLoop.makeCompletedFuture { try setup.configure(channel) }
            }
        let channel: Channel
        do {
            channel = try await bootstrap.bind(host: configuration.bindHost, port: configuration.servePort).get()
        } catch {
            throw EventServerError(address: configuration.serveAddress, underlying: error)
        }
        return EventServer(
            configuration: configuration,
            registry: registry,
            stream: stream,
            upstreams: upstreams,
            store: store,
            sources: sources,
            lifecycle: lifecycle,
            metrics: metrics,
            serverChannel: channel,
            connections: connections,
            quiescing: quiescing,
            group: group,
            logger: logger,
            tls: setup.tls
        )
    }

    /// `requested` connections, or fewer if the file-descriptor limit does not leave room for
    /// them and their refusals (said once, at the start).
    static func connectionLimit(_ requested: Int, logger: Logger) -> Int {
        let descriptors = ConnectionLimiter.descriptorLimit()
        let budget = ConnectionLimiter.connectionBudget(descriptors: descriptors)
        guard requested + ConnectionLimiter.refusalSlots(for: requested) > budget else { return requested }
        let limit = ConnectionLimiter.largestLimit(within: budget)
        logger.warning(
            "-max-connections \(requested) needs more file descriptors than the limit of \(descriptors) leaves (ulimit -n); using \(limit)"
        )
        return limit
    }

    /// Reads ``ServiceConfiguration/tls``'s certificate and key again: connections accepted from
    /// now on use them, open ones keep theirs. What `wsevent-service` does on SIGHUP.
    /// - Throws: ``TLSFileError`` when a file does not load (the current certificate stays), or
    ///   ``EventServerReloadError`` when the server does not serve TLS.
    public func reloadTLS() throws {
        guard let tls else { throw EventServerReloadError() }
        try tls.reload()
        logger.info("reloaded the TLS certificate '\(tls.files.certificateFile)' and key '\(tls.files.keyFile)'")
    }

    /// Produces and consumes until the task is cancelled or a graceful shutdown begins, then
    /// stops accepting, closes every subscriber with 1001 and waits (bounded) for them.
    public func run() async throws {
        let displayHost = configuration.serveHost.isEmpty ? "0.0.0.0" : configuration.serveHost
        // Tools read the port from this line (`serving ws://HOST:PORT/PATH`); the role follows.
        logger.info("serving \(tls == nil ? "ws" : "wss")://\(displayHost):\(port)\(stream.path) as \(configuration.role)")
        for upstream in configuration.upstreams {
            logger.info("consuming \(upstream) into \(stream.path)")
        }
        if let store {
            logger.info("keeping \(stream.path) in the store \(store)")
        }
        for source in sources {
            logger.info("consuming \(source) into \(stream.path)")
        }
        // The store outlives the roles and the drain: publishes still under way commit.
        await withDiscardingTaskGroup { storeGroup in
            if let store {
                storeGroup.addTask { await store.run() }
            }
            await runRoles()
            await shutdown()
            storeGroup.cancelAll()
        }
    }

    /// The producer, the upstream consumers, the broker sources and the idle sweeper, until a
    /// graceful shutdown.
    private func runRoles() async {
        await withDiscardingTaskGroup { group in
            if configuration.role.produces {
                var producer = Producer(
                    stream: stream,
                    interval: configuration.interval,
                    serveAddress: configuration.servePort == 0 ? "\(configuration.serveHost):\(port)" : configuration.serveAddress
                )
                producer.published = metrics.publishedByProducer
                group.addTask { [producer] in await producer.run() }
            }
            for upstream in configuration.upstreams {
                // An upstream's v1 frame carries its header line on top of a payload of up to
                // the same limit as ours.
                var upstreamLimits = configuration.webSocket
                upstreamLimits.maxMessageSize += V1Header.maxLineLength + 1
                let consumer = UpstreamConsumer(
                    url: upstream,
                    stream: stream,
                    mode: configuration.isRelay ? .mirror : .merge,
                    configuration: upstreamLimits,
                    group: self.group,
                    links: upstreams,
                    logger: logger
                )
                group.addTask { await consumer.run() }
            }
            for source in sources {
                group.addTask { await source.run() }
            }
            if configuration.createStreams {
                let sweeper = IdleStreamSweeper(registry: registry, idleTimeout: configuration.streamIdleTimeout, logger: logger)
                group.addTask { await sweeper.run() }
            }
            try? await gracefulShutdown()
            group.cancelAll()
        }
    }

    /// Publish requests begun and not yet answered (see ``shutdown()``).
    package var publishesInFlight: Int { lifecycle.publishesInFlight }

    /// Stops accepting, sends 1001 to every subscriber and waits for the connections to close,
    /// at most ``ServiceConfiguration/shutdownTimeout``.
    public func shutdown() async {
        logger.info("shutting down: closing subscribers with 1001")
        // From here on /healthz answers 503, so a load balancer stops sending new clients, and
        // publishes that had not begun are refused.
        lifecycle.beginDraining()
        let deadline = ContinuousClock.now + configuration.shutdownTimeout
        // Publishes already under way finish first, so every one answered 200 reaches the
        // subscribers before their goodbye (bounded by the shutdown timeout).
        // (Polled on the loop's clock, not with Task.sleep: shutdown often runs in a task that
        // was cancelled, where Task.sleep returns at once and the loop would spin.)
        while lifecycle.publishesInFlight > 0, ContinuousClock.now < deadline {
            try? await serverChannel.eventLoop.scheduleTask(in: .milliseconds(10)) {}.futureResult.get()
        }
        // WebSocket subscribers also hear it from the quiescing helper; SSE responses, which
        // NIO's HTTP pipeline holds on to, only from their stream.
        for stream in registry.all { stream.closeAllSubscribers() }
        let done = serverChannel.eventLoop.makePromise(of: Void.self)
        quiescing.initiateShutdown(promise: done)
        let remaining = max(deadline - ContinuousClock.now, .zero)
        let timeout = serverChannel.eventLoop.scheduleTask(in: TimeAmount(remaining)) {
            done.fail(ChannelError.ioOnClosedChannel)
        }
        do {
            try await done.futureResult.get()
        } catch {
            logger.warning("shutdown timed out; connections still closing are dropped with the process")
        }
        timeout.cancel()
    }
}

/// ``EventServer/reloadTLS()`` on a server that serves no TLS.
public struct EventServerReloadError: Error, CustomStringConvertible {
    public var description: String { "no TLS certificate to reload: the server was started without one" }
}

/// The server could not listen.
public struct EventServerError: Error, CustomStringConvertible {
    public let address: String
    public let underlying: any Error

    public var description: String {
        if let io = underlying as? IOError {
            let reason: String =
                switch io.errnoCode {
                case EADDRINUSE: "address already in use"
                case EACCES: "permission denied"
                case EADDRNOTAVAIL: "address not available on this machine"
                default: "\(io)"
                }
            return "cannot listen on \(address): \(reason)"
        }
        return "cannot listen on \(address): \(underlying)"
    }
}
