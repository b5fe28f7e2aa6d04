#if Bridges
import Logging
import NIOConcurrencyHelpers
import NIOCore
import TestSupport
import Testing
@testable import WSEventBridges
import WSEventCore

/// The NATS client layer (nats.c through CNATS) on a throw-away nats-server: what the sources
/// and the JetStream store are built on.
@Suite(.serialized, .enabled(if: NATSServer.enabled, Comment(rawValue: NATSServer.skipReason)), .timeLimit(.minutes(2)))
struct NATSClientTests {
    /// Collects what a subscription delivers.
    final class Inbox: Sendable {
        let messages = NIOLockedValueBox<[NATSMessage]>([])
        var handler: NATSMessageHandler {
            NATSMessageHandler(copyLimit: 1 << 20) { [messages] message in messages.withLockedValue { $0.append(message) } }
        }
        func count() -> Int { messages.withLockedValue { $0.count } }
    }

    static func client(_ nats: NATSServer, subject: String = "a", stream: String? = nil) async throws -> NATSClient {
        let client = NATSClient(url: NATSURL(host: "127.0.0.1", port: nats.port, subject: subject, stream: stream), logger: Logger(label: "test"))
        try await client.start()
        try await eventually("the client to connect") { client.isConnected }
        return client
    }

    @Test func aCoreSubscriptionGetsWhatIsPublishedWithItsHeaders() async throws {
        let nats = try await NATSServer()
        let client = try await Self.client(nats)
        let inbox = Inbox()
        let subscription = try await client.subscribe("a.>", pendingMessages: 100, pendingBytes: 1 << 20, handler: inbox.handler)
        let publisher = try await nats.client()
        try await publisher.publish("a.b", "one")
        try await publisher.publish("a.c", [0xff], headers: [("Content-Type", "application/octet-stream")])
        try await eventually("two messages") { inbox.count() == 2 }
        let messages = inbox.messages.withLockedValue { $0 }
        #expect(String(buffer: messages[0].payload) == "one")
        #expect(messages[0].contentType == nil)
        #expect(messages[0].sequence == nil)
        #expect(Array(buffer: messages[1].payload) == [0xff])
        #expect(messages[1].contentType == "application/octet-stream")
        #expect(client.status.state == .connected)
        await subscription.close()
        await client.close()
    }

    @Test func jetStreamPublishesAreAcknowledgedWithTheSequenceAndReadBack() async throws {
        let nats = try await NATSServer()
        try await nats.createStream("S", subjects: ["s.>"])
        let client = try await Self.client(nats, subject: "s.>", stream: "S")
        #expect(try await client.publish(subject: "s.x", stream: "S", kind: .text, payload: ByteBuffer(string: "first")) == 1)
        #expect(try await client.publish(subject: "s.y", stream: "S", kind: .binary, payload: ByteBuffer(string: "second")) == 2)
        let info = try await client.streamInfo("S")
        #expect(info.subjects == ["s.>"])
        #expect(info.firstSequence == 1)
        #expect(info.lastSequence == 2)
        #expect(info.created > 0)
        let second = try #require(try await client.message(stream: "S", sequence: 2, limit: 100))
        #expect(String(buffer: second.payload) == "second")
        #expect(second.contentType == NATSPayload.contentType(of: .binary))
        #expect(try await client.message(stream: "S", sequence: 9, limit: 100) == nil)
        // A subject the stream does not take: refused, never acknowledged.
        await #expect(throws: NATSError.self) {
            try await client.publish(subject: "other", stream: "S", kind: .text, payload: ByteBuffer(string: "x"))
        }

        let inbox = Inbox()
        let ordered = try await client.subscribeOrdered(stream: "S", filter: "s.>", startSequence: 2, handler: inbox.handler)
        try await eventually("the ordered consumer from sequence 2") { inbox.count() == 1 }
        _ = try await client.publish(subject: "s.z", stream: "S", kind: .text, payload: ByteBuffer(string: "third"))
        try await eventually("the next") { inbox.count() == 2 }
        #expect(inbox.messages.withLockedValue { $0.map(\.sequence) } == [2, 3])
        #expect(inbox.messages.withLockedValue { $0.map(\.pending) } == [0, 0])
        await ordered.close()
        await client.close()
    }

    @Test func publishesAreRefusedAtOnceWhileTheServerIsAway() async throws {
        let nats = try await NATSServer()
        try await nats.createStream("S", subjects: ["s.>"])
        let client = try await Self.client(nats, subject: "s.>", stream: "S")
        try await nats.stop()
        try await eventually("the client to notice") { !client.isConnected }
        #expect(client.status.state == .reconnecting)
        #expect(client.status.reconnects == 1)
        await #expect(throws: NATSError.self) {
            try await client.publish(subject: "s.x", stream: "S", kind: .text, payload: ByteBuffer(string: "x"))
        }
        try await nats.start()
        try await eventually("the client to reconnect", timeout: 30) { client.isConnected }
        #expect(try await client.publish(subject: "s.x", stream: "S", kind: .text, payload: ByteBuffer(string: "x")) == 1)
        await client.close()
    }
}
#endif
