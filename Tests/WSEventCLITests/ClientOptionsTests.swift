import NIOCore
import Testing
import WSEventCLI
import WSEventCore

@Suite struct ClientOptionsTests {
    @Test func portAndPathLikeTheSeedsScript() throws {
        #expect(try ClientOptions.parse([]).url().description == "ws://127.0.0.1:8080/events")
        #expect(try ClientOptions.parse(["80"]).url().description == "ws://127.0.0.1:80/events")
        #expect(try ClientOptions.parse(["9999", "the-end"]).url().description == "ws://127.0.0.1:9999/the-end")
        #expect(try ClientOptions.parse(["ws://h:1/x"]).url().description == "ws://h:1/x")
        #expect(try ClientOptions.parse(["localhost:8080/events"]).url().description == "ws://localhost:8080/events")
        #expect(try ClientOptions.parse([":8080/events"]).url().address.host == "127.0.0.1")
    }

    /// An `http://` URL subscribes with SSE, as `--sse` does with any other.
    @Test func sseByURLOrFlag() throws {
        #expect(try ClientOptions.parse(["http://h:1/x"]).url().transport == .sse)
        #expect(try ClientOptions.parse(["https://h/x"]).url().description == "https://h:443/x")
        #expect(try ClientOptions.parse(["9999", "--sse"]).url().description == "http://127.0.0.1:9999/events")
        #expect(try ClientOptions.parse(["ws://h:1/x"]).url().transport == .webSocket)
        #expect(throws: (any Error).self) { try ClientOptions.parse(["http://h:1/x", "--plain"]) }
    }

    @Test func resumeOptions() throws {
        let options = try ClientOptions.parse(["--since", "5", "--epoch", "abc", "--count", "3", "--json"])
        #expect(try options.resumePoint() == ResumePoint(since: 5, epoch: Epoch("abc")!))
        #expect(options.count == 3)
        #expect(options.json)
        #expect(throws: (any Error).self) { try ClientOptions.parse(["--epoch", "abc"]) }
        #expect(throws: (any Error).self) { try ClientOptions.parse(["--count", "0"]) }
        #expect(throws: (any Error).self) { try ClientOptions.parse(["notaport"]) }
    }

    @Test func rawIsForPayloadsNotJSON() throws {
        #expect(try ClientOptions.parse([]).raw == false)
        #expect(try ClientOptions.parse(["--raw"]).raw)
        #expect(throws: (any Error).self) { try ClientOptions.parse(["--raw", "--json"]) }
    }

    @Test func jsonLines() {
        let text = JSONLine.event(id: 3, epoch: Epoch("ep"), kind: .text, payload: ByteBuffer(string: "a \"b\"\n"))
        #expect(text == "{\"id\":3,\"epoch\":\"ep\",\"kind\":\"text\",\"payload\":\"a \\\"b\\\"\\n\"}\n")
        let binary = JSONLine.event(id: nil, epoch: nil, kind: .binary, payload: ByteBuffer(bytes: [0, 1, 2, 3]))
        #expect(binary == "{\"id\":null,\"epoch\":null,\"kind\":\"binary\",\"payload\":\"AAECAw==\"}\n")
        #expect(JSONLine.gap(first: 1, last: 2) == "{\"kind\":\"gap\",\"first\":1,\"last\":2}\n")
        #expect(Base64.encode(Array("Ma".utf8)) == "TWE=")
    }
}
