import TestSupport
import Testing

import WSEventCore

/// The library's server bounds the request before an upgrade as `wsevent-service` does: a
/// connection that sends no head, or half of one, is answered 408 and closed.
@Suite struct WebSocketServerTimeoutTests {
    func withServer(headerTimeout: Duration = .milliseconds(200), _ body: @Sendable (_ port: Int) async throws -> Void) async throws {
        let server = try await WebSocketServer.bind(host: "127.0.0.1", port: 0, timeouts: HTTPTimeouts(header: headerTimeout)) { connection in
            try await connection.run { inbound, outbound in
                for try await message in inbound { try await outbound.send(message) }
            }
        }
        let serving = Task { try await server.run() }
        defer { serving.cancel() }
        try await body(server.port)
    }

    @Test func aSilentConnectionIsAnswered408AndClosed() async throws {
        try await withServer { port in
            let socket = try RawSocket(port: port, receiveTimeout: 20)
            let answer = try await HTTPExchange.receive(on: socket)
            #expect(answer.status == 408)
            #expect(await socket.receiveAll().isEmpty)
        }
    }

    @Test func aHeadThatNeverEndsIsAnswered408() async throws {
        try await withServer { port in
            let socket = try RawSocket(port: port, receiveTimeout: 20)
            try await socket.send("GET /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n")
            #expect(try await HTTPExchange.receive(on: socket).status == 408)
        }
    }

    /// An upgraded connection is never timed out by them: one upgraded before a slowloris
    /// starts still echoes after the slowloris got its 408. (The header timeout is long enough
    /// for the client's own handshake on a loaded machine.)
    @Test func anUpgradedConnectionOutlivesTheHeaderTimeout() async throws {
        try await withServer(headerTimeout: .seconds(2)) { port in
            let connection = try await WebSocketClient.connect(to: WebSocketURL(host: "127.0.0.1", port: port, path: "/echo"))
            try await connection.run { inbound, outbound in
                let slow = try RawSocket(port: port, receiveTimeout: 20)
                try await slow.send("GET /echo HTTP/1.1\r\n")
                #expect(try await HTTPExchange.receive(on: slow).status == 408)
                try await outbound.send(text: "still here")
                var iterator = inbound.makeAsyncIterator()
                #expect(try await iterator.next() == .text("still here"))
            }
        }
    }

    /// `bind`'s defaults are the service's.
    @Test func theDefaultsAreTheServices() {
        let service = ServiceConfiguration()
        #expect(HTTPTimeouts().header == service.headerTimeout)
        #expect(HTTPTimeouts().idle == service.idleTimeout)
        #expect(service.httpTimeouts.body == service.bodyTimeout)
    }
}
