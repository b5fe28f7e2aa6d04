import NIOCore
import NIOWebSocket

/// The payload of a close frame (RFC 6455 §5.5.1): nothing, or a 2-byte code and a UTF-8 reason.
/// Pure value logic, tested without I/O.
struct CloseFramePayload: Equatable {
    /// The longest reason that fits a control frame (125 bytes) after the code.
    static let maxReasonBytes = 123

    /// `nil`: the frame had no payload (which RFC 6455 reports as 1005, never sent).
    var code: WebSocketErrorCode?
    var reason: String

    init(code: WebSocketErrorCode?, reason: String = "") {
        self.code = code
        self.reason = reason
    }

    /// Reads a peer's close frame; a malformed one is a violation to close the connection with:
    /// 1002 for a 1-byte payload or a code that may not be on the wire, 1007 for a reason that
    /// is not UTF-8.
    static func parse(_ data: ByteBuffer) -> Result<CloseFramePayload, WebSocketError> {
        var data = data
        guard data.readableBytes > 0 else { return .success(CloseFramePayload(code: nil)) }
        guard let number = data.readInteger(as: UInt16.self) else {
            return .failure(.violation(.protocolError, "a close frame with a 1-byte payload"))
        }
        let code = WebSocketErrorCode(codeNumber: Int(number))
        guard code.isAllowedOnWire else {
            return .failure(.violation(.protocolError, "a close frame with the invalid code \(number)"))
        }
        guard data.isValidUTF8 else {
            return .failure(.violation(.dataInconsistentWithMessage, "a close reason that is not UTF-8"))
        }
        return .success(CloseFramePayload(code: code, reason: String(buffer: data)))
    }

    /// The bytes of this close frame's payload. The reason is cut to fit, at a character boundary.
    func encoded(allocator: ByteBufferAllocator) -> ByteBuffer {
        guard let code else { return allocator.buffer(capacity: 0) }
        var buffer = allocator.buffer(capacity: 2 + Self.maxReasonBytes)
        buffer.write(webSocketErrorCode: code)
        buffer.writeString(String(Self.fitted(reason)))
        return buffer
    }

    /// `reason` shortened to at most ``maxReasonBytes`` UTF-8 bytes without splitting a character.
    static func fitted(_ reason: String) -> Substring {
        var end = reason.startIndex
        var bytes = 0
        for index in reason.indices {
            let next = reason.index(after: index)
            bytes += reason.utf8.distance(from: index, to: next)
            guard bytes <= maxReasonBytes else { break }
            end = next
        }
        return reason[..<end]
    }
}
