import Testing

import WSEventCore
@testable import WSEventWebSocket

@Suite struct WebSocketURLTests {
    @Test func parsesFullURLs() throws {
        let url = try #require(WebSocketURL("ws://example.com:9090/proxy-events?since=3"))
        #expect(url.host == "example.com")
        #expect(url.port == 9090)
        #expect(url.path == "/proxy-events")
        #expect(url.query == "since=3")
        #expect(url.target == "/proxy-events?since=3")
        #expect(WebSocketURL("ws://example.com/x")?.port == 80)
    }

    @Test func parsesSecureSchemes() {
        #expect(WebSocketURL("wss://example.com/x") == WebSocketURL(host: "example.com", port: 443, path: "/x", isSecure: true))
        #expect(WebSocketURL("wss://example.com/x")?.description == "wss://example.com:443/x")
        #expect(WebSocketURL("ws://example.com/x")?.isSecure == false)
        #expect(WebSocketURL("ws://:8080/events")?.host == "127.0.0.1")
        #expect(WebSocketURL("ws://[::1]:8080/events")?.host == "::1")
    }

    /// The WebSocket layer parses its own schemes only: `http://` (SSE) is the transports',
    /// the seed's `HOST:PORT/PATH` the commands'.
    @Test func takesOnlyWebSocketSchemes() {
        #expect(WebSocketURL("http://example.com/x") == nil)
        #expect(WebSocketURL("https://example.com/x") == nil)
        #expect(WebSocketURL("localhost:8080/events") == nil)
    }

    @Test func rejectsWhatItCannotServe() {
        #expect(WebSocketURL("ws://localhost:99999/events") == nil)
        #expect(WebSocketURL("ws://localhost:abc/events") == nil)
        #expect(WebSocketURL(hostAndTarget: "localhost/events", defaultPort: nil, isSecure: false) == nil)
        #expect(WebSocketURL(hostAndTarget: "localhost:8080/events", defaultPort: nil, isSecure: false)?.port == 8080)
    }

    @Test func hostAndPortAsGoWritesThem() {
        #expect(HostAndPort.parse(":9090")! == ("", 9090))
        #expect(HostAndPort.parse("localhost:8080")! == ("localhost", 8080))
        #expect(HostAndPort.parse("[::]:80")! == ("::", 80))
        #expect(HostAndPort.parse("8080") == nil)
        #expect(HostAndPort.parse("a:b:c") == nil)
    }

    @Test func theHostHeaderNamesThePortUnlessItIsTheDefault() {
        #expect(WebSocketURL("ws://h/x")?.hostHeader == "h")
        #expect(WebSocketURL("wss://h:443/x")?.hostHeader == "h")
        #expect(WebSocketURL("ws://h:8080/x")?.hostHeader == "h:8080")
        #expect(WebSocketURL("ws://[::1]:8080/x")?.hostHeader == "[::1]:8080")
    }

    @Test func tokensAreNotShown() {
        #expect(WebSocketURL("ws://h:1/x?since=3&token=secret")?.description == "ws://h:1/x?since=3&token=***")
        #expect(WebSocketURL("ws://h:1/x?token=secret")?.target == "/x?token=secret")
    }

    @Test func addsQueryItems() {
        let url = WebSocketURL(host: "h", port: 1, path: "/p").addingQuery([("since", "5"), ("epoch", "e")])
        #expect(url.target == "/p?since=5&epoch=e")
    }
}
