import TestSupport
import Testing

import WSEventCore
@testable import WSEventService

@Suite struct HTTPAnswersTests {
    func statusLine(port: Int, _ request: String) async throws -> String {
        let socket = try RawSocket(port: port)
        try await socket.send(request)
        let (head, _) = try await socket.receiveHTTPHead()
        return String(head.split(separator: "\r\n").first ?? "")
    }

    @Test func eachRefusalHasItsStatus() async throws {
        try await withEventServer { server in
            let port = server.port
            #expect(try await statusLine(port: port, "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n") == "HTTP/1.1 404 Not Found")
            #expect(try await statusLine(port: port, "DELETE /events HTTP/1.1\r\nHost: x\r\n\r\n") == "HTTP/1.1 405 Method Not Allowed")
            #expect(try await statusLine(port: port, "POST /events HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n") == "HTTP/1.1 403 Forbidden")
            #expect(try await statusLine(port: port, "GET /events HTTP/1.1\r\nHost: x\r\n\r\n") == "HTTP/1.1 426 Upgrade Required")
            #expect(try await statusLine(port: port, "\u{01}\u{02}garbage\r\n\r\n") == "HTTP/1.1 400 Bad Request")
            #expect(try await statusLine(port: port, "GET /events?since=x HTTP/1.1\r\nHost: x\r\n\r\n") == "HTTP/1.1 400 Bad Request")
            #expect(try await statusLine(port: port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n") == "HTTP/1.1 200 OK")
            let upgradeToUnknown = try RawSocket(port: port)
            #expect(try await upgradeToUnknown.upgrade("/nope").head.hasPrefix("HTTP/1.1 404"))
        }
    }

    @Test func malformedEscapesAre400NamingTheParameter() async throws {
        try await withEventServer({ $0.publishToken = "tok" }) { server in
            let port = server.port
            let since = "query parameter 'since' has a malformed %-escape: '5765%ZZ'\n"
            let plain = try await HTTPExchange.send(port: port, "GET", "/events?since=5765%ZZ")
            #expect(plain.status == 400)
            #expect(plain.body == since)
            let sse = try await HTTPExchange.send(port: port, "GET", "/events?last_event_id=E.5765%ZZ", headers: ["Accept": "text/event-stream"])
            #expect(sse.status == 400)
            #expect(sse.body == "query parameter 'last_event_id' has a malformed %-escape: 'E.5765%ZZ'\n")
            let name = try await HTTPExchange.send(port: port, "GET", "/events?to%ZZken=x", headers: ["Accept": "text/event-stream"])
            #expect(name.body == "query parameter name 'to%ZZken' has a malformed %-escape\n")
            let publish = try await HTTPExchange.send(port: port, "POST", "/events?since=5765%ZZ", headers: ["Authorization": "Bearer tok"])
            #expect(publish.status == 400)
            #expect(publish.body == since)
            // The upgrade is refused before any 101.
            let socket = try RawSocket(port: port)
            let (head, rest) = try await socket.upgrade("/events?since=5765%ZZ", protocols: [WireMode.v1Subprotocol])
            #expect(head.hasPrefix("HTTP/1.1 400 Bad Request"))
            #expect(String(decoding: rest + (await socket.receiveAll()), as: UTF8.self) == since)
            #expect(server.stream.status.subscribers == 0)
        }
    }

    @Test func connectGetsAFramed405AndTheConnectionCloses() async throws {
        try await withEventServer { server in
            for target in ["example.com:443", "/events"] {
                let socket = try RawSocket(port: server.port, receiveTimeout: 20)
                try await socket.send("CONNECT \(target) HTTP/1.1\r\nHost: \(target)\r\n\r\n")
                let answer = try await HTTPExchange.receive(on: socket)
                #expect(answer.status == 405)
                #expect(answer.header("Allow") == "GET, POST, OPTIONS")
                #expect(answer.header("Content-Length") == String(answer.body.utf8.count))
                #expect(answer.body.hasPrefix("CONNECT is not allowed"))
                // Then end of stream, not a connection left open.
                #expect(try await socket.receive().isEmpty)
            }
            #expect(try await HTTPExchange.send(port: server.port, "GET", "/healthz").status == 200)
        }
    }

    @Test func plainGetSaysHowToSubscribe() async throws {
        try await withEventServer { server in
            let socket = try RawSocket(port: server.port)
            try await socket.send("GET /events HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            let response = String(decoding: await socket.receiveAll(), as: UTF8.self)
            #expect(response.contains("Upgrade: websocket"))
            #expect(response.contains("subscribe with a WebSocket client"))
        }
    }

    @Test func serverKeepsServingAfterBadInput() async throws {
        try await withEventServer { server in
            let garbage = try RawSocket(port: server.port)
            try await garbage.send([UInt8](repeating: 0xFF, count: 4096))
            // 400, then the server closes the connection (the read ends, well before its timeout).
            let answer = String(decoding: await garbage.receiveAll(), as: UTF8.self)
            #expect(answer.hasPrefix("HTTP/1.1 400 Bad Request"))
            async let received = TestClient.collect(server.url(), count: 1)
            try await eventually("subscribed") { server.stream.status.subscribers == 1 }
            try server.publish(1)
            #expect(try await received.texts == ["event 0"])
        }
    }

    @Test func clientReportsARefusedUpgradeWithItsStatus() async throws {
        try await withEventServer { server in
            var url = server.url
            url.path = "/nope"
            do {
                _ = try await WebSocketClient.connect(to: url)
                Issue.record("connected to a missing stream")
            } catch let error as WebSocketError {
                #expect(error.refusedStatus == .notFound)
                #expect(error.description.contains("404 Not Found"))
            }
        }
    }
}
