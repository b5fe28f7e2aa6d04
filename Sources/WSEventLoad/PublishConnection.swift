import NIOCore
import NIOHTTP1
import NIOPosix

/// One keep-alive publishing connection and its schedule. Confined to ``loop`` (everything
/// runs there; the public entry points hop), hence the unchecked `Sendable`.
///
/// It speaks HTTP (a `POST`, answered by the server) or, for a `nats://` URL, core NATS: a
/// `PUB` followed by a `PING`, "answered" by the NATS server's `PONG`, which it sends once it has
/// the message (core NATS acknowledges nothing more; what the bridge then does with it is what
/// the run measures).
final class PublishConnection: @unchecked Sendable {
    let loop: any EventLoop
    let index: Int
    private let options: Publisher.Options
    private let head: HTTPRequestHead
    /// `PUB SUBJECT SIZE\r\n`, for NATS.
    private let natsPublishLine: String
    private var context: ChannelHandlerContext?
    private(set) var tally = Publisher.Tally()
    private var sequence: UInt64 = 0
    private var running = false
    private var inFlight = false
    private var firstDue = NIODeadline.uptimeNanoseconds(0)
    private var scheduled: Scheduled<Void>?
    private var stopped: EventLoopPromise<Void>?
    private var status: HTTPResponseStatus?

    /// Connections the server closes are opened again at most this often per run.
    static let maxReconnects = 100

    init(index: Int, options: Publisher.Options, loop: any EventLoop) {
        self.index = index
        self.options = options
        self.loop = loop
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: options.url.hostHeader)
        headers.add(name: "Content-Type", value: "text/plain")
        headers.add(name: "Content-Length", value: String(max(options.payloadSize, PayloadHeader.size)))
        for header in options.headers { headers.add(name: header.name, value: header.value) }
        head = HTTPRequestHead(version: .http1_1, method: .POST, uri: options.url.target, headers: headers)
        natsPublishLine = "PUB \(options.url.subject) \(max(options.payloadSize, PayloadHeader.size))\r\n"
    }

    /// Time between two sends of this connection; nil at the maximum rate.
    private var interval: Int64? {
        options.rate > 0 ? Int64(Double(options.connections) / options.rate * 1e9) : nil
    }

    func connect() async throws {
        let isNATS = options.url.isNATS
        _ = try await ClientBootstrap(group: loop)
            .connectTimeout(.seconds(10))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if isNATS {
                        try channel.pipeline.syncOperations.addHandler(NATSPublishResponseHandler(connection: self))
                    } else {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        try channel.pipeline.syncOperations.addHandler(PublishResponseHandler(connection: self))
                    }
                }
            }
            .connect(host: options.url.host, port: options.url.port)
            .get()
    }

    func start(at start: NIODeadline) {
        loop.execute {
            self.running = true
            let offset = self.options.rate > 0 ? Int64(Double(self.index) / self.options.rate * 1e9) : 0
            self.firstDue = start + .nanoseconds(offset)
            self.scheduled = self.loop.scheduleTask(deadline: self.firstDue) { self.sendNext() }
        }
    }

    func stop(timeout: TimeAmount) async -> Publisher.Tally {
        let done = loop.makePromise(of: Void.self)
        loop.execute {
            self.running = false
            self.scheduled?.cancel()
            self.scheduled = nil
            if self.inFlight { self.stopped = done } else { done.succeed(()) }
        }
        let timer = loop.scheduleTask(in: timeout) { done.succeed(()) }
        try? await done.futureResult.get()
        timer.cancel()
        // The tally as it stands, then the connection closed: the run is over for it.
        return (try? await loop.submit {
            var tally = self.tally
            if self.inFlight { tally.failed["no answer", default: 0] += 1 }
            self.context?.close(promise: nil)
            return tally
        }.get()) ?? Publisher.Tally()
    }

    // MARK: On the loop, from the handler.

    func attached(_ context: ChannelHandlerContext) {
        self.context = context
        if running, !inFlight { sendNext() }
    }

    private func sendNext() {
        scheduled = nil
        guard running, !inFlight, let context else { return }
        sequence += 1
        let now = NIODeadline.now()
        if let interval {
            let due = firstDue + .nanoseconds(Int64(sequence - 1) * interval)
            if (now - due).nanoseconds > interval { tally.late += 1 }
        }
        let header = PayloadHeader(run: options.run, publisher: UInt16(truncatingIfNeeded: index), sequence: sequence, sentNanoseconds: now.uptimeNanoseconds)
        inFlight = true
        status = nil
        tally.sent += 1
        if options.url.isNATS {
            var frame = context.channel.allocator.buffer(capacity: natsPublishLine.utf8.count + max(options.payloadSize, PayloadHeader.size) + 8)
            frame.writeString(natsPublishLine)
            header.write(to: &frame, payloadSize: options.payloadSize)
            frame.writeString("\r\nPING\r\n")
            context.writeAndFlush(NIOAny(frame), promise: nil)
            return
        }
        var body = context.channel.allocator.buffer(capacity: max(options.payloadSize, PayloadHeader.size))
        header.write(to: &body, payloadSize: options.payloadSize)
        context.write(NIOAny(HTTPClientRequestPart.head(head)), promise: nil)
        context.write(NIOAny(HTTPClientRequestPart.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(NIOAny(HTTPClientRequestPart.end(nil)), promise: nil)
    }

    func responseHead(_ head: HTTPResponseHead) {
        status = head.status
    }

    func responseEnd() {
        if let status, (200..<300).contains(status.code) {
            answered(failure: nil)
        } else {
            answered(failure: status.map { String($0.code) } ?? "no status")
        }
    }

    /// The answer to the publish in flight: taken (`nil`), or why not.
    func answered(failure: String?) {
        guard inFlight else { return }
        inFlight = false
        if let failure {
            tally.failed[failure, default: 0] += 1
        } else {
            tally.acknowledged += 1
        }
        next()
    }

    func connectionLost() {
        context = nil
        if inFlight {
            inFlight = false
            tally.failed["connection closed", default: 0] += 1
        }
        guard running, tally.reconnects < Self.maxReconnects else {
            next()
            return
        }
        tally.reconnects += 1
        let connection = self
        Task { try? await connection.connect() }
    }

    /// After an answer: the next send, now or when due, or the end of a stop.
    private func next() {
        guard running else {
            stopped?.succeed(())
            stopped = nil
            return
        }
        guard let interval else {
            sendNext()
            return
        }
        let due = firstDue + .nanoseconds(Int64(sequence) * interval)
        if due <= NIODeadline.now() {
            sendNext()
        } else {
            scheduled = loop.scheduleTask(deadline: due) { self.sendNext() }
        }
    }
}
