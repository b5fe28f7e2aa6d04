import NIOCore
import WSEventStreams
import WSEventWebSocket

/// Server-Sent Events as this server writes them (the `text/event-stream` format of the HTML
/// standard), and the `Last-Event-ID` it reads back.
///
/// An event is `id: <epoch>.<id>`, one `data:` line per line of the payload (CR, LF and CRLF
/// all end a line; EventSource joins them with LF again), and a blank line. Binary payloads
/// travel as `event: binary` with one base64 `data:` line.
package enum SSEFormat {
    /// The `id` field of an event: `<epoch>.<id>`.
    package static func eventID(epoch: Epoch, id: UInt64) -> String {
        "\(epoch).\(id)"
    }

    /// Parses a `Last-Event-ID` (or `last_event_id` parameter) into a resume point.
    /// `<epoch>.<id>` is what this server sends; a bare `<id>` means the current epoch. The id
    /// is decimal digits only (``Swift/UInt64/init(decimalDigits:)``).
    package static func resumePoint(lastEventID text: String) -> ResumePoint? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        switch parts.count {
        case 1:
            return UInt64(decimalDigits: text).map { ResumePoint(since: $0, epoch: nil) }
        case 2:
            guard let epoch = Epoch(String(parts[0])), let id = UInt64(decimalDigits: parts[1]) else { return nil }
            return ResumePoint(since: id, epoch: epoch)
        default:
            return nil
        }
    }

    /// One complete event, ready to write.
    package static func event(epoch: Epoch, id: UInt64, kind: EventKind, payload: ByteBuffer, allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: payload.readableBytes + 48)
        buffer.writeString("id: \(eventID(epoch: epoch, id: id))\n")
        switch kind {
        case .text:
            writeDataLines(payload, to: &buffer)
        case .binary:
            buffer.writeString("event: binary\ndata: ")
            buffer.writeString(Base64.encode(payload.readableBytesView))
            buffer.writeString("\n")
        }
        buffer.writeString("\n")
        return buffer
    }

    /// `event: gap` with `{"first":F,"last":L}`: events the server could not replay.
    package static func gap(first: UInt64, last: UInt64) -> ByteBuffer {
        ByteBuffer(string: "event: gap\ndata: {\"first\":\(first),\"last\":\(last)}\n\n")
    }

    /// The reconnection delay hint, sent first.
    package static func retry(milliseconds: Int) -> ByteBuffer {
        ByteBuffer(string: "retry: \(milliseconds)\n\n")
    }

    /// A comment line: keeps proxies from timing the stream out; EventSource ignores it.
    package static let heartbeat = ByteBuffer(string: ":\n\n")

    private static func writeDataLines(_ payload: ByteBuffer, to buffer: inout ByteBuffer) {
        let bytes = payload.readableBytesView
        var lineStart = bytes.startIndex
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                buffer.writeString("data: ")
                buffer.writeBytes(bytes[lineStart..<index])
                buffer.writeString("\n")
                if byte == UInt8(ascii: "\r"), bytes.index(after: index) < bytes.endIndex,
                    bytes[bytes.index(after: index)] == UInt8(ascii: "\n")
                {
                    index = bytes.index(after: index)
                }
                lineStart = bytes.index(after: index)
            }
            index = bytes.index(after: index)
        }
        buffer.writeString("data: ")
        buffer.writeBytes(bytes[lineStart..<bytes.endIndex])
        buffer.writeString("\n")
    }
}

/// Standard base64 (RFC 4648) with padding, for binary SSE payloads.
package enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let values: [UInt8: UInt8] = Dictionary(uniqueKeysWithValues: alphabet.enumerated().map { ($1, UInt8($0)) })

    package static func encode<Bytes: Collection>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        let bytes = Array(bytes)
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let count = min(3, bytes.count - index)
            let b0 = bytes[index]
            let b1 = count > 1 ? bytes[index + 1] : 0
            let b2 = count > 2 ? bytes[index + 2] : 0
            output.append(alphabet[Int(b0 >> 2)])
            output.append(alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)])
            output.append(count > 1 ? alphabet[Int((b1 & 0x0F) << 2 | b2 >> 6)] : UInt8(ascii: "="))
            output.append(count > 2 ? alphabet[Int(b2 & 0x3F)] : UInt8(ascii: "="))
            index += 3
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Decodes padded or unpadded base64; `nil` on any other character.
    package static func decode(_ text: String) -> [UInt8]? {
        var output: [UInt8] = []
        var accumulator: UInt32 = 0
        var bits = 0
        for byte in text.utf8 where byte != UInt8(ascii: "=") {
            guard let value = values[byte] else { return nil }
            accumulator = accumulator << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                output.append(UInt8((accumulator >> UInt32(bits)) & 0xFF))
            }
        }
        return output
    }
}
