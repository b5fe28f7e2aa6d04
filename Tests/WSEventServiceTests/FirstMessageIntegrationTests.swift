import NIOCore
import TestSupport
import Testing

import WSEventCore
@testable import WSEventService

/// `-first-message` on real sockets: a subscriber that gives no `since` gets the chosen events
/// first, with their ids, then live ones, over plain and v1 WebSocket and SSE.
@Suite struct FirstMessageIntegrationTests {
    enum Transport: CaseIterable {
        case plain, v1, sse
    }

    /// What a subscriber of `transport` without a resume point gets: the replay the policy
    /// chose, then one live event published once it has joined; as `id payload` (plain
    /// WebSocket has no ids: `- payload`), with `gap F L` for a gap.
    func firstEvents(_ server: EventServer, _ transport: Transport, replayed: Int, query: String = "") async throws -> [String] {
        let joined = server.stream.status.subscribers + 1
        let publishLive = { @Sendable in
            try await eventually("subscribed") { server.stream.status.subscribers == joined }
            try server.publish(1, prefix: "live ")
        }
        switch transport {
        case .plain, .v1:
            let connection = try await WebSocketClient.connect(to: server.url(query: query), subprotocols: transport == .v1 ? [WireMode.v1Subprotocol] : [])
            async let received = TestClient.collect(on: connection, count: replayed + (transport == .v1 ? 2 : 1))
            try await publishLive()
            let got = try await received
            guard transport == .v1 else { return got.texts.map { "- \($0)" } }
            return got.v1.dropFirst().map { header, payload in
                switch header {
                case .event(let id): "\(id) \(payload)"
                case .gap(let first, let last): "gap \(first) \(last)"
                case .hello: "hello"
                }
            }
        case .sse:
            let sse = try await SSETestClient(port: server.port, "/events" + (query.isEmpty ? "" : "?" + query))
            try await publishLive()
            let messages = try await withTimeout(20, "SSE events") { try await sse.next(replayed + 1) }
            return messages.map { message in
                message.event == "gap" ? "gap \(message.data)" : "\(message.id.flatMap { $0.split(separator: ".").last } ?? "?") \(message.data)"
            }
        }
    }

    /// One policy: the server's flag and buffer, how many events were published (`event 0`
    /// is id 1), and the ids it replays first.
    struct Case: Sendable {
        var policy: FirstMessage
        var buffer = 1024
        var published = 5
        var replayed: [UInt64]
    }

    static let cases = [
        Case(policy: .newest(1), replayed: [5]),
        Case(policy: .newest(3), replayed: [3, 4, 5]),
        // All the buffer holds, and no gap for what it no longer holds.
        Case(policy: .oldest, buffer: 3, published: 10, replayed: [8, 9, 10]),
        Case(policy: .live, replayed: []),
    ]

    @Test(arguments: Transport.allCases) func eachPolicyReplaysItsEventsBeforeLiveOnes(_ transport: Transport) async throws {
        for policy in Self.cases {
            try await withEventServer({
                $0.firstMessage = policy.policy
                $0.bufferSize = policy.buffer
            }) { server in
                try server.publish(policy.published)
                let got = try await firstEvents(server, transport, replayed: policy.replayed.count)
                let live = UInt64(policy.published) + 1
                let expected =
                    transport == .plain
                    ? policy.replayed.map { "- event \($0 - 1)" } + ["- live 0"]
                    : policy.replayed.map { "\($0) event \($0 - 1)" } + ["\(live) live 0"]
                #expect(got == expected, "\(policy.policy)")
            }
        }
    }

    /// A client's own resume point wins over the server's choice.
    @Test func sinceWinsOverThePolicy() async throws {
        try await withEventServer({ $0.firstMessage = .newest(1) }) { server in
            try server.publish(5)
            let epoch = server.stream.status.epoch
            #expect(try await firstEvents(server, .v1, replayed: 2, query: "since=3&epoch=\(epoch)") == ["4 event 3", "5 event 4", "6 live 0"])
            #expect(try await firstEvents(server, .sse, replayed: 1, query: "last_event_id=\(epoch).4") == ["5 event 4", "6 live 0"])
        }
    }

    @Test func anEmptyStreamHasNoFirstMessage() async throws {
        try await withEventServer({ $0.firstMessage = .newest(1) }) { server in
            let got = try await firstEvents(server, .v1, replayed: 0)
            #expect(got == ["1 live 0"])
        }
    }

    /// A relay honours its own `-first-message` from the events it mirrored (it fills its
    /// buffer from its upstream's on its first connection), with the origin's ids.
    @Test func aRelayGivesItsNewestEventWithTheOriginsID() async throws {
        try await withEventServer { origin in
            try origin.publish(5)
            try await withEventServer({
                $0.role = .relay(StreamURL(origin.url))
                $0.firstMessage = .newest(2)
            }) { relay in
                try await eventually("the relay mirrored the origin") { relay.stream.status.lastID == 5 }
                let connection = try await WebSocketClient.connect(to: relay.url(), subprotocols: [WireMode.v1Subprotocol])
                async let received = TestClient.collect(on: connection, count: 4)
                try await eventually("subscribed at the relay") { relay.stream.status.subscribers == 1 }
                try origin.publish(1, prefix: "live ")
                let headers = try await received.v1.map(\.header)
                #expect(headers == [.hello(epoch: origin.stream.status.epoch, lastID: 5), .event(id: 4), .event(id: 5), .event(id: 6)])
            }
        }
    }

    /// A fan-in republishes its upstreams' events with ids of its own: it takes live events
    /// only, or it would publish an upstream's first messages again after every restart.
    @Test func aFanInTakesNoFirstMessages() async throws {
        try await withEventServer({ $0.firstMessage = .newest(1) }) { origin in
            try origin.publish(5)
            try await withEventServer({ $0.role = .fanIn([StreamURL(origin.url)]) }) { fanIn in
                try await eventually("the fan-in is subscribed") { origin.stream.status.subscribers == 1 }
                try origin.publish(1, prefix: "live ")
                try await eventually("the live event was merged") { fanIn.stream.status.lastID >= 1 }
                let replay = try await TestClient.collectEvents(fanIn.url(query: "since=0"), count: 1)
                #expect(replay.v1.dropFirst().map(\.payload) == ["live 0"])
                #expect(fanIn.stream.status.lastID == 1)
            }
        }
    }

    /// The client side: a resuming subscriber (wsclient's) that starts without a position takes
    /// the first messages, and after a lost connection resumes after the last one it took:
    /// neither those events again, nor a first message again.
    @Test func aResumingSubscriberTakesTheFirstMessagesAndResumesAfterThem() async throws {
        try await withEventServer({ $0.firstMessage = .newest(2) }) { server in
            try server.publish(5)
            let forwarder = try await TCPForwarder.start(to: server.port)
            var url = server.url
            url.port = forwarder.port
            let taken = try await withTimeout(30, "the first messages, a lost connection and a live event") { [url] in
                var ids: [UInt64] = []
                try await ResumingSubscriber(url: url).run(from: nil) { update in
                    if case .event(let id?, _, _) = update { ids.append(id) }
                    if ids.count == 2, case .event = update {
                        forwarder.cutAll()
                        try server.publish(1, prefix: "live ")
                    }
                    return ids.count == 3 ? .stop : .proceed
                }
                return ids
            }
            #expect(taken == [4, 5, 6])
            #expect(forwarder.connections == 2)
            await forwarder.stop()
        }
    }
}
