/// Reads a `text/event-stream` incrementally, as EventSource does: fields per line, an event
/// dispatched at each blank line, comments ignored. Pure logic, fed with whatever bytes arrive.
///
/// Bounded: what it holds for the event being read (its `data` and `event` fields so far and the
/// line not yet ended) may not pass ``maxEventBytes``; bytes that would pass it are refused with
/// ``TooLarge``, so a server that never ends a line or an event cannot make a client hold it.
public struct SSEParser: Sendable {
    /// One dispatched event.
    public struct Message: Sendable, Hashable {
        public var event: String
        public var data: String
        /// The last `id` field seen so far (as EventSource keeps it).
        public var id: String?

        public init(event: String, data: String, id: String?) {
            self.event = event
            self.data = data
            self.id = id
        }
    }

    /// A line or event past ``SSEParser/maxEventBytes``; the parser takes nothing more after it.
    public struct TooLarge: Error, Sendable, CustomStringConvertible {
        public let limit: Int
        public var description: String { "a line or event larger than the \(limit)-byte limit" }
    }

    /// The most bytes one event (or one line) may hold.
    public let maxEventBytes: Int
    private var pending: [UInt8] = []
    private var event = ""
    private var data: [String] = []
    private var hasData = false
    /// The bytes of `data` and `event`, counted as they are kept.
    private var heldBytes = 0
    private var failed = false
    private(set) public var lastEventID: String?
    /// The last `retry` value, in milliseconds.
    private(set) public var retry: Int?

    /// - Parameter maxEventBytes: see ``maxEventBytes(forMessageSize:)`` to derive it from the
    ///   largest payload a client takes.
    public init(maxEventBytes: Int = SSEParser.maxEventBytes(forMessageSize: 1 << 20)) {
        self.maxEventBytes = maxEventBytes
    }

    /// What an event whose payload is at most `messageSize` bytes can take on the wire: a binary
    /// payload travels as base64 (4 bytes for every 3), plus room for the field names.
    public static func maxEventBytes(forMessageSize messageSize: Int) -> Int {
        (messageSize / 3 + 1) * 4 + 1024
    }

    /// Feeds bytes; returns the events they complete.
    /// - Throws: ``TooLarge`` once the event being read passes ``maxEventBytes``, and again on
    ///   every later call.
    public mutating func feed<Bytes: Collection>(_ bytes: Bytes) throws -> [Message] where Bytes.Element == UInt8 {
        guard !failed else { throw TooLarge(limit: maxEventBytes) }
        var messages: [Message] = []
        var start = bytes.startIndex
        while let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) {
            try hold(bytes[start..<newline])
            if pending.last == UInt8(ascii: "\r") { pending.removeLast() }
            if let message = line(pending) { messages.append(message) }
            // A long line's room is not kept for the short ones that follow.
            pending.removeAll(keepingCapacity: pending.count <= 4096)
            start = bytes.index(after: newline)
        }
        try hold(bytes[start...])
        return messages
    }

    /// Adds `bytes` to the line being read, within the bound.
    private mutating func hold<Bytes: Collection>(_ bytes: Bytes) throws where Bytes.Element == UInt8 {
        guard heldBytes + pending.count + bytes.count <= maxEventBytes else {
            failed = true
            pending = []
            data = []
            throw TooLarge(limit: maxEventBytes)
        }
        pending.append(contentsOf: bytes)
    }

    private mutating func line(_ bytes: [UInt8]) -> Message? {
        if bytes.isEmpty {
            defer {
                event = ""
                data = []
                hasData = false
                heldBytes = 0
            }
            guard hasData else { return nil }
            return Message(event: event.isEmpty ? "message" : event, data: data.joined(separator: "\n"), id: lastEventID)
        }
        if bytes.first == UInt8(ascii: ":") { return nil }
        let text = String(decoding: bytes, as: UTF8.self)
        let name: Substring
        var value: Substring
        if let colon = text.firstIndex(of: ":") {
            name = text[..<colon]
            value = text[text.index(after: colon)...]
            if value.first == " " { value = value.dropFirst() }
        } else {
            name = Substring(text)
            value = ""
        }
        switch name {
        case "event":
            heldBytes += value.utf8.count - event.utf8.count
            event = String(value)
        case "data":
            data.append(String(value))
            heldBytes += value.utf8.count + 1
            hasData = true
        case "id": if !value.contains("\0") { lastEventID = String(value) }
        case "retry": if let milliseconds = Int(value) { retry = milliseconds }
        default: break
        }
        return nil
    }
}
