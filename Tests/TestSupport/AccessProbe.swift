/// How a server answers a subscribe (WebSocket upgrade or SSE) or a publish, for tests of who
/// may do what: the status, headers and body of the answer. A subscription that is let in is
/// closed at once (its status is all that is looked at).
public enum AccessProbe {
    /// How the request is made.
    public enum Transport: String, Sendable, CaseIterable, CustomStringConvertible {
        case webSocket, sse, publish
        public var description: String { rawValue }
    }

    /// The answer to `transport` on `target` (a path with its query) with `headers`.
    public static func answer(port: Int, _ transport: Transport, _ target: String, headers: [String: String] = [:]) async throws -> HTTPExchange {
        switch transport {
        case .publish:
            return try await HTTPExchange.send(
                port: port,
                "POST",
                target,
                headers: headers.merging(["Content-Type": "text/plain"]) { mine, _ in mine },
                body: Array("hello".utf8)
            )
        case .webSocket:
            let socket = try RawSocket(port: port)
            let extra = headers.map { "\($0.key): \($0.value)\r\n" }.joined()
            let (head, rest) = try await socket.upgrade(target, protocols: ["wsevent.v1"], extraHeaders: extra)
            // A refusal's body follows its head; after a 101 come frames, not read here.
            let answer = head.hasPrefix("HTTP/1.1 101") ? HTTPExchange.parse(head: head, body: []) : try await HTTPExchange.completing(head: head, rest: rest, on: socket).answer
            socket.shutdownWrite()
            return answer
        case .sse:
            let socket = try RawSocket(port: port)
            var request = "GET \(target) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nAccept: text/event-stream\r\n"
            for (name, value) in headers { request += "\(name): \(value)\r\n" }
            try await socket.send(request + "\r\n")
            let answer = try await HTTPExchange.receive(on: socket)
            socket.shutdownWrite()
            return answer
        }
    }
}
