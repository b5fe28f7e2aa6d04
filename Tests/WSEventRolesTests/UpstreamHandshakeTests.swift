import NIOConcurrencyHelpers
import NIOCore
import TestSupport
import Testing
import WSEventCore

/// An upstream that never completes the WebSocket handshake: the consumer gives up on it within
/// the handshake timeout, says so once, and tries again.
@Suite struct UpstreamHandshakeTests {
    @Test(arguments: [ScriptedHTTPServer.Answer.silence, .heartbeats(interval: .milliseconds(50))])
    func anUnansweredUpgradeFailsWithinTheHandshakeTimeoutAndIsRetried(_ answer: ScriptedHTTPServer.Answer) async throws {
        let server = try await ScriptedHTTPServer.start(answer)
        defer { Task { await server.stop() } }
        let url = try #require(StreamURL("ws://127.0.0.1:\(server.port)/events"))
        let lines = NIOLockedValueBox<[String]>([])
        var configuration = WebSocketConfiguration()
        configuration.handshakeTimeout = .milliseconds(200)
        let links = UpstreamLinks([url])
        let consumer = UpstreamConsumer(
            url: url,
            stream: WireEventStream(path: "/events"),
            mode: .mirror,
            configuration: configuration,
            links: links,
            logger: RecordingLogHandler.logger(into: lines, includesMetadata: true)
        )
        let running = Task { await consumer.run() }
        defer { running.cancel() }
        try await eventually("the consumer to try again") { server.connections >= 3 }
        let warnings = lines.withLockedValue { $0 }.filter { $0.hasPrefix("upstream unavailable") }
        #expect(warnings.count == 1)
        // The URL asked for is the relay's first: `since=0`, to fill its buffer.
        #expect(warnings.first?.contains("reason=ws://127.0.0.1:\(server.port)/events?since=0: no answer to the WebSocket handshake") == true, "\(warnings)")
        #expect(links.all.first?.state == .reconnecting)
    }
}
