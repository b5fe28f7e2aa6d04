import NIOCore
import NIOEmbedded
import NIOWebSocket
import Testing

import WSEventCore
@testable import WSEventWebSocket

/// The protocol handler on an `EmbeddedChannel`, with the event loop's clock driven by hand:
/// keepalive timing and the close handshake, deterministically.
@Suite struct WebSocketProtocolHandlerTests {
    /// A server-side handler on an active embedded channel.
    final class Peer {
        let channel: EmbeddedChannel
        let loop: EmbeddedEventLoop

        init(server: Bool = true, configuration: WebSocketConfiguration) throws {
            loop = EmbeddedEventLoop()
            channel = EmbeddedChannel(
                handler: WebSocketProtocolHandler(isServer: server, configuration: configuration),
                loop: loop
            )
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9)).wait()
        }

        /// Sends a frame as a client would: masked.
        func send(_ opcode: WebSocketOpcode, _ bytes: [UInt8] = [], fin: Bool = true) throws {
            let key = WebSocketMaskingKey.random()
            var data = ByteBuffer(bytes: bytes)
            data.webSocketMask(key)
            try channel.writeInbound(WebSocketFrame(fin: fin, opcode: opcode, maskKey: key, data: data))
        }

        /// Frames the handler wrote.
        func written() throws -> [WebSocketFrame] {
            var frames: [WebSocketFrame] = []
            while let frame = try channel.readOutbound(as: WebSocketFrame.self) { frames.append(frame) }
            return frames
        }

        /// What the handler passed up.
        func received() throws -> [WebSocketInbound] {
            var items: [WebSocketInbound] = []
            while let item = try channel.readInbound(as: WebSocketInbound.self) { items.append(item) }
            return items
        }

        var ending: WebSocketEnding? {
            get throws {
                for case .closed(let ending) in try received() { return ending }
                return nil
            }
        }
    }

    static func closeCode(_ frame: WebSocketFrame?) -> UInt16? {
        guard let frame, frame.opcode == .connectionClose else { return nil }
        var data = frame.unmaskedData
        return data.readInteger(as: UInt16.self)
    }

    let keepalive = WebSocketConfiguration(pingInterval: .seconds(30), pongTimeout: .seconds(10), closeTimeout: .seconds(5))

    // MARK: Keepalive

    @Test func aPeerAnsweringEveryPingSurvives1000Intervals() throws {
        let peer = try Peer(configuration: keepalive)
        for _ in 0..<1000 {
            peer.loop.advanceTime(by: .seconds(30))
            let frames = try peer.written()
            #expect(frames.map(\.opcode) == [.ping])
            peer.loop.advanceTime(by: .milliseconds(1))
            try peer.send(.pong)
        }
        #expect(peer.channel.isActive)
    }

    @Test func aSilentPeerIsClosedWith1011OncePingIntervalAndPongTimeoutHavePassed() throws {
        let peer = try Peer(configuration: keepalive)
        peer.loop.advanceTime(by: .seconds(30))
        #expect(try peer.written().map(\.opcode) == [.ping])
        peer.loop.advanceTime(by: .seconds(10) - .milliseconds(1))
        #expect(peer.channel.isActive)
        peer.loop.advanceTime(by: .milliseconds(1))
        #expect(Self.closeCode(try peer.written().last) == 1011)
        #expect(!peer.channel.isActive)
        #expect(try peer.ending?.error?.reason == .pongTimeout)
    }

    /// With a pong timeout longer than the interval, the next ping still comes one interval
    /// after the pong, not when the pong deadline would have passed.
    @Test func theNextPingIsAnIntervalAfterThePong() throws {
        let peer = try Peer(configuration: WebSocketConfiguration(pingInterval: .seconds(1), pongTimeout: .seconds(10)))
        for _ in 0..<5 {
            peer.loop.advanceTime(by: .seconds(1))
            #expect(try peer.written().map(\.opcode) == [.ping])
            try peer.send(.pong)
        }
        #expect(peer.channel.isActive)
    }

    @Test func dataFromThePeerCountsAsAnAnswer() throws {
        let peer = try Peer(configuration: keepalive)
        peer.loop.advanceTime(by: .seconds(30))
        _ = try peer.written()
        peer.loop.advanceTime(by: .seconds(9))
        try peer.send(.text, Array("still here".utf8))
        peer.loop.advanceTime(by: .seconds(20))
        #expect(peer.channel.isActive)
        #expect(try peer.written().isEmpty)
    }

    @Test func theClientSideKeepsTheSameRule() throws {
        let peer = try Peer(server: false, configuration: keepalive)
        peer.loop.advanceTime(by: .seconds(30))
        let ping = try peer.written().first
        #expect(ping?.opcode == .ping && ping?.maskKey != nil)
        peer.loop.advanceTime(by: .seconds(10))
        #expect(!peer.channel.isActive)
    }

    // MARK: Close handshake

    static let validCloses: [([UInt8], UInt16)] = [
        ([], 1000),
        ([0x03, 0xE8], 1000),
        ([0x0F, 0xA0] + Array("bye".utf8), 4000),
        ([0x03, 0xF4], 1012),
    ]

    @Test(arguments: validCloses)
    func aValidCloseIsAnsweredAndTheServerDisconnects(payload: [UInt8], answer: UInt16) throws {
        let peer = try Peer(configuration: keepalive)
        try peer.send(.connectionClose, payload)
        #expect(Self.closeCode(try peer.written().first) == answer)
        #expect(!peer.channel.isActive)
        let ending = try peer.ending
        #expect(ending?.error == nil)
        #expect(ending != nil)
        #expect(ending?.peerClose?.code?.code == (payload.isEmpty ? nil : answer))
    }

    /// A 1-byte payload, then the codes 1005, 1006, 1015, 999 and 5000.
    static let malformedCloses: [[UInt8]] = [[0x03], [0x03, 0xED], [0x03, 0xEE], [0x03, 0xF7], [0x03, 0xE7], [0x13, 0x88]]

    @Test(arguments: malformedCloses)
    func aMalformedCloseGets1002(payload: [UInt8]) throws {
        let peer = try Peer(configuration: keepalive)
        try peer.send(.connectionClose, payload)
        #expect(Self.closeCode(try peer.written().first) == 1002)
        #expect(!peer.channel.isActive)
        #expect(try peer.ending?.error?.reason == .protocolViolation)
    }

    @Test func aCloseReasonThatIsNotUTF8Gets1007() throws {
        let peer = try Peer(configuration: keepalive)
        try peer.send(.connectionClose, [0x03, 0xE8, 0xFF])
        #expect(Self.closeCode(try peer.written().first) == 1007)
        #expect(!peer.channel.isActive)
    }

    @Test func aViolationClosesAtOnceWithoutWaitingForThePeer() throws {
        let peer = try Peer(configuration: keepalive)
        try peer.send(.text, [0xC3, 0x28])
        let frames = try peer.written()
        #expect(Self.closeCode(frames.first) == 1007)
        #expect(!peer.channel.isActive)
        let error = try peer.ending?.error
        #expect(error?.closeCode?.code == 1007)
        #expect(error?.description.contains("invalid UTF-8") == true)
    }

    @Test func ourCloseWaitsForThePeerAtMostTheCloseTimeout() throws {
        let peer = try Peer(configuration: keepalive)
        try peer.channel.writeOutbound(WebSocketOutbound.close(.goingAway, reason: ""))
        #expect(Self.closeCode(try peer.written().first) == 1001)
        // Data after our close frame is not delivered; pings are not answered.
        try peer.send(.text, Array("late".utf8))
        try peer.send(.ping)
        #expect(try peer.received().isEmpty)
        #expect(try peer.written().isEmpty)
        peer.loop.advanceTime(by: .seconds(5) - .milliseconds(1))
        #expect(peer.channel.isActive)
        peer.loop.advanceTime(by: .milliseconds(1))
        #expect(!peer.channel.isActive)
    }

    @Test func thePeersAnswerCompletesOurClose() throws {
        let peer = try Peer(configuration: keepalive)
        try peer.channel.writeOutbound(WebSocketOutbound.close(.normalClosure, reason: "done"))
        let frame = try peer.written().first
        var data = frame?.unmaskedData ?? ByteBuffer()
        #expect(data.readInteger(as: UInt16.self) == 1000)
        #expect(String(buffer: data) == "done")
        try peer.send(.connectionClose, [0x03, 0xE8])
        #expect(!peer.channel.isActive)
        #expect(try peer.ending?.peerClose?.code == .normalClosure)
    }

    @Test func writesAfterTheCloseFail() throws {
        let peer = try Peer(configuration: keepalive)
        try peer.channel.writeOutbound(WebSocketOutbound.close(.normalClosure, reason: ""))
        #expect(throws: WebSocketError.self) {
            try peer.channel.writeOutbound(WebSocketOutbound.message(.text("too late")))
        }
    }

    // MARK: Pings from the application

    @Test func anApplicationPingCompletesWhenItsPongArrives() throws {
        let peer = try Peer(configuration: keepalive)
        let first = peer.loop.makePromise(of: Void.self)
        let second = peer.loop.makePromise(of: Void.self)
        try peer.channel.writeOutbound(WebSocketOutbound.ping(first))
        try peer.channel.writeOutbound(WebSocketOutbound.ping(second))
        let pings = try peer.written()
        #expect(pings.count == 2)
        // A pong for the later ping answers both.
        try peer.send(.pong, Array(pings[1].unmaskedData.readableBytesView))
        try first.futureResult.wait()
        try second.futureResult.wait()
    }

    @Test func pendingPingsFailWhenTheConnectionCloses() throws {
        let peer = try Peer(configuration: keepalive)
        let ping = peer.loop.makePromise(of: Void.self)
        try peer.channel.writeOutbound(WebSocketOutbound.ping(ping))
        try peer.send(.connectionClose, [0x03, 0xE8])
        #expect(throws: WebSocketError.self) { try ping.futureResult.wait() }
    }
}
