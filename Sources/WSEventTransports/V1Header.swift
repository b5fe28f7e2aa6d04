import NIOCore
import WSEventStreams
import WSEventWebSocket

/// The header line that starts every `wsevent.v1` message, before `\n` and the payload.
public enum V1Header: Sendable, Hashable {
    /// First message: the stream's epoch and its last id at the time of subscribing.
    case hello(epoch: Epoch, lastID: UInt64)
    /// An event; the payload follows.
    case event(id: UInt64)
    /// Ids `first...last` are lost for this subscriber (`first == 0`: the epoch changed).
    case gap(first: UInt64, last: UInt64)

    /// The longest header line a parser accepts (an event's is at most 20 digits).
    public static let maxLineLength = 128

    /// The line, without its `\n`.
    public var line: String {
        switch self {
        case .hello(let epoch, let lastID): "hello \(epoch) \(lastID)"
        case .event(let id): String(id)
        case .gap(let first, let last): "gap \(first) \(last)"
        }
    }

    /// Splits a v1 message into its header and payload; `nil` when it has no valid header.
    public static func parse(_ message: ByteBuffer) -> (header: V1Header, payload: ByteBuffer)? {
        guard let newline = message.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else { return nil }
        let headerLength = newline - message.readerIndex
        guard headerLength <= maxLineLength, let line = message.getString(at: message.readerIndex, length: headerLength) else {
            return nil
        }
        let payload = message.getSlice(at: newline + 1, length: message.writerIndex - newline - 1)!
        let words = line.split(separator: " ", omittingEmptySubsequences: false)
        switch words.first {
        case "hello" where words.count == 3:
            guard let epoch = Epoch(String(words[1])), let last = UInt64(decimalDigits: words[2]) else { return nil }
            return (.hello(epoch: epoch, lastID: last), payload)
        case "gap" where words.count == 3:
            guard let first = UInt64(decimalDigits: words[1]), let last = UInt64(decimalDigits: words[2]), first <= last else {
                return nil
            }
            return (.gap(first: first, last: last), payload)
        default:
            guard words.count == 1, let id = UInt64(decimalDigits: line), id > 0 else { return nil }
            return (.event(id: id), payload)
        }
    }

    /// The header line and its `\n`, ready to prepend to a payload.
    func encoded() -> ByteBuffer {
        ByteBuffer(string: line + "\n")
    }
}
