import Foundation

/// A tiny NATS client for tests, speaking the text protocol on a ``RawSocket``: enough to
/// publish (with headers), to make a request (the JetStream API) and to subscribe. The product
/// uses nats.c; this exists so the tests publish exactly the bytes they mean, with nothing of
/// ours in between.
public final class NATSTestClient: @unchecked Sendable {
    private let socket: RawSocket
    private var buffer: [UInt8] = []
    private var nextInbox = 0

    /// Connects and does the handshake (INFO, CONNECT with headers on, PING/PONG).
    public init(port: Int) async throws {
        socket = try RawSocket(port: port, receiveTimeout: 10)
        _ = try await line()
        try await socket.send("CONNECT {\"verbose\":false,\"pedantic\":false,\"headers\":true,\"no_responders\":true,\"name\":\"wsevent-test\"}\r\nPING\r\n")
        try await expectPong()
    }

    /// Publishes `payload` on `subject` (with `headers`, if any) and waits until the server
    /// has it (a PING answered after it).
    public func publish(_ subject: String, _ payload: [UInt8], headers: [(String, String)] = []) async throws {
        try await socket.send(Self.frame(subject, reply: nil, payload, headers: headers) + Array("PING\r\n".utf8))
        try await expectPong()
    }

    public func publish(_ subject: String, _ text: String, headers: [(String, String)] = []) async throws {
        try await publish(subject, Array(text.utf8), headers: headers)
    }

    /// Sends a request and returns the reply's payload as text (the JetStream API's JSON).
    public func request(_ subject: String, _ payload: String = "", timeout: Double = 10) async throws -> String {
        nextInbox += 1
        let inbox = "_INBOX.wsevent_test.\(nextInbox)"
        try await socket.send("SUB \(inbox) \(nextInbox)\r\n" + String(decoding: Self.frame(subject, reply: inbox, Array(payload.utf8)), as: UTF8.self))
        return try await withTimeout(timeout, "the reply to \(subject)") { [self] in
            while true {
                let (reply, body) = try await message()
                if reply == inbox { return String(decoding: body, as: UTF8.self) }
            }
        }
    }

    /// Subscribes to `subject`; ``nextMessage()`` reads what arrives.
    public func subscribe(_ subject: String) async throws {
        nextInbox += 1
        try await socket.send("SUB \(subject) \(nextInbox)\r\nPING\r\n")
        try await expectPong()
    }

    /// The next message: its subject and payload.
    public func nextMessage() async throws -> (subject: String, payload: [UInt8]) {
        try await message()
    }

    private static func frame(_ subject: String, reply: String?, _ payload: [UInt8], headers: [(String, String)] = []) -> [UInt8] {
        let replyPart = reply.map { " \($0)" } ?? ""
        guard !headers.isEmpty else {
            return Array("PUB \(subject)\(replyPart) \(payload.count)\r\n".utf8) + payload + Array("\r\n".utf8)
        }
        let head = Array(("NATS/1.0\r\n" + headers.map { "\($0.0): \($0.1)\r\n" }.joined() + "\r\n").utf8)
        return Array("HPUB \(subject)\(replyPart) \(head.count) \(head.count + payload.count)\r\n".utf8) + head + payload + Array("\r\n".utf8)
    }

    private func expectPong() async throws {
        while true {
            let text = try await line()
            if text == "PONG" { return }
            if text.hasPrefix("-ERR") { throw TimedOut(what: "the NATS server's answer: \(text)") }
        }
    }

    /// Reads `MSG`/`HMSG` lines (answering the server's PINGs) until one arrives.
    private func message() async throws -> (subject: String, payload: [UInt8]) {
        while true {
            let text = try await line()
            if text == "PING" {
                try await socket.send("PONG\r\n")
                continue
            }
            let parts = text.split(separator: " ")
            if parts.first == "MSG", parts.count >= 4, let size = Int(parts.last!) {
                let body = try await bytes(size + 2)
                return (String(parts[1]), Array(body.dropLast(2)))
            }
            if parts.first == "HMSG", parts.count >= 5, let total = Int(parts.last!), let headerSize = Int(parts[parts.count - 2]) {
                let body = try await bytes(total + 2)
                return (String(parts[1]), Array(body[headerSize..<total]))
            }
        }
    }

    private func line() async throws -> String {
        while true {
            if let end = buffer.indices.dropFirst().first(where: { buffer[$0 - 1] == 13 && buffer[$0] == 10 }) {
                let text = String(decoding: buffer[..<(end - 1)], as: UTF8.self)
                buffer.removeFirst(end + 1)
                return text
            }
            try await fill()
        }
    }

    private func bytes(_ count: Int) async throws -> [UInt8] {
        while buffer.count < count { try await fill() }
        defer { buffer.removeFirst(count) }
        return Array(buffer[..<count])
    }

    private func fill() async throws {
        let chunk = try await socket.receive()
        if chunk.isEmpty { throw TimedOut(what: "the NATS server closed the connection") }
        buffer += chunk
    }
}
