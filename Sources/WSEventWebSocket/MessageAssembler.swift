import NIOCore
import NIOWebSocket

/// Reassembles fragmented data frames into messages, enforces the message size limit and
/// checks text as UTF-8 fragment by fragment.
/// Pure value logic: the protocol handler feeds it frames and acts on what it returns.
public struct MessageAssembler: Sendable {
    /// What one data frame led to.
    public enum Outcome: Sendable, Equatable {
        /// A fragment was stored; the message is not complete yet.
        case needMore
        /// The frame completed this message.
        case message(WebSocketMessage)
        /// The peer broke a rule: close the connection with `code`. `reason` says which rule,
        /// in a few words for the log.
        case fail(code: WebSocketErrorCode, reason: String)
    }

    /// The largest message, in payload bytes summed over its fragments, that is accepted.
    public let maxMessageSize: Int
    /// The fragmented message in progress, if any.
    private var partial: WebSocketMessage?
    /// Where the text in progress stands as UTF-8, carried from one fragment to the next.
    private var utf8 = UTF8Validator()

    /// An assembler with no message in progress.
    public init(maxMessageSize: Int) {
        self.maxMessageSize = maxMessageSize
    }

    /// Feeds one data frame (`text`, `binary` or `continuation`). After a `.fail` the
    /// assembler holds no message and the connection is expected to close.
    public mutating func receive(opcode: WebSocketOpcode, fin: Bool, data: ByteBuffer) -> Outcome {
        var message: WebSocketMessage
        switch opcode {
        case .text, .binary:
            guard partial == nil else {
                return fail(.protocolError, "a new message before the fragmented one ended")
            }
            message = WebSocketMessage(kind: opcode == .text ? .text : .binary, data: ByteBuffer())
            utf8 = UTF8Validator()
        case .continuation:
            // Take the message out of `partial` rather than copy it: a second reference to
            // its storage would make the append below copy the whole message so far, for
            // every fragment, which is quadratic.
            guard let open = partial.take() else {
                return fail(.protocolError, "a continuation frame with no message to continue")
            }
            message = open
        default:
            return fail(.protocolError, "a frame that is not text, binary or continuation")
        }
        guard message.data.readableBytes + data.readableBytes <= maxMessageSize else {
            return fail(.messageTooLarge, "a message larger than the \(maxMessageSize)-byte limit")
        }
        if message.kind == .text {
            // Checked before the fragment is kept, so a bad fragment fails at once.
            guard utf8.feed(data) == nil else {
                return fail(.dataInconsistentWithMessage, "invalid UTF-8 in a text message")
            }
            guard !fin || utf8.isComplete else {
                return fail(.dataInconsistentWithMessage, "a text message that ends inside a UTF-8 character")
            }
        }
        append(data, to: &message.data, fin: fin)
        if fin { return .message(message) }
        partial = message
        return .needMore
    }

    private func append(_ fragment: ByteBuffer, to data: inout ByteBuffer, fin: Bool) {
        guard data.readableBytes == 0 else {
            data.writeImmutableBuffer(fragment)
            return
        }
        // The first frame: a whole message keeps the frame's bytes, no copy.
        data = fragment
        guard !fin else { return }
        // A fragmented one gets storage of its own (not the frame's, which may pin a larger
        // read buffer), with room to double. From there ByteBuffer grows by powers of two,
        // so the copies add up to linear time. Reserving the whole limit up front instead
        // would let every peer make us hold `maxMessageSize` for a few bytes sent.
        let room = max(fragment.readableBytes, 4096)
        data.reserveCapacity(minimumWritableBytes: min(room, maxMessageSize - fragment.readableBytes))
    }

    /// Forgets the message in progress and reports the broken rule.
    private mutating func fail(_ code: WebSocketErrorCode, _ reason: String) -> Outcome {
        partial = nil
        utf8 = UTF8Validator()
        return .fail(code: code, reason: reason)
    }
}
