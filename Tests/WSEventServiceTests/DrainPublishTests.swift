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

    /// Pipelined publishes are each counted in flight once and no longer once answered: the
    /// next request reaches the handler while the answer before it is being written, and must
    /// not inherit that publish's place in the count (shutdown would wait its whole timeout).
    @Test func pipelinedPublishesLeaveNoneInFlight() async throws {
        try await withEventServer({ $0.publishToken = "T" }) { server in
            let socket = try RawSocket(port: server.port, receiveTimeout: 20)
            var requests = ""
            for n in 1...3 {
                let body = "pipelined \(n)"
                requests += "POST /events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer T\r\nContent-Type: text/plain\r\n"
                requests += "Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
            }
            try await socket.send(requests)
            var leftover: [UInt8] = []
            for n in 1...3 {
                let (answer, rest) = try await HTTPExchange.receiveKeepingRest(on: socket, after: leftover)
                leftover = rest
                #expect(answer.status == 200)
                #expect(answer.body.hasPrefix("{\"id\":\(n),"))
            }
            #expect(server.publishesInFlight == 0)
        }
    }
}
