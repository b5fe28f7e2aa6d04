import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import WSEventService
import WSEventCore

/// Publishes to a stream whose subscribers' loop is behind: `503` with `Retry-After` while the
/// loop's queue is past its bound, taken again once it caught up. The subscribers' loop is an
/// embedded one that runs only when told, so "behind" is exact.
@Suite struct PublishRoomTests {
    let headers: HTTPHeaders = ["Authorization": "Bearer tok", "Content-Type": "text/plain"]

    @Test func aPublishToAStreamWithoutRoomIs503WithRetryAfter() throws {
        let stream = WireEventStream(path: "/events", maxQueuedBytes: 16)
        let connection = try ServiceHTTPHandlerTests.Connection(stream: stream) { $0.publishToken = "tok" }
        let behind = EmbeddedEventLoop()
        let updates = stream.updates(on: behind)
        behind.run()
        // Taken: it is what takes the queue past its bound.
        #expect(try connection.exchange(.POST, "/events", headers: headers, body: ["first"]).status == 200)
        let refused = try connection.exchange(.POST, "/events", headers: headers, body: ["second"])
        #expect(refused.status == 503)
        #expect(refused.header("Retry-After") == "1")
        #expect(refused.body == "/events has no room: its subscribers are behind by more than the server queues; retry shortly\n")
        #expect(connection.channel.isActive, "the body was read: the connection stays open")
        #expect(stream.status.lastID == 1)
        behind.run()
        #expect(try connection.exchange(.POST, "/events", headers: headers, body: ["second"]).status == 200)
        #expect(stream.status.lastID == 2)
        withExtendedLifetime(updates) {}
    }
}
