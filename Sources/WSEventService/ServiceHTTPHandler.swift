import Logging
import NIOCore
import NIOHTTP1
import WSEventRoles
import WSEventStore
import WSEventStreams
import WSEventTransports
import WSEventWebSocket

/// Serves every request that does not become a WebSocket: SSE subscriptions, publishes,
/// CORS preflights, health, the demo page, and refusals with their reason.
final class ServiceHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        case idle
        /// Reading a publish body.
        case publishing(PublishRequest, HTTPRequestHead, ByteBuffer)
        /// The rest of a request whose answer has gone out.
        case ignoringBody
        /// The connection became an SSE subscription; nothing more is read.
        case streaming
        /// A durable publish waits for its commit; requests pipelined behind it wait too.
        case committing([NIOAny])
    }

    private let context: ServiceContext
    private let logger: Logger
    /// A WebSocket consumer's claim, made while the upgrade was decided.
    private let claims: ConsumerClaimBox
    private var state = State.idle
    /// Whether this connection's publish is counted in ``ServerLifecycle/publishesInFlight``.
    private var publishInFlight = false

    init(context: ServiceContext, logger: Logger, claims: ConsumerClaimBox = ConsumerClaimBox()) {
        self.context = context
        self.logger = logger
        self.claims = claims
    }

    /// A connection that goes away mid-body abandons its publish.
    func channelInactive(context channelContext: ChannelHandlerContext) {
        endPublish()
        channelContext.fireChannelInactive()
    }

    func handlerRemoved(context channelContext: ChannelHandlerContext) {
        endPublish()
    }

    /// Ends the publish counted in flight, once.
    private func endPublish() {
        guard publishInFlight else { return }
        publishInFlight = false
        context.lifecycle.endPublish()
    }

    func channelRead(context channelContext: ChannelHandlerContext, data: NIOAny) {
        switch (unwrapInboundIn(data), state) {
        case (_, .streaming):
            break
        case (_, .committing(var waiting)):
            waiting.append(data)
            state = .committing(waiting)
        case (.head(let head), _):
            state = .idle
            route(head, channelContext: channelContext)
        case (.body(var chunk), .publishing(let request, let head, var body)):
            guard body.readableBytes + chunk.readableBytes <= self.context.configuration.maxMessageSize else {
                state = .ignoringBody
                endPublish()
                let refusal = PublishRequest.tooLarge(self.context.configuration.maxMessageSize)
                return refuse(refusal, head: head, headers: request.headers, keepAlive: false, channelContext: channelContext)
            }
            body.writeBuffer(&chunk)
            state = .publishing(request, head, body)
        case (.end, .publishing(let request, let head, let body)) where request.stream.durableLog != nil:
            commit(request, head: head, body: body, channelContext: channelContext)
        case (.end, .publishing(let request, let head, let body)):
            state = .idle
            defer { endPublish() }
            switch request.publish(body) {
            case .success(let json):
                self.context.metrics.publishedByPost.increment()
                self.context.metrics.countPublish(.ok)
                respond(channelContext, head: head, status: .ok, headers: request.headers, contentType: "application/json", body: json)
            case .failure(let refusal):
                refuse(refusal, head: head, headers: request.headers, channelContext: channelContext)
            }
        case (.body, _), (.end, _):
            break
        }
    }

    /// Publishes to a durable stream's store and answers once it committed (or could not).
    /// Reading pauses meanwhile: a request pipelined behind it is served after its answer.
    private func commit(_ request: PublishRequest, head: HTTPRequestHead, body: ByteBuffer, channelContext: ChannelHandlerContext) {
        guard let log = request.stream.durableLog else { return }
        state = .committing([])
        let loopBound = NIOLoopBound((self, channelContext), eventLoop: channelContext.eventLoop)
        channelContext.eventLoop.makeFutureWithTask { await request.publish(body, to: log) }.whenSuccess { result in
            let (handler, channelContext) = loopBound.value
            handler.endPublish()
            switch result {
            case .success(let json):
                handler.context.metrics.publishedByPost.increment()
                handler.context.metrics.countPublish(.ok)
                handler.respond(channelContext, head: head, status: .ok, headers: request.headers, contentType: "application/json", body: json)
            case .failure(let refusal):
                handler.refuse(refusal, head: head, headers: request.headers, channelContext: channelContext)
            }
            guard case .committing(let waiting) = handler.state else { return }
            handler.state = .idle
            for data in waiting { handler.channelRead(context: channelContext, data: data) }
        }
    }

    /// NIO's error handler has answered a malformed request with 400; shut the door. (A
    /// refused upgrade also reports an error here; the refusal is answered in `route`.)
    func errorCaught(context channelContext: ChannelHandlerContext, error: Error) {
        if error is HTTPParserError { channelContext.close(promise: nil) }
    }

    private func route(_ head: HTTPRequestHead, channelContext: ChannelHandlerContext) {
        if head.method == .CONNECT {
            state = .ignoringBody
            return ConnectRefusal.answer(channelContext)
        }
        let path = RequestTarget(head.uri).path
        if head.method == .OPTIONS {
            return preflight(head, channelContext: channelContext)
        }
        switch path {
        case "/healthz":
            guard head.method == .GET || head.method == .HEAD else { return methodNotAllowed(head, allow: "GET, HEAD", channelContext) }
            let report = HealthReport(context: context)
            let status: HTTPResponseStatus = report.isHealthy ? .ok : .serviceUnavailable
            respond(channelContext, head: head, status: status, contentType: "application/json", body: report.json)
        case "/metrics":
            guard head.method == .GET || head.method == .HEAD else { return methodNotAllowed(head, allow: "GET, HEAD", channelContext) }
            let text = context.metrics.exposition(streams: context.registry.all)
            respond(channelContext, head: head, status: .ok, contentType: "text/plain; version=0.0.4; charset=utf-8", body: text)
        case "/livez":
            guard head.method == .GET || head.method == .HEAD else { return methodNotAllowed(head, allow: "GET, HEAD", channelContext) }
            respond(channelContext, head: head, status: .ok, body: "alive\n")
        case "/" where context.configuration.demoPage:
            guard head.method == .GET || head.method == .HEAD else { return methodNotAllowed(head, allow: "GET, HEAD", channelContext) }
            respond(channelContext, head: head, status: .ok, contentType: "text/html; charset=utf-8", body: DemoPage.html(streams: context.registry.all.map(\.path)))
        default:
            if head.method == .POST {
                startPublish(head, channelContext: channelContext)
            } else {
                subscribeOrExplain(head, channelContext: channelContext)
            }
        }
    }

    private func startPublish(_ head: HTTPRequestHead, channelContext: ChannelHandlerContext) {
        switch PublishRequest.check(head, context: context) {
        case .success(let request):
            // A publish that begins before shutdown is finished before the streams close; one
            // that would begin after is refused, so shutdown never waits for new ones.
            guard context.lifecycle.beginPublish() else {
                state = .ignoringBody
                let refusal = Refusal(
                    status: .serviceUnavailable,
                    message: "the server is shutting down; publish again elsewhere",
                    headers: ["Retry-After": "1"]
                )
                return refuse(refusal, head: head, keepAlive: false, channelContext: channelContext)
            }
            publishInFlight = true
            state = .publishing(request, head, channelContext.channel.allocator.buffer(capacity: 0))
            if request.expectsContinue {
                // Only now, with every check passed: the client sends the body after this (curl
                // otherwise waits a second for it). An informational head has no end part; the
                // final answer follows once the body is read.
                let proceed = HTTPResponseHead(version: head.version, status: .continue)
                channelContext.writeAndFlush(wrapOutboundOut(.head(proceed)), promise: nil)
            }
        case .failure(let refusal):
            // The body is not read: close after answering unless there is none.
            let bodyless = head.headers.first(name: "Content-Length") == "0"
            state = .ignoringBody
            refuse(refusal, head: head, keepAlive: bodyless, channelContext: channelContext)
        }
    }

    private func subscribeOrExplain(_ head: HTTPRequestHead, channelContext: ChannelHandlerContext) {
        let isUpgrade = head.headers[canonicalForm: "upgrade"].contains { $0.lowercased() == "websocket" }
        if isUpgrade, case .failure(let refusal) = claims.take() {
            // The upgrade was refused for its consumer name (409) or the store (503).
            return refuse(refusal, head: head, keepAlive: false, channelContext: channelContext)
        }
        switch SubscribeRequest.check(head, context: context) {
        case .failure(let refusal):
            refuse(refusal, head: head, keepAlive: !isUpgrade, channelContext: channelContext)
        case .success(let request) where SubscribeRequest.wantsSSE(head) && !isUpgrade:
            startSSE(request, head: head, channelContext: channelContext)
        case .success(let request):
            if isUpgrade {
                // The upgrader refused a request we would accept: its WebSocket headers are bad.
                respond(channelContext, head: head, status: .badRequest, body: "invalid WebSocket upgrade request\n", keepAlive: false)
            } else {
                // With the CORS headers, like every answer to an allowed page: it may read how to subscribe.
                var answer = SubscribeRequest.upgradeRequired(RequestTarget(head.uri).path)
                answer.headers.add(contentsOf: request.headers)
                respond(channelContext, head: head, status: answer.status, headers: answer.headers, body: answer.message + "\n")
            }
        }
    }

    private func startSSE(_ request: SubscribeRequest, head: HTTPRequestHead, channelContext: ChannelHandlerContext) {
        state = .streaming
        guard request.consumer != nil else { return startSSE(request, lease: nil, head: head, channelContext: channelContext) }
        // A named consumer: claim the name before answering, so a second one hears 409.
        let loopBound = NIOLoopBound((self, channelContext), eventLoop: channelContext.eventLoop)
        request.claimConsumer(context: context, on: channelContext.eventLoop).whenSuccess { result in
            let (handler, channelContext) = loopBound.value
            switch result {
            case .success(let lease):
                guard channelContext.channel.isActive else {
                    lease?.release()
                    return
                }
                handler.startSSE(request, lease: lease, head: head, channelContext: channelContext)
            case .failure(let refusal):
                handler.refuse(refusal, head: head, keepAlive: false, channelContext: channelContext)
            }
        }
    }

    private func startSSE(_ request: SubscribeRequest, lease: ConsumerLease?, head: HTTPRequestHead, channelContext: ChannelHandlerContext) {
        if let lease {
            channelContext.channel.closeFuture.whenComplete { _ in lease.release() }
        }
        var headers = request.headers
        headers.add(name: "Content-Type", value: "text/event-stream; charset=utf-8")
        headers.add(name: "Cache-Control", value: "no-cache")
        headers.add(name: "X-Accel-Buffering", value: "no")
        channelContext.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .ok, headers: headers))), promise: nil)
        let configuration = context.configuration
        let format = SubscriberFormat.sse(retry: configuration.sseRetryMilliseconds, heartbeat: TimeAmount(configuration.sseHeartbeat))
        let subscriber = SubscriberSetup.handler(for: request, format: format, lease: lease, context: context, logger: logger)
        do {
            try channelContext.pipeline.syncOperations.addHandler(subscriber, position: .after(self))
        } catch {
            channelContext.close(promise: nil)
        }
    }

    private func preflight(_ head: HTTPRequestHead, channelContext: ChannelHandlerContext) {
        switch context.cors(head) {
        case .failure(let refusal):
            refuse(refusal, head: head, channelContext: channelContext)
        case .success(var headers):
            headers.add(name: "Access-Control-Allow-Methods", value: "GET, POST, OPTIONS")
            headers.add(name: "Access-Control-Allow-Headers", value: "Authorization, Content-Type, Last-Event-ID")
            headers.add(name: "Access-Control-Max-Age", value: "600")
            headers.add(name: "Allow", value: "GET, POST, OPTIONS")
            if !head.isKeepAlive { headers.add(name: "Connection", value: "close") }
            // 204 carries no body and no Content-Length, so it is written here, not by respond().
            let response = HTTPResponseHead(version: head.version, status: .noContent, headers: headers)
            channelContext.write(wrapOutboundOut(.head(response)), promise: nil)
            let done = channelContext.writeAndFlush(wrapOutboundOut(.end(nil)))
            if !head.isKeepAlive {
                let loopBound = NIOLoopBound(channelContext, eventLoop: channelContext.eventLoop)
                done.whenComplete { _ in loopBound.value.close(promise: nil) }
            }
        }
    }

    private func methodNotAllowed(_ head: HTTPRequestHead, allow: String, _ channelContext: ChannelHandlerContext) {
        respond(channelContext, head: head, status: .methodNotAllowed, headers: ["Allow": allow], body: "use \(allow)\n")
    }

    private func refuse(
        _ refusal: Refusal,
        head: HTTPRequestHead,
        headers: HTTPHeaders = [:],
        keepAlive: Bool = true,
        channelContext: ChannelHandlerContext
    ) {
        context.metrics.count(refusal)
        if head.method == .POST { context.metrics.countPublish(refusal.status) }
        // An allowed browser page may read why it was refused; a disallowed one gets no CORS
        // headers (docs/PROTOCOL.md, "Origins").
        var all = headers.isEmpty ? ((try? context.cors(head).get()) ?? [:]) : headers
        all.add(contentsOf: refusal.headers)
        respond(channelContext, head: head, status: refusal.status, headers: all, body: refusal.message + "\n", keepAlive: keepAlive)
    }

    private func respond(
        _ channelContext: ChannelHandlerContext,
        head: HTTPRequestHead,
        status: HTTPResponseStatus,
        headers: HTTPHeaders = [:],
        contentType: String = "text/plain; charset=utf-8",
        body: String,
        keepAlive: Bool = true
    ) {
        HTTPResponseWriter.write(
            context: channelContext,
            version: head.version,
            status: status,
            headers: headers,
            contentType: contentType,
            body: head.method == .HEAD ? "" : body,
            keepAlive: keepAlive && head.isKeepAlive
        )
    }
}
