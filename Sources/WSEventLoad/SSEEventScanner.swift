import NIOCore

/// Finds the events in an SSE response body (already de-chunked), in place, and decodes the
/// ``PayloadHeader`` at the start of each event's first `data:` line. Comments (heartbeats),
/// `id:`, `event:` and `retry:` lines are skipped; an event is dispatched at the blank line
/// that ends it, as an EventSource does. Only a line split across reads is kept (and copied).
package struct SSEEventScanner: Sendable {
    /// A line longer than ``maxLineBytes`` without its end.
    package struct LineTooLong: Error, CustomStringConvertible {
        package var description: String { "an SSE line over the load generator's limit" }
    }

    /// What the event being read has so far.
    private var sawData = false
    private var header: PayloadHeader?
    private var pending = ByteBuffer()
    package let maxLineBytes: Int

    package init(maxLineBytes: Int = 16 << 20) {
        self.maxLineBytes = maxLineBytes
    }

    /// Scans `incoming` and calls `body` once per complete event with data: with its decoded
    /// header, or nil when its first data line does not start with one.
    package mutating func scan(_ incoming: ByteBuffer, _ body: (PayloadHeader?) throws -> Void) throws {
        var buffer = ByteBuffer.joining(&pending, incoming)
        let consumed = try buffer.withUnsafeReadableBytes { bytes -> Int in
            var start = 0
            var index = 0
            let newline = UInt8(ascii: "\n")
            while index < bytes.count {
                if bytes[index] != newline {
                    index += 1
                    continue
                }
                var end = index
                if end > start, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                try line(UnsafeRawBufferPointer(rebasing: bytes[start..<end]), body)
                index += 1
                start = index
            }
            return start
        }
        buffer.moveReaderIndex(forwardBy: consumed)
        if buffer.readableBytes > 0 {
            guard buffer.readableBytes <= maxLineBytes else { throw LineTooLong() }
            pending = ByteBuffer(buffer.readableBytesView)
        }
    }

    private mutating func line(_ line: UnsafeRawBufferPointer, _ body: (PayloadHeader?) throws -> Void) throws {
        if line.isEmpty {
            if sawData { try body(header) }
            sawData = false
            header = nil
            return
        }
        // "data:" then an optional space, then the value.
        guard line.count >= 5, line[0] == UInt8(ascii: "d"), line[1] == UInt8(ascii: "a"),
            line[2] == UInt8(ascii: "t"), line[3] == UInt8(ascii: "a"), line[4] == UInt8(ascii: ":")
        else { return }
        guard !sawData else { return }  // a later data line of the same event
        sawData = true
        var valueStart = 5
        if line.count > 5, line[5] == UInt8(ascii: " ") { valueStart = 6 }
        header = PayloadHeader.decode(UnsafeRawBufferPointer(rebasing: line[valueStart...]))
    }
}
