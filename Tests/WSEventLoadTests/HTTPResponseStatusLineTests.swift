import NIOCore
import Testing

@testable import WSEventLoad

@Suite struct HTTPResponseStatusLineTests {
    @Test func readsTheStatusOnceTheHeadIsComplete() {
        let head = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n"
        #expect(HTTPResponseStatusLine.parse(ByteBuffer(string: String(head.dropLast(2)))) == nil)
        #expect(HTTPResponseStatusLine.parse(ByteBuffer(string: head + "\u{81}\u{0}")) == HTTPResponseStatusLine(code: 101, headLength: head.utf8.count))
        #expect(HTTPResponseStatusLine.parse(ByteBuffer(string: "HTTP/1.0 503 Service Unavailable\r\n\r\n"))?.code == 503)
    }

    @Test func garbageReadsAsCodeZero() {
        #expect(HTTPResponseStatusLine.parse(ByteBuffer(string: "SSH-2.0-OpenSSH\r\n\r\n"))?.code == 0)
        #expect(HTTPResponseStatusLine.parse(ByteBuffer(string: "HTTP/1.1 1O1 x\r\n\r\n"))?.code == 0)
    }
}
