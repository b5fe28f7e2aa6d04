import Logging
import NIOCore
import NIOHTTP1
import WSEventRoles
import WSEventStorage
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
        case publishing(AdmittedPublish, HTTPRequestHead, ByteBuffer)
        /// The rest of a request whose answer has gone out.
        case ignoringBody
        /// The connection became an SSE subscription, or is being admitted as one; nothing
        /// more is read.
        case streaming
        /// A durable publish waits for its commit. Nothing arrives meanwhile: NIO's
        /// `HTTPServerPipelineHandler` holds a request pipelined behind it until this one's
        /// answer has ended (see `answerPublish`).
        case committing
    }

    private let context: ServiceContext
    private let logger: Logger
    /// A WebSocket request's admission, made while the upgrade was decided.
    private let upgrades: UpgradeAdmission
    private var state = State.idle
    /// Whether this connection's publish is counted in ``ServerLifecycle/publishesInFlight``.
    private var publishInFlight = false

    init(context: ServiceContext, logger: Logger, upgrades: UpgradeAdmission = UpgradeAdmission()) {
        self.context = context
        self.logger = logger
        self.upgrades = upgrades
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
        case (_, .streaming), (_, .committing):
            break
        case (.head(let head), _):
            state = .idle
            route(head, channelContext: channelContext)
        case (.body(var chunk), .publishing(let request, let head, var body)):
            guard body.readableBytes + chunk.readableBytes <= self.context.configuration.maxMessageSize else {
                state = .ignoringBody
                endPublish()
                let refusal = AdmittedPublish.tooLarge(self.context.configuration.maxMessageSize)
                return refuse(refusal, head: head, headers: request.headers, keepAlive: false, channelContext: channelContext)
            }
            body.writeBuffer(&chunk)
            state = .publishing(request, head, body)
        case (.end, .publishing(let request, let head, let body)) where request.stream.durableLog != nil:
            commit(request, head: head, body: body, channelContext: channelContext)
        case (.end, .publishing(let request, let head, let body)):
            answerPublish(request.publish(body), request: request, head: head, channelContext: channelContext)
        case (.body, _), (.end, _):
            break
        }
    }

    /// Publishes to a durable stream's store and answers once it committed (or could not).
    private func commit(_ request: AdmittedPublish, head: HTTPRequestHead, body: ByteBuffer, channelContext: ChannelHandlerContext) {
        guard let log = request.stream.durableLog else { return }
        state = .committing
        let loopBound = NIOLoopBound((self, channelContext), eventLoop: channelContext.eventLoop)
        channelContext.eventLoop.makeFutureWithTask { await request.publish(body, to: log) }.whenSuccess { result in
            let (handler, channelContext) = loopBound.value
            handler.answerPublish(result, request: request, head: head, channelContext: channelContext)
        }
    }

    /// Answers a publish, done with it first: writing the answer's end hands this handler the
    /// request pipelined behind it at once (NIO's `HTTPServerPipelineHandler` held it until
    /// then), and that request must find the connection idle and no publish in flight.
    private func answerPublish(_ result: Result<String, Refusal>, request: AdmittedPublish, head: HTTPRequestHead, channelContext: ChannelHandlerContext) {
        state = .idle
        endPublish()
        switch result {
        case .success(let json):
            context.metrics.publishedByPost.increment()
            context.metrics.countPublish(.ok)
            respond(channelContext, head: head, status: .ok, headers: request.headers, contentType: "application/json", body: json)
        case .failure(let refusal):
            refuse(refusal, head: head, headers: request.headers, channelContext: channelContext)
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
            let text = context.metrics.exposition(streams: context.registry.all, presencePaths: context.configuration.presenceMetricPaths)
            respond(channelContext, head: head, status: .ok, contentType: "text/plain; version=0.0.4; charset=utf-8", body: text)
        case "/livez":
            guard head.method == .GET || head.method == .HEAD else { return methodNotAllowed(head, allow: "GET, HEAD", channelContext) }
            respond(channelContext, head: head, status: .ok, body: "alive\n")
        case ClientScript.path, ClientScript.typesPath:
            guard head.method == .GET || head.method == .HEAD else { return methodNotAllowed(head, allow: "GET, HEAD", channelContext) }
            guard let file = ClientScript.file(at: path) else { return }
            respond(channelContext, head: head, status: .ok, headers: ClientScript.headers, contentType: file.contentType, body: file.body)
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
        switch PublishAdmission.admit(head, context: context) {
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
        switch SubscribeRequest.transport(of: head) {
        case .webSocket:
            // An upgrade request the upgrader did not take: its admission refused it, or, if it
            // was never asked, the request's WebSocket headers are invalid.
            let refusal: Refusal
            switch upgrades.take() {
            case .failure(let refused):
                refusal = refused
            case .success, nil:
                if case .failure(let refused) = SubscribeAdmission.check(head, context: context) {
                    refusal = refused
                } else {
                    refusal = Refusal(status: .badRequest, message: "invalid WebSocket upgrade request")
                }
            }
            refuse(refusal, head: head, keepAlive: false, channelContext: channelContext)
        case .sse:
            admitSSE(head, channelContext: channelContext)
        case .none where PresenceAdmission.asks(head):
            switch PresenceAdmission.answer(head, context: context) {
            case .success(let (json, headers)):
                respond(channelContext, head: head, status: .ok, headers: headers, contentType: "application/json", body: json)
            case .failure(let refusal):
                refuse(refusal, head: head, channelContext: channelContext)
            }
        case .none:
            // Every check, so a plain GET hears the same refusals a subscriber would, then how
            // to subscribe (426).
            if case .failure(let refusal) = SubscribeAdmission.check(head, context: context) {
                refuse(refusal, head: head, channelContext: channelContext)
            }
        }
    }

    /// Admits an SSE subscription (claiming its consumer name first, if it has one, so that a
    /// second connection hears 409), then starts it.
    private func admitSSE(_ head: HTTPRequestHead, channelContext: ChannelHandlerContext) {
        state = .streaming
        let loopBound = NIOLoopBound((self, channelContext), eventLoop: channelContext.eventLoop)
        SubscribeAdmission.admit(head, context: context, channel: channelContext.channel).whenSuccess { outcome in
            let (handler, channelContext) = loopBound.value
            switch outcome {
            case .success(let subscription):
                // A connection that went away meanwhile has released its claim already.
                guard channelContext.channel.isActive else { return }
                handler.startSSE(subscription, head: head, channelContext: channelContext)
            case .failure(let refusal):
                handler.state = .ignoringBody
                handler.refuse(refusal, head: head, channelContext: channelContext)
            }
        }
    }

    private func startSSE(_ subscription: AdmittedSubscription, head: HTTPRequestHead, channelContext: ChannelHandlerContext) {
        var headers = subscription.headers
        headers.add(name: "Content-Type", value: "text/event-stream; charset=utf-8")
        headers.add(name: "Cache-Control", value: "no-cache")
        headers.add(name: "X-Accel-Buffering", value: "no")
        channelContext.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .ok, headers: headers))), promise: nil)
        let configuration = context.configuration
        let format = SubscriberFormat.sse(retry: configuration.sseRetryMilliseconds, heartbeat: TimeAmount(configuration.sseHeartbeat))
        let subscriber = SubscriberSetup.handler(for: subscription, format: format, context: context, logger: logger)
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
