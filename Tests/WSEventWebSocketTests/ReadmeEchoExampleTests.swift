import NIOCore
import TestSupport
import Testing
import WSEventCore

/// The README's echo server, compiled and run.
@Suite struct ReadmeEchoExampleTests {
    @Test func echoServerEchoesTextBinaryAndFragments() async throws {
        // README: begin
        let server = try await WebSocketServer.bind(host: "127.0.0.1", port: 0) { connection in
            try await connection.run { inbound, outbound in
                for try await message in inbound {
                    try await outbound.send(message)
                }
            }
        }
        // README: end
        let running = Task { try await server.run() }
        defer { running.cancel() }
        let url = WebSocketURL(host: "127.0.0.1", port: server.port, path: "/echo")

        let connection = try await WebSocketClient.connect(to: url)
        let echoed = try await withTimeout(20, "echo") {
            try await connection.run { inbound, outbound in
                try await outbound.send(text: "hello")
                try await outbound.send(binary: ByteBuffer(bytes: [0, 1, 2]))
                var iterator = inbound.makeAsyncIterator()
                let first = try await iterator.next()
                let second = try await iterator.next()
                try await outbound.close()
                return [first, second]
            }
        }
        #expect(echoed == [.text("hello"), .binary(ByteBuffer(bytes: [0, 1, 2]))])

        // Fragments are reassembled before the application sees them.
        let raw = try RawSocket(port: server.port)
        let (head, rest) = try await raw.upgrade("/echo")
        #expect(head.hasPrefix("HTTP/1.1 101"))
        try await raw.sendFrame(opcode: 0x1, payload: Array("frag".utf8), fin: false)
        try await raw.sendFrame(opcode: 0x0, payload: Array("men".utf8), fin: false)
        try await raw.sendFrame(opcode: 0x0, payload: Array("ted".utf8), fin: true)
        let frames = await raw.receiveFrames(after: rest) { _ in true }
        #expect(frames.first.map { String(decoding: $0.payload, as: UTF8.self) } == "fragmented")
    }

    /// The README's echo client, against a server that sends two messages, reads their echoes
    /// and closes.
    @Test func echoClientEchoesUntilTheServerCloses() async throws {
        let echoes = AsyncStream.makeStream(of: WebSocketMessage.self)
        let server = try await WebSocketServer.bind(host: "127.0.0.1", port: 0) { connection in
            try await connection.run { inbound, outbound in
                try await outbound.send(text: "one")
                try await outbound.send(binary: ByteBuffer(bytes: [1, 2, 3]))
                var iterator = inbound.makeAsyncIterator()
                for _ in 0..<2 { if let echo = try await iterator.next() { echoes.continuation.yield(echo) } }
                echoes.continuation.finish()
                try await outbound.close(.normalClosure, reason: "thanks")
            }
        }
        let running = Task { try await server.run() }
        defer { running.cancel() }
        let port = server.port
        try await withTimeout(20, "echo client") {
            // README client: begin
            let url = WebSocketURL(host: "127.0.0.1", port: port, path: "/echo")
            let connection = try await WebSocketClient.connect(
                to: url,
                configuration: WebSocketConfiguration(maxMessageSize: 32 << 20)
            )
            try await connection.run { inbound, outbound in
                for try await message in inbound {
                    try await outbound.send(message)
                }
                print("closed:", inbound.closeCode?.code ?? 1005, inbound.closeReason ?? "", inbound.closeError?.description ?? "")
            }
            // README client: end
        }
        var received: [WebSocketMessage] = []
        for await echo in echoes.stream { received.append(echo) }
        #expect(received == [.text("one"), .binary(ByteBuffer(bytes: [1, 2, 3]))])
    }

    @Test func plainHTTPGets426() async throws {
        let server = try await WebSocketServer.bind(host: "127.0.0.1", port: 0) { _ in }
        let running = Task { try await server.run() }
        defer { running.cancel() }
        let socket = try RawSocket(port: server.port)
        try await socket.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try await socket.receiveHTTPHead().head.hasPrefix("HTTP/1.1 426"))
    }
}
