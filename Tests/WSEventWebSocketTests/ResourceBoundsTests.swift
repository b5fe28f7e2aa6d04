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
        #expect(try channel.readInbound(as: HTTPServerRequestPart.self) == head)
        #expect(try channel.readInbound(as: HTTPServerRequestPart.self) == .end(nil))
        #expect(reads.count == 2)
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
