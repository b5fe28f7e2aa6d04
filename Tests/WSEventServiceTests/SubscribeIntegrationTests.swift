import NIOCore
import NIOWebSocket
import TestSupport
import Testing

import WSEventCore
@testable import WSEventService

/// Subscribers on real sockets against an in-process server on port 0.
@Suite struct SubscribeIntegrationTests {
    @Test func plainAndV1SubscribersGetTheSameEvents() async throws {
        try await withEventServer { server in
            async let plain = TestClient.collect(server.url(), count: 20)
            async let v1 = TestClient.collect(server.url(), v1: true, count: 21)
            try await eventually("both subscribed") { server.stream.status.subscribers == 2 }
            try server.publish(20)
            let (plainReceived, v1Received) = try await (plain, v1)
            #expect(plainReceived.subprotocol == nil)
            #expect(v1Received.subprotocol == "wsevent.v1")
            #expect(plainReceived.texts == (0..<20).map { "event \($0)" })
            guard case .hello(let epoch, let lastID) = v1Received.v1.first?.header else {
                Issue.record("v1 did not start with hello")
                return
            }
            #expect(epoch == server.stream.status.epoch)
            #expect(lastID == 0)
            #expect(v1Received.eventIDs == Array(1...20))
            #expect(v1Received.v1.dropFirst().map(\.payload) == plainReceived.texts)
        }
    }

    @Test func resumeAfterReconnectGetsExactlyTheMissingEvents() async throws {
        try await withEventServer { server in
            try server.publish(5)
            let epoch = server.stream.status.epoch
            try server.publish(10, prefix: "later ")
            let resumed = try await TestClient.collectEvents(server.url(query: "since=5&epoch=\(epoch)"), count: 10)
            #expect(resumed.eventIDs == Array(6...15))
            #expect(resumed.v1.dropFirst().map(\.payload) == (0..<10).map { "later \($0)" })
            // Then live events continue without a hole.
            let connection = try await WebSocketClient.connect(to: server.url(query: "since=15&epoch=\(epoch)"), subprotocols: ["wsevent.v1"])
            async let live = TestClient.collect(on: connection, count: 3)
            try await eventually("subscribed") { server.stream.status.subscribers == 1 }
            try server.publish(2)
            #expect(try await live.eventIDs == [16, 17])
        }
    }

    @Test func resumePastTheBufferGetsAGapThenLiveEvents() async throws {
        try await withEventServer({ $0.bufferSize = 10 }) { server in
            try server.publish(30)
            let epoch = server.stream.status.epoch
            let connection = try await WebSocketClient.connect(to: server.url(query: "since=5&epoch=\(epoch)"), subprotocols: ["wsevent.v1"])
            async let received = TestClient.collect(on: connection, count: 13)
            try await eventually("subscribed") { server.stream.status.subscribers == 1 }
            try server.publish(1, prefix: "live ")
            let headers = try await received.v1.map(\.header)
            #expect(headers.first == .hello(epoch: epoch, lastID: 30))
            #expect(headers[1] == .gap(first: 6, last: 20))
            let ids: [UInt64] = headers.dropFirst(2).map { header -> UInt64 in
                if case .event(let id) = header { return id }
                return 0
            }
            #expect(ids == Array(21...31))
        }
    }

    @Test func otherEpochGetsGapZeroAndTheWholeBuffer() async throws {
        try await withEventServer({ $0.bufferSize = 4 }) { server in
            try server.publish(6)
            let received = try await TestClient.collectEvents(server.url(query: "since=99&epoch=someoldepoch"), count: 4)
            #expect(received.v1.map(\.header)[1] == .gap(first: 0, last: 2))
            #expect(received.eventIDs == [3, 4, 5, 6])
        }
    }

    @Test func hundredSubscribersReceiveEveryEventOfABurstInOrder() async throws {
        let subscribers = 100
        let events = 10_000
        // A burst to a hundred subscribers holds its loops for seconds: on loops of its own.
        try await withOwnEventLoops(threads: 2) { loops in
            // On a starved machine the clients may not read for a while: keepalive (which would
            // rightly drop a peer that reads nothing for 40 s) is not what this test is about.
            try await withEventServer(group: loops, { $0.pingInterval = .seconds(3600) }) { server in
                let counts = try await withThrowingTaskGroup(of: [UInt64].self) { group in
                    for _ in 0..<subscribers {
                        group.addTask {
                            try await TestClient.collectEvents(server.url(), count: events, timeout: 240, group: loops).eventIDs
                        }
                    }
                    try await eventually("all subscribed", timeout: 60) { server.stream.status.subscribers == subscribers }
                    try server.publish(events)
                    var all: [[UInt64]] = []
                    for try await ids in group { all.append(ids) }
                    return all
                }
                #expect(counts.count == subscribers)
                for ids in counts {
                    #expect(ids == Array(1...UInt64(events)))
                }
            }
        }
    }

    @Test func shutdownClosesSubscribersWithGoingAway() async throws {
        let (server, running) = try await startEventServer()
        let connection = try await WebSocketClient.connect(to: server.url, subprotocols: ["wsevent.v1"])
        async let received = TestClient.collect(on: connection)
        try await eventually("subscribed") { server.stream.status.subscribers == 1 }
        running.cancel()
        #expect(try await received.closeCode == .goingAway)
        _ = try? await running.value
    }
}
