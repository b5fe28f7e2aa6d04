import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// Publishes events by HTTP `POST` over several keep-alive connections, one request in flight
/// on each (no pipelining: the next is sent when the answer to the last arrived), either at a
/// fixed total rate or as fast as the server answers. Each payload carries a
/// ``PayloadHeader``: the connection, its sequence number there, and the time it was sent.
public final class Publisher: Sendable {
    /// What to publish, where, how fast.
    public struct Options: Sendable {
        public var url: LoadURL
        /// Keep-alive connections.
        public var connections: Int
        /// Events per second over all connections; 0 means as fast as the server answers.
        public var rate: Double
        /// Bytes per payload, the 40-byte header included.
        public var payloadSize: Int
        /// Sent with every publish: `Content-Type: text/plain` and `Content-Length` come on
        /// top, and e.g. `Authorization: Bearer T` from here.
        public var headers: [(name: String, value: String)]
        public var run: UInt16

        public init(url: LoadURL, connections: Int, rate: Double, payloadSize: Int, headers: [(name: String, value: String)] = [], run: UInt16) {
            self.url = url
            self.connections = connections
            self.rate = rate
            self.payloadSize = payloadSize
            self.headers = headers
            self.run = run
        }
    }

    /// What the publishers did, summed over connections.
    public struct Tally: Sendable {
        /// Requests written.
        public var sent = 0
        /// Answered with a 2xx status: the server took the event.
        public var acknowledged = 0
        /// Not acknowledged, by status code or what happened instead.
        public var failed: [String: Int] = [:]
        /// Sends that went out more than one interval after their due time (fixed rate only):
        /// the server answered too slowly to keep the rate.
        public var late = 0
        /// Connections the server closed that were opened again.
        public var reconnects = 0

        mutating func add(_ other: Tally) {
            sent += other.sent
            acknowledged += other.acknowledged
            failed.merge(other.failed, uniquingKeysWith: +)
            late += other.late
            reconnects += other.reconnects
        }
    }

    private let connections: [PublishConnection]

    /// One connection per `options.connections`, spread over `loops` round robin; none is
    /// opened yet.
    public init(options: Options, loops: [any EventLoop]) {
        precondition(options.connections > 0 && !loops.isEmpty)
        connections = (0..<options.connections).map { index in
            PublishConnection(index: index, options: options, loop: loops[index % loops.count])
        }
    }

    /// Opens every connection; throws the first failure.
    public func connect() async throws {
        for connection in connections { try await connection.connect() }
    }

    /// Starts publishing: connection `i` sends its first event at `start + i / rate` and then
    /// one every `connections / rate`, so the total rate is even.
    public func start(at start: NIODeadline) {
        for connection in connections { connection.start(at: start) }
    }

    /// Stops sending and waits for the answers still due, at most `timeout`; then returns what
    /// was done. A request still unanswered by then counts as failed (`"no answer"`).
    public func stop(timeout: TimeAmount = .seconds(5)) async -> Tally {
        var tally = Tally()
        for connection in connections {
            tally.add(await connection.stop(timeout: timeout))
        }
        return tally
    }

    /// Acknowledged events so far, over all connections.
    public func acknowledged() async -> Int {
        var total = 0
        for connection in connections { total += (try? await connection.loop.submit { connection.tally.acknowledged }.get()) ?? 0 }
        return total
    }
}

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

/// Hands a publishing connection's answers to its ``PublishConnection``.
final class PublishResponseHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private let connection: PublishConnection

    init(connection: PublishConnection) {
        self.connection = connection
    }

    func channelActive(context: ChannelHandlerContext) {
        connection.attached(context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): connection.responseHead(head)
        case .body: break
        case .end: connection.responseEnd()
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        connection.connectionLost()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
