import NIOCore

/// The status of an HTTP/1.1 response head, read from raw bytes (a WebSocket upgrade answer,
/// before any frame).
struct HTTPResponseStatusLine: Sendable, Equatable {
    /// `101`, `404`, `503`, ...
    var code: Int
    /// Bytes from the start of the response to the end of its blank line.
    var headLength: Int

    /// Parses the head at the start of `buffer`'s readable bytes; nil until its blank line has
    /// arrived. A head whose first line is not `HTTP/1.x NNN ...` reads as code 0.
    static func parse(_ buffer: ByteBuffer) -> HTTPResponseStatusLine? {
        let view = buffer.readableBytesView
        guard let end = view.firstRange(of: [13, 10, 13, 10]) else { return nil }
        let headLength = end.upperBound - view.startIndex
        let line = view[view.startIndex..<(view.firstIndex(of: 13) ?? end.lowerBound)]
        // "HTTP/1.1 101 Switching Protocols"
        let parts = line.split(separator: UInt8(ascii: " "), maxSplits: 2)
        guard parts.count >= 2, parts[0].starts(with: Array("HTTP/1.".utf8)), parts[1].count == 3,
            let code = Int(String(decoding: parts[1], as: UTF8.self))
        else { return HTTPResponseStatusLine(code: 0, headLength: headLength) }
        return HTTPResponseStatusLine(code: code, headLength: headLength)
    }
}
