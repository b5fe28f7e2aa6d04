import Testing

@testable import WSEventLoad

@Suite struct LoadURLTests {
    @Test func loopbackURLsAreTaken() throws {
        let url = try LoadURL("ws://127.0.0.1:8080/events?x=1")
        #expect(url.host == "127.0.0.1")
        #expect(url.port == 8080)
        #expect(url.target == "/events?x=1")
        #expect(url.hostHeader == "127.0.0.1:8080")
        #expect(try LoadURL("http://localhost:9/pub").host == "127.0.0.1")
        #expect(try LoadURL("http://[::1]:9/sse").hostHeader == "[::1]:9")
        #expect(try LoadURL("127.3.2.1:80/x").port == 80)
    }

    @Test func aNATSSubjectIsAPublishTarget() throws {
        let url = try LoadURL("nats://127.0.0.1:4333/bench.events")
        #expect(url.isNATS)
        #expect(url.subject == "bench.events")
        #expect(url.port == 4333)
        #expect(try LoadURL("nats://localhost/x").port == 4222)
        #expect(try !LoadURL("http://127.0.0.1:1/x").isNATS)
        #expect(throws: LoadURL.Invalid.self) { try LoadURL("nats://127.0.0.1:4222/") }
        #expect(throws: LoadURL.Invalid.self) { try LoadURL("nats://127.0.0.1:4222/x?stream=S") }
        #expect(throws: LoadURL.Invalid.self) { try LoadURL("nats://10.0.0.1:4222/x") }
    }

    @Test func anyOtherHostIsRefusedWithOneLine() {
        for text in ["ws://10.0.0.1:80/x", "http://example.com/x", "ws://127.0.0.256:1/x", "ws://1127.0.0.1:1/x", "ws://127.0.0:1/x"] {
            #expect(throws: LoadURL.Invalid.self, "\(text)") { try LoadURL(text) }
        }
        #expect(throws: LoadURL.Invalid.self) { try LoadURL("wss://127.0.0.1/x") }
        #expect(throws: LoadURL.Invalid.self) { try LoadURL("ftp://127.0.0.1/x") }
    }
}
