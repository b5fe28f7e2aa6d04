import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import WSEventTransports
import WSEventWebSocket

/// How each accepted connection is set up, in its pipeline's order: TLS first (so every answer,
/// refusals included, is encrypted), then the connection cap (503 past it), then HTTP with the
/// WebSocket upgrade. A subscribe is admitted once (``SubscribeAdmission``), when the upgrader
/// asks; the outcome goes on the channel (``UpgradeAdmission``) to the upgraded pipeline or to
/// the HTTP handler that answers a refusal.
struct ConnectionSetup: Sendable {
    let context: ServiceContext
    let connections: ConnectionLimiter
    /// The certificate new connections get; `nil` without TLS.
    let tls: TLSContextBox?
    let logger: Logger
    /// Shared by every WebSocket subscriber of a mode.
    private let plainSubscribers: SubscriberSettings
    private let v1Subscribers: SubscriberSettings

    init(context: ServiceContext, connections: ConnectionLimiter, tls: TLSContextBox?, logger: Logger) {
        self.context = context
        self.connections = connections
        self.tls = tls
        self.logger = logger
        let settings = { (mode: WireMode) in
            SubscriberSettings(
                format: .webSocket(mode),
                maxPendingBytes: context.configuration.maxPendingBytes,
                logger: logger,
                metrics: context.metrics.subscribers(.webSocket(mode))
            )
        }
        plainSubscribers = settings(.plain)
        v1Subscribers = settings(.v1)
    }

    /// Sets up a new connection's pipeline; on its event loop.
    func configure(_ channel: any Channel) throws {
        let configuration = context.configuration
        if let tls {
            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls.context))
        }
        guard connections.admit() else {
            context.metrics.count(.limit)
            try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
            try channel.pipeline.syncOperations.addHandlers([
                RequestTimeoutHandler(timeouts: configuration.httpTimeouts, now: channel.eventLoop.now), ConnectionLimitResponder(),
            ])
            return
        }
        let connections = self.connections
        channel.closeFuture.whenComplete { _ in connections.release() }
        let admission = UpgradeAdmission()
        try WebSocketServerPipeline.configure(
            channel: channel,
            configuration: configuration.webSocket,
            timeouts: configuration.httpTimeouts,
            httpHandler: ServiceHTTPHandler(context: context, logger: logger, upgrades: admission),
            shouldUpgrade: { [context] channel, head in
                SubscribeAdmission.admit(head, context: context, channel: channel).map { outcome in
                    admission.put(outcome)
                    guard case .success(let subscription) = outcome, case .webSocket(let mode) = subscription.transport else { return nil }
                    return mode == .v1 ? ["Sec-WebSocket-Protocol": WireMode.v1Subprotocol] : [:]
                }
            },
            upgraded: { [self] channel, _ in
                guard case .success(let subscription) = admission.take(), case .webSocket(let mode) = subscription.transport else {
                    throw ChannelError.inappropriateOperationForState
                }
                try Self.trimReadBuffers(channel)
                try channel.pipeline.syncOperations.addHandler(
                    SubscriberSetup.handler(
                        for: subscription,
                        format: .webSocket(mode),
                        context: context,
                        logger: logger,
                        settings: mode == .v1 ? v1Subscribers : plainSubscribers
                    )
                )
            }
        )
    }

    /// How a connection's reads start: small, since the first buffer stays with the channel.
    static let firstReads = AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 256, maximum: 65536)

    /// After the upgrade a subscriber reads little (pongs, a close): its channel keeps one pooled
    /// read buffer (the first, see `firstReads`) instead of one per read of a loop turn (NIO keeps
    /// up to `maxMessagesPerRead`, 4, when a long request took several), and reads start small
    /// again, so that buffer is not grown for the next pong.
    static func trimReadBuffers(_ channel: any Channel) throws {
        guard let options = channel.syncOptions else { return }
        try options.setOption(.maxMessagesPerRead, value: 1)
        try options.setOption(.recvAllocator, value: firstReads)
    }
}
