import NIOCore
import TestSupport
import Testing
import WSEventCore

/// Shutdown finishes the publishes already under way before it closes the streams, and refuses
/// the ones that begin after it started.
@Suite struct DrainPublishTests {
    @Test func aPublishUnderWayWhenShutdownBeginsIsAnsweredAndDeliveredBeforeThe1001() async throws {
        let (server, running) = try await startEventServer { $0.publishToken = "T" }
        let connection = try await WebSocketClient.connect(to: server.url, subprotocols: [WireMode.v1Subprotocol])
        async let received = TestClient.collect(on: connection, timeout: 60)
        try await eventually("subscribed") { server.stream.status.subscribers == 1 }

        // Half a body before the shutdown, the rest after it began.
        let publisher = try RawSocket(port: server.port, receiveTimeout: 20)
        try await publisher.send("POST /events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer T\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\nhalf ")
        try await eventually("the publish is under way") { server.publishesInFlight == 1 }
        running.cancel()
        try await eventually("the server drains") {
            (try? await HTTPExchange.send(port: server.port, "GET", "/healthz").status) == 503
        }
        // A publish that begins now is refused.
        let late = try await HTTPExchange.send(
            port: server.port, "POST", "/events", headers: ["Authorization": "Bearer T"], body: Array("late".utf8)
        )
        #expect(late.status == 503)
        #expect(late.header("Retry-After") == "1")

        try await publisher.send("body!")
        let answer = try await HTTPExchange.receive(on: publisher)
        #expect(answer.status == 200)

        let subscriber = try await received
        #expect(subscriber.closeCode == .goingAway)
        #expect(subscriber.v1.map(\.payload).contains("half body!"))
        _ = try? await running.value
    }

    /// Pipelined publishes from a client that reads its answers only later are each counted in
    /// flight once and let go once. The answers back up, so requests wait; when they went on,
    /// NIO's pipeline handler handed the next one on from inside the write of an answer, into
    /// the handler still finishing the publish it answered, which then let go of the next one's
    /// count instead of its own: counts stayed, and every shutdown waited its whole timeout.
    @Test func pipelinedPublishesLeaveNoPublishInFlight() async throws {
        try await withOwnEventLoops { loops in
            try await withEventServer(group: loops, {
                $0.publishToken = "T"
                $0.maxPendingBytes = 16 << 10
                $0.idleTimeout = .seconds(60)
            }) { server in
                // More answers than the kernel's socket buffers take (4 MB on loopback).
                let count = 60_000
                let publisher = try RawSocket(port: server.port, receiveBuffer: 4096, receiveTimeout: 60)
                let publish = "POST /events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer T\r\nContent-Type: text/plain\r\nContent-Length: 1\r\n\r\nx"
                let sending = Task { try await publisher.send(String(repeating: publish, count: count)) }
                // Reading only once the answers fill the kernel's buffers and the server holds
                // requests back: it stops publishing.
                var published: UInt64 = 0
                repeat {
                    published = server.stream.status.lastID
                    try await Task.sleep(for: .milliseconds(300))
                } while server.stream.status.lastID != published || published == 0
                var statuses: [Int: Int] = [:]
                var rest: [UInt8] = []
                for _ in 0..<count {
                    let (answer, more) = try await HTTPExchange.receiveKeepingRest(on: publisher, after: rest)
                    statuses[answer.status, default: 0] += 1
                    rest = more
                }
                try await sending.value
                #expect(statuses == [200: count])
                try await eventually("no publish left in flight", timeout: 10) { server.publishesInFlight == 0 }
            }
        }
    }
}
