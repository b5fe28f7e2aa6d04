import NIOCore
import NIOEmbedded
import NIOHTTP1
import NIOWebSocket
import Testing

import WSEventCore
@testable import WSEventWebSocket

/// The per-connection bounds of the WebSocket and HTTP layers, on embedded channels with the
/// clock driven by hand: pongs count toward the pending bytes, a fragmented message has a
/// deadline, the request phase has its timeouts, and requests wait while responses are unwritten.
@Suite struct ResourceBoundsTests {
    typealias Peer = WebSocketProtocolHandlerTests.Peer

    // MARK: Pongs and fragments

    @Test func aPingIsAnsweredWhileTheChannelIsWritable() throws {
        let peer = try Peer(configuration: WebSocketConfiguration())
        try peer.send(.ping, [1, 2, 3])
        #expect(try peer.written().map(\.opcode) == [.pong])
        #expect(peer.channel.isActive)
    }

    @Test func pingsWhilePongsCannotBeWrittenCostOnePongForTheLatest() throws {
        let peer = try Peer(configuration: WebSocketConfiguration())
        // Past the write buffer's high-water mark: the peer is not reading what it is sent.
        peer.channel.isWritable = false
        for n in 1...100 { try peer.send(.ping, [UInt8(n)]) }
        #expect(try peer.written().isEmpty)
        #expect(peer.channel.isActive)
        peer.channel.isWritable = true
        peer.channel.pipeline.fireChannelWritabilityChanged()
        let pongs = try peer.written()
        #expect(pongs.map(\.opcode) == [.pong])
        #expect(pongs.first.map { Array($0.unmaskedData.readableBytesView) } == [100])
    }

    @Test func aFragmentedMessageUnfinishedPastTheTimeoutIsClosedWith1008() throws {
        let peer = try Peer(configuration: WebSocketConfiguration(pingInterval: nil, fragmentTimeout: .seconds(30)))
        try peer.send(.binary, [1], fin: false)
        peer.loop.advanceTime(by: .seconds(20))
        try peer.send(.continuation, [2], fin: false)
        peer.loop.advanceTime(by: .seconds(10) - .milliseconds(1))
        #expect(peer.channel.isActive)
        peer.loop.advanceTime(by: .milliseconds(1))
        #expect(WebSocketProtocolHandlerTests.closeCode(try peer.written().last) == 1008)
        #expect(!peer.channel.isActive)
    }

    @Test func eachFragmentedMessageHasItsOwnDeadline() throws {
        let peer = try Peer(configuration: WebSocketConfiguration(pingInterval: nil, fragmentTimeout: .seconds(30)))
        for _ in 0..<5 {
            try peer.send(.text, Array("a".utf8), fin: false)
            peer.loop.advanceTime(by: .seconds(20))
            try peer.send(.continuation, Array("b".utf8), fin: true)
            peer.loop.advanceTime(by: .seconds(20))
        }
        #expect(peer.channel.isActive)
        #expect(try peer.received().count == 5)
    }

    // MARK: The HTTP request phase

    let timeouts = HTTPTimeouts(header: .seconds(10), idle: .seconds(60), body: .seconds(30))

    @Test func theFirstHeadIsDueWithinTheHeaderTimeout() {
        let start = NIODeadline.uptimeNanoseconds(0)
        let phase = RequestPhase(timeouts: timeouts, now: start)
        #expect(phase.deadline == start + .seconds(10))
        #expect(phase.expire(at: start + .seconds(9)) == .none)
        #expect(phase.expire(at: start + .seconds(10)) == .requestTimeout)
    }

    /// A server that takes no bodies (an upgrade) gives none its own timeout: a body is part of
    /// its request, due within the header timeout.
    @Test func withoutABodyTimeoutABodyIsDueWithinTheHeaderTimeout() {
        let start = NIODeadline.uptimeNanoseconds(0)
        var phase = RequestPhase(timeouts: HTTPTimeouts(header: .seconds(10), idle: .seconds(60)), now: start)
        phase.headReceived(at: start + .seconds(1))
        #expect(phase.deadline == start + .seconds(11))
        #expect(phase.expire(at: start + .seconds(11)) == .requestTimeout)
    }

    @Test func aKeepAliveConnectionIsIdleUntilItsNextRequestBegins() {
        let start = NIODeadline.uptimeNanoseconds(0)
        var phase = RequestPhase(timeouts: timeouts, now: start)
        phase.headReceived(at: start + .seconds(1))
        phase.endReceived(at: start + .seconds(1))
        #expect(phase.deadline == nil)
        phase.responseStarted()
        phase.responseEnded(at: start + .seconds(2))
        #expect(phase.deadline == start + .seconds(62))
        #expect(phase.expire(at: start + .seconds(62)) == .close)
        // The next request's first bytes: its head is due within the header timeout.
        phase.bytesArrived(at: start + .seconds(30))
        #expect(phase.deadline == start + .seconds(40))
        #expect(phase.expire(at: start + .seconds(40)) == .requestTimeout)
    }

    @Test func aBodyIsDueWithinTheBodyTimeoutAndAResponseStopsEveryTimer() {
        let start = NIODeadline.uptimeNanoseconds(0)
        var phase = RequestPhase(timeouts: timeouts, now: start)
        phase.headReceived(at: start)
        #expect(phase.expire(at: start + .seconds(30)) == .requestTimeout)
        // A streaming response (SSE) has no end: no timer while it runs.
        phase.endReceived(at: start + .seconds(1))
        phase.responseStarted()
        #expect(phase.deadline == nil)
        #expect(phase.expire(at: start + .seconds(3600)) == .none)
    }

    @Test func anEarlyAnswerLeavesTheRestOfTheBodyItsTimeout() {
        let start = NIODeadline.uptimeNanoseconds(0)
        var phase = RequestPhase(timeouts: timeouts, now: start)
        phase.headReceived(at: start)
        phase.responseStarted()
        phase.responseEnded(at: start + .seconds(1))
        #expect(phase.expire(at: start + .seconds(31)) == .close)
        phase.endReceived(at: start + .seconds(2))
        #expect(phase.deadline == start + .seconds(62))
    }

    // MARK: Reading while responses are unwritten

    @Test func requestsWaitWhileTheChannelIsNotWritable() throws {
        let reads = ReadCounter()
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandlers([reads, WritabilityReadGate()])
        let head = HTTPServerRequestPart.head(HTTPRequestHead(version: .http1_1, method: .GET, uri: "/"))

        channel.read()
        #expect(reads.count == 1)
        channel.isWritable = false
        channel.pipeline.fireChannelWritabilityChanged()
        channel.read()
        #expect(reads.count == 1)
        try channel.writeInbound(head)
        try channel.writeInbound(HTTPServerRequestPart.end(nil))
        #expect(try channel.readInbound(as: HTTPServerRequestPart.self) == nil)

        channel.isWritable = true
        channel.pipeline.fireChannelWritabilityChanged()
        channel.embeddedEventLoop.run()
        #expect(try channel.readInbound(as: HTTPServerRequestPart.self) == head)
        #expect(try channel.readInbound(as: HTTPServerRequestPart.self) == .end(nil))
        #expect(reads.count == 2)
    }
}

extension ResourceBoundsTests {
    static let get = HTTPServerRequestPart.head(HTTPRequestHead(version: .http1_1, method: .GET, uri: "/"))

    /// A peer that pipelines requests and never reads: the kernel never takes the first answer,
    /// so the next request waits, unread, instead of adding an answer to the queue. A small
    /// answer costs the server several times its bytes (buffers, the queue's entries, promises),
    /// so a bound in bytes alone (the high-water mark) let one such peer hold 14.6 MB.
    @Test func theNextRequestWaitsUntilTheAnswerBeforeIsWritten() throws {
        let transport = StalledWrites()
        let reads = ReadCounter()
        let answers = Answerer(atOnce: true)
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandlers([reads, transport, WritabilityReadGate(), answers])

        // Three requests arrive in one read; the channel stays writable all along.
        for _ in 0..<3 {
            try channel.writeInbound(Self.get)
            try channel.writeInbound(HTTPServerRequestPart.end(nil))
        }
        channel.read()
        #expect(answers.requests == 1)
        #expect(transport.unwritten == 1)
        #expect(reads.count == 0, "no more reading while an answer is unwritten")

        // Each time the peer takes an answer, one more request is answered.
        for answered in 2...3 {
            transport.writeOne()
            channel.embeddedEventLoop.run()
            #expect(answers.requests == answered)
            #expect(transport.unwritten == 1)
        }
        transport.writeOne()
        channel.embeddedEventLoop.run()
        #expect(transport.unwritten == 0)
        #expect(reads.count == 1, "the read held back goes on once every answer is written")
    }

    /// A complete request the gate holds, because the answer before it is unwritten, is not an
    /// unfinished head: the header timeout does not run against the server's own holding back.
    /// (Under load, a client that pipelined and read its answers slowly got 408s.)
    @Test func aHeldRequestIsNotTimedOutAsAnUnfinishedHead() throws {
        let transport = StalledWrites()
        let answers = Answerer(atOnce: true)
        let channel = EmbeddedChannel()
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        let timeouts = HTTPTimeouts(header: .seconds(1), idle: .seconds(60))
        try channel.pipeline.syncOperations.addHandlers([
            transport, WritabilityReadGate(), RequestTimeoutHandler(timeouts: timeouts, now: channel.embeddedEventLoop.now), answers,
        ])
        for _ in 0..<2 {
            try channel.writeInbound(Self.get)
            try channel.writeInbound(HTTPServerRequestPart.end(nil))
        }
        #expect(answers.requests == 1)
        channel.embeddedEventLoop.advanceTime(by: .seconds(5))
        #expect(channel.isActive, "no 408 for a request sent whole")

        transport.writeOne()
        channel.embeddedEventLoop.run()
        #expect(answers.requests == 2)
        #expect(channel.isActive)
    }

    /// A read held back while an answer (the 101 of an upgrade) was unwritten goes on when the
    /// gate is removed at the upgrade: lost, nothing read the WebSocket connection again.
    @Test func aReadHeldWhenTheGateIsRemovedGoesOn() throws {
        let transport = StalledWrites()
        let reads = ReadCounter()
        let answers = Answerer(atOnce: true)
        let gate = WritabilityReadGate()
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandlers([reads, transport, gate, answers])
        try channel.writeInbound(Self.get)
        try channel.writeInbound(HTTPServerRequestPart.end(nil))
        channel.read()
        #expect(reads.count == 0, "held while the answer is unwritten")

        try channel.pipeline.syncOperations.removeHandler(gate).wait()
        #expect(reads.count == 1)
    }

    /// NIO's pipeline handler hands on the next pipelined request from inside the write of an
    /// answer's end: the gate keeps it, and gives it to the handler on a fresh stack, never
    /// into the middle of the code that answered.
    @Test func aPipelinedRequestIsNotHandedToTheHandlerWhileItAnswers() throws {
        let answers = Answerer(atOnce: false)
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandlers([HTTPServerPipelineHandler(), WritabilityReadGate(), answers])
        for _ in 0..<2 {
            try channel.writeInbound(Self.get)
            try channel.writeInbound(HTTPServerRequestPart.end(nil))
        }
        #expect(answers.requests == 1)
        answers.answer()
        channel.embeddedEventLoop.run()
        #expect(answers.requests == 2)
        answers.answer()
        #expect(answers.reentered == false)
    }
}

/// Holds every write, as a kernel buffer that the peer never empties would; `writeOne()` lets
/// the writes of the oldest answer complete.
final class StalledWrites: ChannelOutboundHandler, @unchecked Sendable {
    typealias OutboundIn = HTTPServerResponsePart
    private var writes: [(promise: EventLoopPromise<Void>, isEnd: Bool)] = []

    /// Answers (their `.end`) not yet written.
    var unwritten: Int { writes.filter(\.isEnd).count }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let isEnd = if case .end = unwrapOutboundIn(data) { true } else { false }
        writes.append((promise ?? context.eventLoop.makePromise(), isEnd))
    }

    func flush(context: ChannelHandlerContext) {}

    func writeOne() {
        while !writes.isEmpty {
            let write = writes.removeFirst()
            write.promise.succeed()
            if write.isEnd { return }
        }
    }
}

/// Answers each request (head and end), at once or when told, and notes whether a request ever
/// arrived while it was answering.
final class Answerer: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    private let atOnce: Bool
    private var context: ChannelHandlerContext?
    private(set) var requests = 0
    private(set) var reentered = false
    private var answering = false

    init(atOnce: Bool) {
        self.atOnce = atOnce
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if answering { reentered = true }
        guard case .end = unwrapInboundIn(data) else { return }
        requests += 1
        if atOnce { answer() }
    }

    func answer() {
        guard let context else { return }
        answering = true
        defer { answering = false }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}

/// Counts the `read` calls that get past the handlers after it.
final class ReadCounter: ChannelOutboundHandler, @unchecked Sendable {
    typealias OutboundIn = Any
    var count = 0

    func read(context: ChannelHandlerContext) {
        count += 1
        context.read()
    }
}
