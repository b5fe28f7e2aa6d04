import NIOCore
import NIOHTTP1
import NIOWebSocket
import TestSupport
import Testing
import WSEventCore

/// The close handshake over real sockets: what a peer's close frame is answered with, that a
/// failed connection is dropped at once, and how an application's handler ending closes.
@Suite struct CloseHandlingSocketTests {
    /// An echo server whose close timeout is far longer than any bounded wait below: a test
    /// that passes did not wait for it.
    func withServer<T: Sendable>(
        handler: @escaping WebSocketServer.Handler = { connection in
            try await connection.run { inbound, outbound in
                for try await message in inbound { try await outbound.send(message) }
            }
        },
        shouldUpgrade: @escaping WebSocketServer.ShouldUpgrade = { _ in .accept },
        _ body: @Sendable (Int) async throws -> T
    ) async throws -> T {
        let configuration = WebSocketConfiguration(closeTimeout: .seconds(300))
        let server = try await WebSocketServer.bind(
            host: "127.0.0.1",
            port: 0,
            configuration: configuration,
            shouldUpgrade: shouldUpgrade,
            handler: handler
        )
        let running = Task { try await server.run() }
        defer { running.cancel() }
        return try await body(server.port)
    }

    /// Sends `payload` in a close frame; returns the close code answered, after the server has
    /// also closed the TCP connection.
    func answer(toClose payload: [UInt8]) async throws -> UInt16? {
        try await withServer { port in
            let socket = try RawSocket(port: port, receiveTimeout: 20)
            let (_, rest) = try await socket.upgrade("/")
            try await socket.sendFrame(opcode: 0x8, payload: payload)
            let frames = await socket.receiveFramesUntilClose(after: rest)
            #expect(try await socket.receive().isEmpty, "the server hangs up after the handshake")
            return frames.first { $0.opcode == 0x8 }?.closeCode
        }
    }

    @Test func aOneBytePayloadGets1002() async throws {
        #expect(try await answer(toClose: [0x03]) == 1002)
    }

    @Test(arguments: [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000])
    func anInvalidCodeGets1002(code: Int) async throws {
        #expect(try await answer(toClose: [UInt8(code >> 8), UInt8(code & 0xFF)]) == 1002)
    }

    @Test func aReasonThatIsNotUTF8Gets1007() async throws {
        #expect(try await answer(toClose: [0x03, 0xE8, 0xFF, 0xFE]) == 1007)
    }

    @Test(arguments: [1000, 1001, 1003, 1011, 1013, 3000, 4999])
    func aValidCodeIsEchoed(code: Int) async throws {
        #expect(try await answer(toClose: [UInt8(code >> 8), UInt8(code & 0xFF)] + Array("bye".utf8)) == UInt16(code))
    }

    @Test func aPeerThatBreaksTheProtocolIsDroppedRightAfterTheCloseFrame() async throws {
        try await withServer { port in
            let socket = try RawSocket(port: port, receiveTimeout: 20)
            let (_, rest) = try await socket.upgrade("/")
            try await socket.sendFrame(opcode: 0x1, payload: [0xC3, 0x28])
            let frames = await socket.receiveFramesUntilClose(after: rest)
            #expect(frames.last?.closeCode == 1007)
            #expect(String(decoding: frames.last?.payload.dropFirst(2) ?? [], as: UTF8.self) == "invalid UTF-8 in a text message")
            // End of stream, not the 300 s close timeout (the read would time out first).
            #expect(try await socket.receive().isEmpty)
        }
    }

    @Test func aHandlerThatReturnsCloses1000() async throws {
        try await withServer(handler: { connection in try await connection.run { _, _ in } }) { port in
            let socket = try RawSocket(port: port, receiveTimeout: 20)
            let (_, rest) = try await socket.upgrade("/")
            let frames = await socket.receiveFramesUntilClose(after: rest)
            #expect(frames.last?.closeCode == 1000)
            try await socket.sendFrame(opcode: 0x8, payload: [0x03, 0xE8])
            #expect(try await socket.receive().isEmpty)
        }
    }

    @Test func aHandlerThatNeverRunsTheConnectionStillCloses1000() async throws {
        try await withServer(handler: { _ in }) { port in
            let socket = try RawSocket(port: port, receiveTimeout: 20)
            let (_, rest) = try await socket.upgrade("/")
            #expect(await socket.receiveFramesUntilClose(after: rest).last?.closeCode == 1000)
        }
    }

    struct Oops: Error {}

    @Test func aHandlerThatThrowsCloses1011() async throws {
        try await withServer(handler: { connection in try await connection.run { _, _ in throw Oops() } }) { port in
            let socket = try RawSocket(port: port, receiveTimeout: 20)
            let (_, rest) = try await socket.upgrade("/")
            #expect(await socket.receiveFramesUntilClose(after: rest).last?.closeCode == 1011)
        }
    }

    @Test func aServerCanRefuseAnUpgradeBeforeThe101() async throws {
        let refuse: WebSocketServer.ShouldUpgrade = { head in
            head.uri == "/chat" ? .accept : .refuse(.notFound, reason: "no such room: \(head.uri)")
        }
        try await withServer(shouldUpgrade: refuse) { port in
            let url = WebSocketURL(host: "127.0.0.1", port: port, path: "/nowhere")
            do {
                _ = try await WebSocketClient.connect(to: url)
                Issue.record("the upgrade was accepted")
            } catch let error as WebSocketError {
                #expect(error.reason == .upgradeRefused)
                #expect(error.refusedStatus == .notFound)
                #expect(error.description.hasSuffix("upgrade refused with 404 Not Found: no such room: /nowhere"))
            }
            let accepted = try await WebSocketClient.connect(to: WebSocketURL(host: "127.0.0.1", port: port, path: "/chat"))
            try await accepted.run { _, outbound in try await outbound.close(.normalClosure, reason: "done") }
        }
    }

    @Test func theClientReadsThePeersCodeAndReasonAndCanClose() async throws {
        let handler: WebSocketServer.Handler = { connection in
            try await connection.run { _, outbound in try await outbound.close(.init(codeNumber: 4001), reason: "room closed") }
        }
        try await withServer(handler: handler) { port in
            let connection = try await WebSocketClient.connect(to: WebSocketURL(host: "127.0.0.1", port: port, path: "/"))
            let (code, reason, error) = try await withTimeout(20, "close") {
                try await connection.run { inbound, _ in
                    for try await _ in inbound {}
                    return (inbound.closeCode, inbound.closeReason, inbound.closeError)
                }
            }
            #expect(code?.code == 4001)
            #expect(reason == "room closed")
            #expect(error == nil)
        }
    }

    /// A server that reads until each connection ends and reports how: the peer's close code
    /// (0 for none) and this side's error, or "clean".
    func withEndingsReported(_ body: @Sendable (_ port: Int, _ endings: AsyncStream<String>) async throws -> Void) async throws {
        let endings = AsyncStream.makeStream(of: String.self)
        let handler: WebSocketServer.Handler = { connection in
            try await connection.run { inbound, _ in
                for try await _ in inbound {}
                endings.continuation.yield("\(inbound.closeCode?.code ?? 0) \(inbound.closeError?.description ?? "clean")")
            }
        }
        try await withServer(handler: handler) { port in try await body(port, endings.stream) }
    }

    /// `wsclient --count` ends this way: the server must see 1000, not a dropped connection.
    @Test func aClientWhoseClosureReturnsCloses1000() async throws {
        try await withEndingsReported { port, endings in
            let connection = try await WebSocketClient.connect(to: WebSocketURL(host: "127.0.0.1", port: port, path: "/"))
            try await withTimeout(20, "client close") { try await connection.run { _, outbound in try await outbound.send(text: "hi") } }
            var iterator = endings.makeAsyncIterator()
            #expect(await iterator.next() == "1000 clean")
        }
    }

    /// A relay shutting down cancels its upstream connection: the server hears 1001 at once,
    /// not a close that never comes (the cancelled task's writer refuses writes).
    @Test func aCancelledClientCloses1001() async throws {
        try await withEndingsReported { port, endings in
            let url = WebSocketURL(host: "127.0.0.1", port: port, path: "/")
            let connection = try await WebSocketClient.connect(to: url, configuration: WebSocketConfiguration(closeTimeout: .seconds(300)))
            let client = Task { try await connection.run { inbound, _ in for try await _ in inbound {} } }
            try await Task.sleep(for: .milliseconds(100))
            client.cancel()
            let ending = try await withTimeout(20, "the server hears the close") {
                var iterator = endings.makeAsyncIterator()
                return await iterator.next()
            }
            #expect(ending == "1001 clean")
        }
    }

    @Test func aCloseCodeThatMayNotBeSentIsRefused() async throws {
        try await withServer { port in
            let connection = try await WebSocketClient.connect(to: WebSocketURL(host: "127.0.0.1", port: port, path: "/"))
            try await connection.run { _, outbound in
                for code in [1005, 1006, 1015, 999, 5000] {
                    await #expect(throws: WebSocketError.self) { try await outbound.close(.init(codeNumber: code)) }
                }
                await #expect(throws: WebSocketError.self) {
                    try await outbound.close(.normalClosure, reason: String(repeating: "x", count: 124))
                }
            }
        }
    }
}

/// The library's client against a server that breaks the protocol: the inbound messages end
/// with the reason instead of throwing NIO's errors, and the client drops the connection at once.
@Suite struct ClientFailureTests {
    func failure(whenServerSends frames: [WebSocketFrame]) async throws -> (error: WebSocketError?, server: ScriptedWebSocketServer) {
        let server = try await ScriptedWebSocketServer.start(sending: frames)
        let url = WebSocketURL(host: "127.0.0.1", port: server.port, path: "/")
        let connection = try await WebSocketClient.connect(
            to: url,
            configuration: WebSocketConfiguration(closeTimeout: .seconds(300))
        )
        let error = try await withTimeout(20, "the client gives up on the server") {
            try await connection.run { inbound, outbound in
                for try await _ in inbound {}
                // Dropped, or refused with the library's error (the writer does not wait for the
                // handler's verdict, so which one depends on timing); never a raw NIO error.
                do { try await outbound.send(text: "after the end") } catch { #expect(error is WebSocketError) }
                return inbound.closeError
            }
        }
        try await eventually("the client hangs up") { server.hungUp == 1 }
        return (error, server)
    }

    @Test func invalidUTF8FromTheServerIs1007() async throws {
        let (error, server) = try await failure(whenServerSends: [
            WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(bytes: [0x68, 0x69, 0xFF]))
        ])
        #expect(error?.reason == .protocolViolation)
        #expect(error?.closeCode?.code == 1007)
        #expect(error?.description == "the peer sent invalid UTF-8 in a text message (1007)")
        #expect(server.closeCodes == [1007])
        await server.stop()
    }

    @Test func aFragmentedControlFrameIs1002() async throws {
        let (error, server) = try await failure(whenServerSends: [
            WebSocketFrame(fin: false, opcode: .ping, data: ByteBuffer(string: "x"))
        ])
        #expect(error?.closeCode?.code == 1002)
        #expect(error?.description == "the peer sent a fragmented control frame (1002)")
        await server.stop()
    }

    @Test func anInvalidCloseCodeFromTheServerIs1002() async throws {
        let (error, server) = try await failure(whenServerSends: [
            WebSocketFrame(fin: true, opcode: .connectionClose, data: ByteBuffer(bytes: [0x03, 0xED]))
        ])
        #expect(error?.description == "the peer sent a close frame with the invalid code 1005 (1002)")
        #expect(server.closeCodes == [1002])
        await server.stop()
    }
}
