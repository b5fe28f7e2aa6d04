import NIOCore
import NIOWebSocket

/// Reassembles fragmented data frames into messages and enforces the message size limit.
/// Pure value logic: the protocol handler feeds it frames and acts on what it returns.
public struct MessageAssembler: Sendable {
    /// What one data frame led to.
    public enum Outcome: Sendable, Equatable {
        /// A fragment was stored; the message is not complete yet.
        case needMore
        /// The frame completed this message.
        case message(WebSocketMessage)
        /// The peer broke a rule; close the connection with this code.
        case fail(WebSocketErrorCode)
    }

    /// The largest message, in payload bytes summed over its fragments, that is accepted.
    public let maxMessageSize: Int
    private var partial: WebSocketMessage?

    /// An assembler with no message in progress.
    public init(maxMessageSize: Int) {
        self.maxMessageSize = maxMessageSize
    }

    /// Feeds one data frame (`text`, `binary` or `continuation`).
    public mutating func receive(opcode: WebSocketOpcode, fin: Bool, data: ByteBuffer) -> Outcome {
        switch opcode {
        case .text, .binary:
            // A new message may not start while a fragmented one is still open.
            guard partial == nil else { return .fail(.protocolError) }
            guard data.readableBytes <= maxMessageSize else { return .fail(.messageTooLarge) }
            var message = WebSocketMessage(kind: opcode == .text ? .text : .binary, data: data)
            if fin { return complete(message) }
            // A fragmented message gets storage of its own (not the frame's, which may pin a
            // larger read buffer), with room to double. From there ByteBuffer grows by powers
            // of two, so the copies add up to linear time. Reserving the whole limit up front
            // instead would let every peer make us hold `maxMessageSize` for a few bytes sent.
            let size = data.readableBytes
            message.data.reserveCapacity(minimumWritableBytes: min(max(size, 4096), maxMessageSize - size))
            partial = message
            return .needMore
        case .continuation:
            // Take the message out of `partial` rather than copy it: a second reference to
            // its storage would make the append below copy the whole message so far, for
            // every fragment, which is quadratic.
            guard var message = partial.take() else { return .fail(.protocolError) }
            guard message.data.readableBytes + data.readableBytes <= maxMessageSize else {
                return .fail(.messageTooLarge)
            }
            message.data.writeImmutableBuffer(data)
            if fin {
                partial = nil
                return complete(message)
            }
            partial = message
            return .needMore
        default:
            return .fail(.protocolError)
        }
    }

    private func complete(_ message: WebSocketMessage) -> Outcome {
        if message.kind == .text, !message.data.isValidUTF8 {
            return .fail(.dataInconsistentWithMessage)
        }
        return .message(message)
    }
}
