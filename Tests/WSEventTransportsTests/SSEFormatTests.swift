import NIOCore
import Testing

import WSEventCore
@testable import WSEventTransports

@Suite struct SSEFormatTests {
    let epoch = Epoch("ep")!

    func encode(_ text: String) -> String {
        String(buffer: SSEFormat.event(epoch: epoch, id: 7, kind: .text, payload: ByteBuffer(string: text), allocator: ByteBufferAllocator()))
    }

    @Test func eachLineBecomesADataLine() {
        #expect(encode("one") == "id: ep.7\ndata: one\n\n")
        #expect(encode("a\nb") == "id: ep.7\ndata: a\ndata: b\n\n")
        #expect(encode("a\r\nb\rc") == "id: ep.7\ndata: a\ndata: b\ndata: c\n\n")
        #expect(encode("ends\n") == "id: ep.7\ndata: ends\ndata: \n\n")
        #expect(encode("") == "id: ep.7\ndata: \n\n")
    }

    @Test func binaryIsBase64() {
        let bytes = SSEFormat.event(epoch: epoch, id: 1, kind: .binary, payload: ByteBuffer(bytes: [0, 1, 2, 255]), allocator: ByteBufferAllocator())
        #expect(String(buffer: bytes) == "id: ep.1\nevent: binary\ndata: AAEC/w==\n\n")
        #expect(Base64.decode("AAEC/w==") == [0, 1, 2, 255])
        #expect(Base64.decode("AAEC/w") == [0, 1, 2, 255])
        #expect(Base64.decode("a b") == nil)
    }

    @Test func whatEventSourceReadsBackIsThePayload() throws {
        for payload in ["plain", "two\nlines", "crlf\r\nline", "trailing\n", "", "\n\n"] {
            var parser = SSEParser()
            let messages = try parser.feed(encode(payload).utf8)
            let expected = payload.replacing("\r\n", with: "\n")
            #expect(messages == [SSEParser.Message(event: "message", data: expected, id: "ep.7")], "\(payload.debugDescription)")
        }
    }

    @Test func lastEventIDParsing() {
        #expect(SSEFormat.resumePoint(lastEventID: "abc.42") == ResumePoint(since: 42, epoch: Epoch("abc")!))
        #expect(SSEFormat.resumePoint(lastEventID: "42") == ResumePoint(since: 42, epoch: nil))
        #expect(SSEFormat.resumePoint(lastEventID: "abc.") == nil)
        #expect(SSEFormat.resumePoint(lastEventID: "a.b.1") == nil)
        #expect(SSEFormat.resumePoint(lastEventID: "a b.1") == nil)
        // Decimal digits only: a sign or a space is not an id.
        for text in ["+42", "abc.+42", "-0", "abc.-0", " 42", "abc. 42", "4_2", "abc.18446744073709551616"] {
            #expect(SSEFormat.resumePoint(lastEventID: text) == nil, "\(text)")
        }
        #expect(SSEFormat.resumePoint(lastEventID: "abc.18446744073709551615") == ResumePoint(since: .max, epoch: Epoch("abc")!))
    }

    @Test func parserHandlesCommentsRetryAndSplitInput() throws {
        var parser = SSEParser()
        var messages = try parser.feed(Array("retry: 2000\n\n:\n\nid: e.1\nevent: gap\nda".utf8))
        #expect(messages.isEmpty)
        #expect(parser.retry == 2000)
        messages = try parser.feed(Array("ta: {\"first\":1,\"last\":2}\r\n\r\n".utf8))
        #expect(messages == [SSEParser.Message(event: "gap", data: "{\"first\":1,\"last\":2}", id: "e.1")])
    }
}
