import Foundation
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import WSEventService
import WSEventCore

/// The HTTP handler on an `EmbeddedChannel`, fed request parts as NIO's HTTP decoder would and
/// read back as response parts: routing, publishing and the start of an SSE subscription,
/// with no socket and no parser in between.
@Suite struct ServiceHTTPHandlerTests {
    /// One complete (or begun) answer: its head, its body so far, and whether it ended.
    struct Answer {
        var head: HTTPResponseHead
        var body: String
        var ended: Bool

        var status: UInt { head.status.code }
        func header(_ name: String) -> String? { head.headers.first(name: name) }
    }

    /// A handler serving `stream` (an origin at `/events` unless given), consuming `upstreams`,
    /// with `configure`'s settings.
    final class Connection {
        let loop = EmbeddedEventLoop()
        let channel: EmbeddedChannel
        let stream: WireEventStream

        init(
            stream: WireEventStream = WireEventStream(path: "/events"),
            upstreams: [StreamURL] = [],
            lifecycle: ServerLifecycle = ServerLifecycle(),
            _ configure: (inout ServiceConfiguration) -> Void = { _ in }
        ) throws {
            var configuration = ServiceConfiguration()
            if let upstream = upstreams.first {
                configuration.role = upstreams.count == 1 ? .relay(upstream) : .fanIn(upstreams)
            }
            configure(&configuration)
            self.stream = stream
            let context = ServiceContext(
                registry: StreamRegistry([stream]),
                configuration: configuration,
                upstreams: UpstreamLinks(upstreams),
                lifecycle: lifecycle
            )
            channel = EmbeddedChannel(handler: ServiceHTTPHandler(context: context, logger: .init(label: "test")), loop: loop)
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9)).wait()
        }

        /// Sends a request: its head, the body in the chunks given, and its end.
        func send(_ method: HTTPMethod, _ uri: String, headers: HTTPHeaders = [:], body chunks: [String] = []) throws {
            var all: HTTPHeaders = ["Host": "127.0.0.1:8080"]
            all.add(contentsOf: headers)
            try channel.writeInbound(HTTPServerRequestPart.head(HTTPRequestHead(version: .http1_1, method: method, uri: uri, headers: all)))
            for chunk in chunks { try channel.writeInbound(HTTPServerRequestPart.body(ByteBuffer(string: chunk))) }
            try channel.writeInbound(HTTPServerRequestPart.end(nil))
        }

        /// The next answer written, if any.
        func answer() throws -> Answer? {
            guard case .head(let head) = try channel.readOutbound(as: HTTPServerResponsePart.self) else { return nil }
            var answer = Answer(head: head, body: "", ended: false)
            while let part = try channel.readOutbound(as: HTTPServerResponsePart.self) {
                switch part {
                case .head: Issue.record("a second head in one answer")
                case .body(.byteBuffer(let bytes)): answer.body += String(buffer: bytes)
                case .body: Issue.record("a file region in an answer")
                case .end:
                    answer.ended = true
                    return answer
                }
            }
            return answer
        }

        /// Sends a request and returns its answer.
        func exchange(_ method: HTTPMethod, _ uri: String, headers: HTTPHeaders = [:], body: [String] = []) throws -> Answer {
            try send(method, uri, headers: headers, body: body)
            return try #require(try answer())
        }
    }

    // MARK: Routing

    @Test func anUnknownPathIs404() throws {
        let answer = try Connection().exchange(.GET, "/nope")
        #expect(answer.status == 404)
        #expect(answer.body == "no stream at /nope\n")
        #expect(answer.ended)
    }

    @Test func aWrongMethodIs405WithTheMethodsAllowed() throws {
        let connection = try Connection()
        let delete = try connection.exchange(.DELETE, "/events")
        #expect(delete.status == 405)
        #expect(delete.header("Allow") == "GET, POST, OPTIONS")
        #expect(delete.body == "DELETE is not allowed on /events: subscribe with GET, publish with POST\n")
        let health = try connection.exchange(.POST, "/healthz")
        #expect(health.status == 405)
        #expect(health.header("Allow") == "GET, HEAD")
        #expect(health.body == "use GET, HEAD\n")
        #expect(connection.channel.isActive)
    }

    @Test func aPlainGetOfAStreamIs426SayingHowToSubscribe() throws {
        let answer = try Connection().exchange(.GET, "/events")
        #expect(answer.status == 426)
        #expect(answer.header("Upgrade") == "websocket")
        #expect(
            answer.body == """
                /events is an event stream: subscribe with a WebSocket client (`wsclient ws://HOST:PORT/events`), \
                or with Server-Sent Events (Accept: text/event-stream, e.g. `curl -N -H 'Accept: text/event-stream' http://HOST:PORT/events`)

                """
        )
    }

    @Test func healthzIs200WithEachStreamAsJSON() throws {
        let connection = try Connection()
        try connection.stream.publish(kind: .text, payload: ByteBuffer(string: "x"))
        let answer = try connection.exchange(.GET, "/healthz")
        #expect(answer.status == 200)
        #expect(answer.header("Content-Type") == "application/json")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any])
        #expect(json["status"] as? String == "ok")
        let streams = try #require(json["streams"] as? [[String: Any]])
        #expect(streams.count == 1)
        #expect(streams.first?["path"] as? String == "/events")
        #expect(streams.first?["epoch"] as? String == connection.stream.status.epoch.rawValue)
        #expect(streams.first?["last_id"] as? Int == 1)
        #expect(streams.first?["source"] as? String == "origin")
        #expect(streams.first?["subscribers"] as? Int == 0)
        #expect((json["upstreams"] as? [Any])?.isEmpty == true)
        let head = try connection.exchange(.HEAD, "/healthz")
        #expect(head.status == 200)
        #expect(head.body.isEmpty)
        #expect(head.header("Content-Length") == "0")
    }

    /// As docs/PROTOCOL.md says: a relay that has not reached its upstream cannot serve, so
    /// `/healthz` answers 503 and says why (stream source `awaiting-upstream`, upstream
    /// `connecting`), as the stream itself does to subscribers.
    @Test func aRelayThatHasNotReachedItsUpstreamIsUnhealthyAndRefusesSubscribersWith503() throws {
        let upstream = try #require(StreamURL("ws://127.0.0.1:8081/events"))
        let connection = try Connection(stream: WireEventStream(path: "/events", source: .awaitingUpstream), upstreams: [upstream])
        let health = try connection.exchange(.GET, "/healthz")
        #expect(health.status == 503)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(health.body.utf8)) as? [String: Any])
        #expect(json["status"] as? String == "unavailable")
        #expect(json["reason"] as? String == "/events has not reached its upstream yet")
        #expect((json["streams"] as? [[String: Any]])?.first?["source"] as? String == "awaiting-upstream")
        #expect((json["upstreams"] as? [[String: Any]])?.first?["state"] as? String == "connecting")
        let subscribe = try connection.exchange(.GET, "/events", headers: ["Accept": "text/event-stream"])
        #expect(subscribe.status == 503)
        #expect(subscribe.header("Retry-After") == "1")
    }

    @Test func aPreflightFromAnAllowedOriginIs204WithTheCORSHeaders() throws {
        let connection = try Connection { $0.allowedOrigins = ["https://app.example"] }
        let answer = try connection.exchange(.OPTIONS, "/events", headers: ["Origin": "https://app.example"])
        #expect(answer.status == 204)
        #expect(answer.header("Access-Control-Allow-Origin") == "https://app.example")
        #expect(answer.header("Vary") == "Origin")
        #expect(answer.header("Access-Control-Allow-Methods") == "GET, POST, OPTIONS")
        #expect(answer.header("Access-Control-Allow-Headers") == "Authorization, Content-Type, Last-Event-ID")
        #expect(answer.header("Access-Control-Max-Age") == "600")
        #expect(answer.header("Content-Length") == nil)
        #expect(answer.body.isEmpty && answer.ended)
        let refused = try connection.exchange(.OPTIONS, "/events", headers: ["Origin": "https://evil.example"])
        #expect(refused.status == 403)
        #expect(refused.body == "origin https://evil.example is not allowed: list it in -allowed-origins\n")
    }

    /// A page of an allowed origin may read why it was refused (a wrong token, no such stream,
    /// how to subscribe), so those answers carry the CORS headers; a disallowed origin gets its
    /// `403`, and every other answer, without them.
    @Test func refusalsCarryTheCORSHeadersForAnAllowedOriginOnly() throws {
        /// Each request on a connection of its own: a refused publish closes its connection.
        func ask(_ method: HTTPMethod, _ uri: String, origin: String, _ headers: HTTPHeaders = [:], body: [String] = []) throws -> Answer {
            let connection = try Connection {
                $0.allowedOrigins = ["https://app.example"]
                $0.subscribeToken = "sub"
                $0.publishToken = "pub"
            }
            var all = headers
            all.add(name: "Origin", value: origin)
            return try connection.exchange(method, uri, headers: all, body: body)
        }
        let sse: HTTPHeaders = ["Accept": "text/event-stream"]
        let app = "https://app.example"
        let answers: [(String, Answer)] = [
            ("subscribe without the token", try ask(.GET, "/events", origin: app, sse)),
            ("subscribe to no stream", try ask(.GET, "/nope?token=sub", origin: app, sse)),
            ("subscribe with a bad since", try ask(.GET, "/events?token=sub&since=x", origin: app, sse)),
            ("a plain GET of the stream", try ask(.GET, "/events?token=sub", origin: app)),
            ("publish with a wrong token", try ask(.POST, "/events", origin: app, ["Authorization": "Bearer wrong"], body: ["x"])),
        ]
        #expect(answers.map { $0.1.status } == [401, 404, 400, 426, 401])
        for (what, answer) in answers {
            #expect(answer.header("Access-Control-Allow-Origin") == app, "\(what)")
            #expect(answer.header("Vary") == "Origin", "\(what)")
        }

        for uri in ["/events", "/nope"] {
            let refused = try ask(.GET, uri, origin: "https://evil.example", sse)
            #expect(refused.status == (uri == "/events" ? 403 : 404))
            #expect(refused.header("Access-Control-Allow-Origin") == nil)
            #expect(refused.header("Vary") == nil)
        }
    }

    // MARK: Publishing

    @Test func aPublishIs200WithTheIdAndEpochAsJSON() throws {
        let connection = try Connection { $0.publishToken = "tok" }
        let headers: HTTPHeaders = ["Authorization": "Bearer tok", "Content-Type": "text/plain"]
        let answer = try connection.exchange(.POST, "/events", headers: headers, body: ["hel", "lo"])
        #expect(answer.status == 200)
        #expect(answer.header("Content-Type") == "application/json")
        #expect(answer.body == "{\"id\":1,\"epoch\":\"\(connection.stream.status.epoch)\"}\n")
        #expect(connection.stream.status.lastID == 1)
        #expect(try connection.exchange(.POST, "/events", headers: headers, body: ["again"]).body.hasPrefix("{\"id\":2,"))
        #expect(connection.channel.isActive)
    }

    @Test func aPublishWithoutTheTokenIs401AndTheUnreadBodyClosesTheConnection() throws {
        let connection = try Connection { $0.publishToken = "tok" }
        let answer = try connection.exchange(.POST, "/events", body: ["x"])
        #expect(answer.status == 401)
        #expect(answer.header("WWW-Authenticate") == "Bearer")
        #expect(answer.body == "publishing needs Authorization: Bearer <the -publish-token>\n")
        #expect(answer.header("Connection") == "close")
        #expect(!connection.channel.isActive)
        #expect(connection.stream.status.lastID == 0)
    }

    @Test func aPublishWithAWrongTokenIs401() throws {
        let connection = try Connection { $0.publishToken = "tok" }
        let answer = try connection.exchange(.POST, "/events", headers: ["Authorization": "Bearer nope", "Content-Length": "0"])
        #expect(answer.status == 401)
        // Nothing left unread: the connection stays.
        #expect(connection.channel.isActive)
    }

    @Test func aPublishWithNoTokenConfiguredIs403SayingHowToEnableIt() throws {
        let answer = try Connection().exchange(.POST, "/events", headers: ["Authorization": "Bearer tok"], body: ["x"])
        #expect(answer.status == 403)
        #expect(
            answer.body
                == "publishing is off: start the server with -publish-token TOKEN (or WSEVENT_PUBLISH_TOKEN) and send Authorization: Bearer TOKEN\n"
        )
    }

    @Test func aPublishToARelaysStreamIs409() throws {
        let relay = WireEventStream(path: "/events", source: .awaitingUpstream)
        relay.adoptUpstreamEpoch(Epoch("up")!, lastID: 0)
        let upstream = try #require(StreamURL("ws://127.0.0.1:8081/events"))
        let connection = try Connection(stream: relay, upstreams: [upstream]) { $0.publishToken = "tok" }
        let answer = try connection.exchange(.POST, "/events", headers: ["Authorization": "Bearer tok"], body: ["x"])
        #expect(answer.status == 409)
        #expect(answer.body == "/events relays its events from \(upstream): publish at the origin, whose ids these are\n")
    }

    @Test func aPublishDeclaredOverTheLimitIs413BeforeItsBody() throws {
        let connection = try Connection {
            $0.publishToken = "tok"
            $0.maxMessageSize = 8
        }
        try connection.channel.writeInbound(
            HTTPServerRequestPart.head(
                HTTPRequestHead(version: .http1_1, method: .POST, uri: "/events", headers: ["Authorization": "Bearer tok", "Content-Length": "9"])
            )
        )
        let answer = try #require(try connection.answer())
        #expect(answer.status == 413)
        #expect(answer.body == "the body is over -max-message-size (8 bytes)\n")
    }

    @Test func aChunkedBodyOverTheLimitIs413AndNothingIsPublished() throws {
        let connection = try Connection {
            $0.publishToken = "tok"
            $0.maxMessageSize = 8
        }
        let answer = try connection.exchange(.POST, "/events", headers: ["Authorization": "Bearer tok"], body: ["12345", "6789"])
        #expect(answer.status == 413)
        #expect(!connection.channel.isActive)
        #expect(connection.stream.status.lastID == 0)
    }

    // MARK: SSE

    @Test func anSSERequestGetsTheStreamHeadersThenTheRetryHintThenEvents() throws {
        let connection = try Connection()
        try connection.send(.GET, "/events", headers: ["Accept": "text/event-stream"])
        let answer = try #require(try connection.answer())
        #expect(answer.status == 200)
        #expect(answer.header("Content-Type") == "text/event-stream; charset=utf-8")
        #expect(answer.header("Cache-Control") == "no-cache")
        #expect(answer.header("X-Accel-Buffering") == "no")
        #expect(answer.body == "retry: 2000\n\n")
        #expect(!answer.ended)
        #expect(connection.stream.status.subscribers == 1)
        try connection.stream.publish(kind: .text, payload: ByteBuffer(string: "hi"))
        connection.loop.run()
        guard case .body(.byteBuffer(let event)) = try connection.channel.readOutbound(as: HTTPServerResponsePart.self) else {
            Issue.record("expected the event")
            return
        }
        #expect(String(buffer: event) == "id: \(connection.stream.status.epoch).1\ndata: hi\n\n")
    }
}
