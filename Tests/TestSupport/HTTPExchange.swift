import WSEventCore

/// One HTTP/1.1 request over a raw socket, answered and closed: enough for tests of status
/// lines, headers and small bodies.
public struct HTTPExchange: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: String

    /// Sends `method path` with `Connection: close` and reads the whole answer.
    public static func send(
        port: Int,
        _ method: String,
        _ path: String,
        headers: [String: String] = [:],
        body: [UInt8] = []
    ) async throws -> HTTPExchange {
        let socket = try RawSocket(port: port)
        var request = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        if !body.isEmpty || method == "POST" { request += "Content-Length: \(body.count)\r\n" }
        request += "\r\n"
        try await socket.send(Array(request.utf8) + body)
        let (head, rest) = try await socket.receiveHTTPHead()
        let remaining = await socket.receiveAll()
        return parse(head: head, body: rest + remaining)
    }

    /// Reads one response framed by `Content-Length` (none means an empty body) off a socket
    /// that stays open, e.g. one answer among several on a kept-alive connection. `leftover`
    /// are bytes already read past the previous response.
    public static func receive(on socket: RawSocket, after leftover: [UInt8] = []) async throws -> HTTPExchange {
        try await receiveKeepingRest(on: socket, after: leftover).answer
    }

    /// As ``receive(on:after:)``, and the bytes read past this response (the start of the
    /// next one, when responses to pipelined requests arrive together).
    public static func receiveKeepingRest(on socket: RawSocket, after leftover: [UInt8] = []) async throws -> (answer: HTTPExchange, rest: [UInt8]) {
        let (head, rest) = try await socket.receiveHTTPHead(after: leftover)
        var answer = parse(head: head, body: [])
        let length = answer.header("Content-Length").flatMap { Int($0) } ?? 0
        var body = rest
        while body.count < length {
            let chunk = try await socket.receive()
            guard !chunk.isEmpty else { break }
            body += chunk
        }
        answer.body = String(decoding: body.prefix(length), as: UTF8.self)
        return (answer, Array(body.dropFirst(length)))
    }

    static func parse(head: String, body: [UInt8]) -> HTTPExchange {
        var lines = head.split(separator: "\r\n")
        let statusLine = lines.isEmpty ? "" : lines.removeFirst()
        let status = statusLine.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = String(line[line.index(after: colon)...].drop { $0 == " " })
        }
        return HTTPExchange(status: status, headers: headers, body: String(decoding: body, as: UTF8.self))
    }

    public func header(_ name: String) -> String? { headers[name.lowercased()] }
}

/// An SSE subscription over a raw socket, for tests.
public final class SSETestClient: @unchecked Sendable {
    public let socket: RawSocket
    public let head: HTTPExchange
    private var parser = SSEParser()
    private var rest: [UInt8]

    /// Opens `GET path` with `Accept: text/event-stream` and reads the response head.
    public init(port: Int, _ path: String, headers: [String: String] = [:]) async throws {
        socket = try RawSocket(port: port)
        var request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nAccept: text/event-stream\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        try await socket.send(request + "\r\n")
        let (headText, rest) = try await socket.receiveHTTPHead()
        head = HTTPExchange.parse(head: headText, body: [])
        self.rest = rest
    }

    /// Reads until `count` events (any `event:` type) have been parsed, or the stream ends.
    public func next(_ count: Int) async throws -> [SSEParser.Message] {
        var messages = try parser.feed(decodeChunks())
        while messages.count < count {
            let chunk = try await socket.receive()
            guard !chunk.isEmpty else { break }
            rest += chunk
            messages += try parser.feed(decodeChunks())
        }
        return messages
    }

    /// Strips HTTP chunked framing from what has arrived, keeping an incomplete chunk.
    private func decodeChunks() -> [UInt8] {
        var output: [UInt8] = []
        var index = 0
        while let lineEnd = rest[index...].firstRange(of: [13, 10]) {
            let sizeText = String(decoding: rest[index..<lineEnd.lowerBound], as: UTF8.self)
            guard let size = Int(sizeText.split(separator: ";").first ?? "", radix: 16) else { break }
            let start = lineEnd.upperBound
            guard start + size + 2 <= rest.count else { break }
            output += rest[start..<(start + size)]
            index = start + size + 2
        }
        rest.removeFirst(index)
        return output
    }
}
