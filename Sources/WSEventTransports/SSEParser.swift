/// Reads a `text/event-stream` incrementally, as EventSource does: fields per line, an event
/// dispatched at each blank line, comments ignored. Pure logic, fed with whatever bytes arrive.
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

    private var pending: [UInt8] = []
    private var event = ""
    private var data: [String] = []
    private var hasData = false
    private(set) public var lastEventID: String?
    /// The last `retry` value, in milliseconds.
    private(set) public var retry: Int?

    public init() {}

    /// Feeds bytes; returns the events they complete.
    public mutating func feed<Bytes: Sequence>(_ bytes: Bytes) -> [Message] where Bytes.Element == UInt8 {
        var messages: [Message] = []
        for byte in bytes {
            if byte == UInt8(ascii: "\n") {
                if pending.last == UInt8(ascii: "\r") { pending.removeLast() }
                if let message = line(pending) { messages.append(message) }
                pending.removeAll(keepingCapacity: true)
            } else {
                pending.append(byte)
            }
        }
        return messages
    }

    private mutating func line(_ bytes: [UInt8]) -> Message? {
        if bytes.isEmpty {
            defer {
                event = ""
                data = []
                hasData = false
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
        case "event": event = String(value)
        case "data":
            data.append(String(value))
            hasData = true
        case "id": if !value.contains("\0") { lastEventID = String(value) }
        case "retry": if let milliseconds = Int(value) { retry = milliseconds }
        default: break
        }
        return nil
    }
}
