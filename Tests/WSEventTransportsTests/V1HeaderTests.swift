import NIOCore
import Testing

import WSEventCore
@testable import WSEventTransports

@Suite struct V1HeaderTests {
    @Test func linesAreAsSpecified() {
        #expect(V1Header.hello(epoch: Epoch("abc")!, lastID: 42).line == "hello abc 42")
        #expect(V1Header.event(id: 7).line == "7")
        #expect(V1Header.gap(first: 3, last: 9).line == "gap 3 9")
    }

    @Test func parsesHeaderAndPayload() throws {
        let (header, payload) = try #require(V1Header.parse(ByteBuffer(string: "12\nhello\nworld")))
        #expect(header == .event(id: 12))
        #expect(String(buffer: payload) == "hello\nworld")
        #expect(V1Header.parse(ByteBuffer(string: "hello ep 3\n"))?.header == .hello(epoch: Epoch("ep")!, lastID: 3))
        #expect(V1Header.parse(ByteBuffer(string: "gap 0 5\n"))?.header == .gap(first: 0, last: 5))
        #expect(V1Header.parse(ByteBuffer(string: "5\n"))?.payload.readableBytes == 0)
    }

    @Test func roundTrips() {
        for header in [V1Header.hello(epoch: .random(), lastID: 0), .event(id: UInt64.max), .gap(first: 1, last: 1)] {
            #expect(V1Header.parse(ByteBuffer(string: header.line + "\npayload"))?.header == header)
        }
    }

    @Test func rejectsMalformedHeaders() {
        for text in ["no newline", "abc\n", "0\n", "-1\n", "hello\n", "hello a\n", "gap 5 2\n", "gap 1\n", " 5\n", "5 \n",
            // Ids are decimal digits only: no sign, however Swift's integer parsing would take it.
            "+5\n", "hello ep +3\n", "gap +1 2\n", "gap 1 +2\n"] {
            #expect(V1Header.parse(ByteBuffer(string: text)) == nil, "\(text.debugDescription)")
        }
    }
}
