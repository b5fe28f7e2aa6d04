import Testing
import WSEventCore

@Suite struct StreamURLTests {
    @Test func theSchemeChoosesTheTransport() throws {
        let ws = try #require(StreamURL("ws://example.com:9090/events?since=3"))
        #expect(ws.transport == .webSocket)
        #expect(ws.address == WebSocketURL(host: "example.com", port: 9090, path: "/events", query: "since=3"))
        let sse = try #require(StreamURL("http://example.com/events"))
        #expect(sse.transport == .sse)
        #expect(sse.address == WebSocketURL(host: "example.com", port: 80, path: "/events"))
        #expect(StreamURL("HTTPS://example.com/x")?.address == WebSocketURL(host: "example.com", port: 443, path: "/x", isSecure: true))
        #expect(StreamURL("wss://example.com/x")?.address.isSecure == true)
        #expect(StreamURL("ftp://example.com/x") == nil)
        #expect(StreamURL("example.com:80/x") == nil)
        #expect(StreamURL("http://example.com:99999/x") == nil)
    }

    @Test func showsTheTransportsSchemeAndHidesTokens() {
        #expect(StreamURL("https://example.com:8443/x")?.description == "https://example.com:8443/x")
        #expect(StreamURL("http://h:1/x?token=secret")?.description == "http://h:1/x?token=***")
        #expect(StreamURL("wss://h/x")?.description == "wss://h:443/x")
        #expect(StreamURL(WebSocketURL(host: "h", port: 1, path: "/x"), transport: .sse).description == "http://h:1/x")
    }
}
