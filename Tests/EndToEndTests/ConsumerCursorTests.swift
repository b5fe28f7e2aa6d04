import Foundation
import TestSupport
import Testing
import WSEventCore

/// Named consumers (`?consumer=NAME`) on the built binaries: the position kept in the store,
/// resumed by name (at least once), one connection per name (409), dropped after the TTL.
@Suite(.enabled(if: TestStore.enabled, Comment(rawValue: TestStore.skipReason)), .timeLimit(.minutes(3)))
struct ConsumerCursorTests {
    /// Reads `count` SSE events; their ids (`<epoch>.<id>`, the id part).
    static func read(_ client: SSETestClient, _ count: Int) async throws -> [UInt64] {
        let messages = try await withTimeout(30, "\(count) SSE events") { try await client.next(count) }
        return messages.compactMap { $0.id?.split(separator: ".").last.flatMap { UInt64($0) } }
    }

    @Test func aConsumerWithoutAStoreIsRefusedNamingTheFlag() async throws {
        let service = try await ServiceProcess(["-serve-address", "127.0.0.1:0", "-interval", "1h"])
        let reply = try await HTTPExchange.send(port: service.port, "GET", "/events?consumer=billing", headers: ["Accept": "text/event-stream"])
        #expect(reply.status == 400)
        #expect(reply.body.contains("-store"), "\(reply.body)")
    }

    @Test func aReturningConsumerResumesAfterTheLastEventWrittenToIt() async throws {
        let database = try await TestStore.freshDatabase()
        let replica = try await StoreService.start(store: database.urlString)
        let other = try await StoreService.start(store: database.urlString)
        let first = try await SSETestClient(port: replica.port, "/events?consumer=billing")
        #expect(first.head.status == 200)
        try await eventually("the consumer to subscribe") { (try? await StoreService.health(replica.port).events?.subscribers) == 1 }
        for n in 1...5 { _ = try await StoreService.publish("event \(n)", port: replica.port) }
        #expect(try await Self.read(first, 5) == [1, 2, 3, 4, 5])
        first.socket.shutdownWrite()
        for n in 6...8 { _ = try await StoreService.publish("event \(n)", port: replica.port) }

        // Back, with no since, on the other replica: after the last event written, at least
        // once (an event in flight when it left may come again, never one lost).
        let client = try await withTimeout(20, "the name to be free once the first connection is gone") {
            while true {
                let client = try await SSETestClient(port: other.port, "/events?consumer=billing")
                if client.head.status == 200 { return client }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        let ids = try await withTimeout(30, "the events up to 8") {
            var ids: [UInt64] = []
            while ids.last != 8 { ids += try await Self.read(client, 1) }
            return ids
        }
        #expect(ids.first.map { (1...6).contains($0) } == true, "resumed after the last event written: \(ids)")
        #expect(ids == Array(ids.first!...8), "in order, none lost: \(ids)")
    }

    @Test func aSecondConnectionWithTheSameNameGets409() async throws {
        let database = try await TestStore.freshDatabase()
        let a = try await StoreService.start(store: database.urlString)
        let b = try await StoreService.start(store: database.urlString)
        let holder = try await SSETestClient(port: a.port, "/events?consumer=once")
        #expect(holder.head.status == 200)
        // SSE and WebSocket, on the same replica and on another.
        let sse = try await HTTPExchange.send(port: b.port, "GET", "/events?consumer=once", headers: ["Accept": "text/event-stream"])
        #expect(sse.status == 409)
        #expect(sse.body.contains("consumer 'once' is connected already"), "\(sse.body)")
        let url = WebSocketURL(host: "127.0.0.1", port: a.port, path: "/events?consumer=once")
        do {
            _ = try await WebSocketClient.connect(to: url, subprotocols: [WireMode.v1Subprotocol])
            Issue.record("the second WebSocket with the name was accepted")
        } catch let error as WebSocketError {
            #expect(error.refusedStatus == .conflict, "\(error)")
        }
        withExtendedLifetime(holder) {}
    }

    @Test func positionsUnseenForTheTTLAreDropped() async throws {
        let database = try await TestStore.freshDatabase()
        let replica = try await StoreService.start(store: database.urlString, ["-consumer-ttl", "1s"])
        let first = try await SSETestClient(port: replica.port, "/events?consumer=brief")
        try await eventually("the consumer to subscribe") { (try? await StoreService.health(replica.port).events?.subscribers) == 1 }
        _ = try await StoreService.publish("one", port: replica.port)
        #expect(try await Self.read(first, 1) == [1])
        first.socket.shutdownWrite()
        try await eventually("the position to be dropped after its TTL", timeout: 30) {
            try await database.integer("SELECT count(*)::text FROM wsevent_consumers") == 0
        }
        _ = try await StoreService.publish("two", port: replica.port)
        // A consumer new to the store starts with live events: "two" is not replayed.
        let again = try await SSETestClient(port: replica.port, "/events?consumer=brief")
        try await eventually("the consumer to subscribe again") { (try? await StoreService.health(replica.port).events?.subscribers) == 1 }
        _ = try await StoreService.publish("three", port: replica.port)
        #expect(try await Self.read(again, 1) == [3])
    }
}
