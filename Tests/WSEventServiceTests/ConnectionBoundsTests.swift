import NIOCore
import TestSupport
import Testing

import WSEventCore
@testable import WSEventService

/// Every connection is bounded, on real sockets against an in-process server with short
/// timeouts: slow or silent request heads, idle keep-alives, unfinished bodies and messages,
/// the connection cap, pipelining without reading and ping floods.
@Suite struct ConnectionBoundsTests {
    /// Short idle and body timeouts; a header timeout no handshake misses on a loaded machine
    /// (the tests of it shorten it); keepalive out of the way.
    static func short(_ configuration: inout ServiceConfiguration) {
        configuration.headerTimeout = .seconds(10)
        configuration.idleTimeout = .milliseconds(200)
        configuration.bodyTimeout = .milliseconds(200)
        configuration.pingInterval = .seconds(3600)
        configuration.publishToken = "t"
    }

    @Test func aSlowHeadGets408WhileASubscriberConnectedThroughoutGetsEveryEvent() async throws {
        try await withEventServer({
            Self.short(&$0)
            $0.headerTimeout = .seconds(1)
        }) { server in
            async let received = TestClient.collect(server.url(), count: 20, timeout: 20)
            try await eventually("subscribed") { server.stream.status.subscribers == 1 }
            try server.publish(10)
            // A slowloris: the head starts and never ends, one byte at a time.
            let slow = try RawSocket(port: server.port, receiveTimeout: 10)
            try await slow.send("GET /events HTTP/1.1\r\n")
            try await slow.send("H")
            let (head, _) = try await slow.receiveHTTPHead()
            #expect(head.hasPrefix("HTTP/1.1 408"))
            #expect(await slow.receiveAll().isEmpty)
            try server.publish(10, prefix: "after ")
            let texts = try await received.texts
            #expect(texts == (0..<10).map { "event \($0)" } + (0..<10).map { "after \($0)" })
        }
    }

    @Test func aSilentSocketIsClosed() async throws {
        try await withEventServer({
            Self.short(&$0)
            $0.headerTimeout = .milliseconds(200)
        }) { server in
            let silent = try RawSocket(port: server.port, receiveTimeout: 10)
            let answer = String(decoding: await silent.receiveAll(), as: UTF8.self)
            #expect(answer.isEmpty || answer.hasPrefix("HTTP/1.1 408"))
        }
    }

    @Test func anIdleKeepAliveIsClosed() async throws {
        try await withEventServer(Self.short) { server in
            let socket = try RawSocket(port: server.port, receiveTimeout: 10)
            try await socket.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            let answer = try await HTTPExchange.receive(on: socket)
            #expect(answer.status == 200)
            // No second request: closed after the idle timeout, well before the header one.
            #expect(await socket.receiveAll().isEmpty)
        }
    }

    @Test func anUnfinishedChunkedPublishGets408AndIsClosed() async throws {
        try await withEventServer(Self.short) { server in
            let socket = try RawSocket(port: server.port, receiveTimeout: 10)
            try await socket.send(
                "POST /events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer t\r\nContent-Type: text/plain\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"
            )
            let (head, _) = try await socket.receiveHTTPHead()
            #expect(head.hasPrefix("HTTP/1.1 408"))
            #expect(await socket.receiveAll().isEmpty)
            #expect(server.stream.status.lastID == 0)
        }
    }

    @Test func anUnfinishedFragmentedMessageIsClosedWith1008() async throws {
        try await withEventServer(Self.short) { server in
            let socket = try RawSocket(port: server.port, receiveTimeout: 10)
            let (head, rest) = try await socket.upgrade("/events")
            #expect(head.hasPrefix("HTTP/1.1 101"))
            try await socket.sendFrame(opcode: 0x2, payload: [UInt8](repeating: 7, count: 1000), fin: false)
            let frames = await socket.receiveFramesUntilClose(after: rest)
            #expect(frames.last?.closeCode == 1008)
        }
    }

    @Test func pastMaxConnectionsANewConnectionGets503BeforeAnyUpgrade() async throws {
        try await withEventServer({
            Self.short(&$0)
            $0.maxConnections = 2
        }) { server in
            var open: [RawSocket] = []
            for _ in 0..<2 {
                let socket = try RawSocket(port: server.port, receiveTimeout: 10)
                let (head, _) = try await socket.upgrade("/events")
                #expect(head.hasPrefix("HTTP/1.1 101"))
                open.append(socket)
            }
            let refused = try RawSocket(port: server.port, receiveTimeout: 10)
            let (head, _) = try await refused.upgrade("/events")
            #expect(head.hasPrefix("HTTP/1.1 503"))
            #expect(head.lowercased().contains("retry-after: 1"))
            let plain = try await HTTPExchange.send(port: server.port, "GET", "/healthz")
            #expect(plain.status == 503)
            #expect(plain.header("Retry-After") == "1")
            #expect(server.refusedConnections == 2)
            // Full is still alive: an orchestrator must not restart a full server.
            #expect(try await HTTPExchange.send(port: server.port, "GET", "/livez").status == 200)
            // A place freed is a place taken again.
            open.removeFirst()
            try await eventually("a place is free again", timeout: 10) {
                try await HTTPExchange.send(port: server.port, "GET", "/healthz").status == 200
            }
        }
    }

    @Test func aClientPipeliningWithoutReadingGetsEveryAnswerOnceItReads() async throws {
        try await withOwnEventLoops { loops in
            try await withEventServer(group: loops, {
                Self.short(&$0)
                $0.idleTimeout = .seconds(20)
                $0.maxPendingBytes = 16 << 10
            }) { server in
                let count = 5000
                let socket = try RawSocket(port: server.port, receiveBuffer: 4096, receiveTimeout: 20)
                let request = Array("GET /livez-none HTTP/1.1\r\nHost: a\r\n\r\n".utf8)
                let sending = Task { try await socket.send(Array([[UInt8]](repeating: request, count: count).joined())) }
                // Reading only now: the server held back while its answers were unwritten, and
                // goes on as they are read.
                var answers = 0
                var leftover: [UInt8] = []
                while answers < count {
                    let (head, rest) = try await socket.receiveHTTPHead(after: leftover)
                    #expect(head.hasPrefix("HTTP/1.1 404"))
                    let length = head.lowercased().split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                        .flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0
                    var body = rest
                    while body.count < length { body += try await socket.receive() }
                    leftover = Array(body.dropFirst(length))
                    answers += 1
                }
                try await sending.value
                #expect(answers == count)
            }
        }
    }

    @Test func aPingFloodFromAPeerThatNeverReadsIsSurvivedAndDroppedAfterTheCloseTimeout() async throws {
        try await withOwnEventLoops { loops in
            try await withEventServer(group: loops, {
                Self.short(&$0)
                $0.maxPendingBytes = 64 << 10
                // The peer never answers the close: the server drops it after this.
                $0.closeTimeout = .seconds(2)
            }) { server in
                let socket = try RawSocket(port: server.port, receiveBuffer: 4096, receiveTimeout: 120)
                let (head, _) = try await socket.upgrade("/events")
                #expect(head.hasPrefix("HTTP/1.1 101"))
                try await eventually("subscribed") { server.stream.status.subscribers == 1 }
                // 1000 masked pings of 125 bytes (mask key 0) per send, 16 MiB in all: far more
                // pongs than the kernel's buffers and the pending bytes hold.
                let ping: [UInt8] = [0x89, 0x80 | 125, 0, 0, 0, 0] + [UInt8](repeating: 0x61, count: 125)
                let batch = Array([[UInt8]](repeating: ping, count: 1000).joined())
                let batches = (16 << 20) / batch.count
                for _ in 0..<batches { try await socket.send(batch) }
                // Close, and read nothing: the server, having read every ping and then the close,
                // gives up waiting for ours and drops the connection.
                try await socket.sendFrame(opcode: 0x8, payload: [0x03, 0xE8])
                try await eventually("the server to drop the connection", timeout: 120) { server.stream.status.subscribers == 0 }
                // What reached the socket before the writes backed up: pongs, and no close frame
                // (the server's was still waiting behind them). The server's memory during such a
                // flood is ResourceBoundsProcessTests' to measure.
                let frames = await socket.receiveFramesUntilClose()
                #expect(frames.contains { $0.opcode == 0xA })
                #expect(frames.allSatisfy { $0.opcode == 0xA })
            }
        }
    }
}
