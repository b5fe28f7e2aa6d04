import NIOCore
import NIOHTTP1
import NIOPosix

/// One keep-alive publishing connection and its schedule. Confined to ``loop`` (everything
/// runs there; the public entry points hop), hence the unchecked `Sendable`.
final class PublishConnection: @unchecked Sendable {
    let loop: any EventLoop
    let index: Int
    private let options: Publisher.Options
    private let head: HTTPRequestHead
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
    }

    /// Time between two sends of this connection; nil at the maximum rate.
    private var interval: Int64? {
        options.rate > 0 ? Int64(Double(options.connections) / options.rate * 1e9) : nil
    }

    func connect() async throws {
        let handler = PublishResponseHandler(connection: self)
        _ = try await ClientBootstrap(group: loop)
            .connectTimeout(.seconds(10))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(handler)
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
        var body = context.channel.allocator.buffer(capacity: max(options.payloadSize, PayloadHeader.size))
        PayloadHeader(run: options.run, publisher: UInt16(truncatingIfNeeded: index), sequence: sequence, sentNanoseconds: now.uptimeNanoseconds)
            .write(to: &body, payloadSize: options.payloadSize)
        inFlight = true
        status = nil
        tally.sent += 1
        context.write(NIOAny(HTTPClientRequestPart.head(head)), promise: nil)
        context.write(NIOAny(HTTPClientRequestPart.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(NIOAny(HTTPClientRequestPart.end(nil)), promise: nil)
    }

    func responseHead(_ head: HTTPResponseHead) {
        status = head.status
    }

    func responseEnd() {
        guard inFlight else { return }
        inFlight = false
        if let status, (200..<300).contains(status.code) {
            tally.acknowledged += 1
        } else {
            tally.failed[status.map { String($0.code) } ?? "no status", default: 0] += 1
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
