import Foundation
import NIOCore
import TestSupport
import Testing
import WSEventCore

@testable import WSEventLoad

/// The generator against a real server on real sockets: an in-process EventServer (a hub with
/// a publish token), so every count can be checked against what must have happened.
@Suite(.serialized) struct LoadGeneratorTests {
    func generator(_ server: EventServer, transport: Transport = .webSocket, subscribers: Int) throws -> LoadGenerator {
        let scheme = transport == .webSocket ? "ws" : "http"
        var generator = LoadGenerator(subscribeURL: try LoadURL("\(scheme)://127.0.0.1:\(server.port)/events"))
        generator.transport = transport
        generator.subscribers = subscribers
        generator.handshakesInFlight = 4
        generator.duration = .milliseconds(700)
        generator.drainTimeout = .seconds(10)
        generator.settle = .milliseconds(200)
        generator.serverPIDs = [getpid()]
        generator.threads = 2
        var publish = LoadGenerator.PublishSettings(url: try LoadURL("http://127.0.0.1:\(server.port)/events"))
        publish.connections = 3
        publish.rate = 300
        publish.payloadSize = 200
        publish.headers = [(name: "Authorization", value: "Bearer T")]
        generator.publish = publish
        return generator
    }

    func withHub<T: Sendable>(_ body: @Sendable (EventServer) async throws -> T) async throws -> T {
        try await withOwnEventLoops(threads: 2) { group in
            try await withEventServer(group: group, { $0.publishToken = "T" }, body)
        }
    }

    @Test(arguments: [Transport.webSocket, .sse])
    func everyAcknowledgedEventReachesEverySubscriberInOrder(transport: Transport) async throws {
        let report = try await withHub { server in
            try await self.generator(server, transport: transport, subscribers: 5).fanOut()
        }
        #expect(report.error == nil)
        #expect(report.handshakes.connected == 5)
        let published = try #require(report.published)
        #expect(published.acknowledged > 0)
        #expect(published.acknowledged == published.sent)
        #expect(published.failed.isEmpty)
        #expect(report.lost == 0)
        #expect(report.reordered == 0)
        #expect(report.foreign == 0)
        #expect(report.closed.isEmpty)
        #expect(report.latencyMs?.count == UInt64(published.acknowledged * 5))
        #expect(report.server?.pids.contains(getpid()) == true)
        #expect(report.jsonLine.hasPrefix("{"))
    }

    @Test func aWrongTokenIsCountedAsFailedPublishesAndNothingIsExpected() async throws {
        let report = try await withHub { server in
            var generator = try self.generator(server, subscribers: 2)
            generator.publish?.headers = [(name: "Authorization", value: "Bearer wrong")]
            return try await generator.fanOut()
        }
        let published = try #require(report.published)
        #expect(published.acknowledged == 0)
        // The server closes the connection after a 401; a request sent as it closes fails as
        // "connection closed", and the publisher opens another (bounded).
        #expect(published.failed.values.reduce(0, +) == published.sent, "\(published)")
        #expect((published.failed["401"] ?? 0) > 0)
        #expect(report.lost == 0)
        #expect(report.delivered?.messages == 0)
    }

    @Test func aRefusedSubscriptionIsCountedByStatus() async throws {
        let report = try await withHub { server in
            var generator = try self.generator(server, subscribers: 3)
            generator.subscribeURL = try LoadURL("ws://127.0.0.1:\(server.port)/nothing-here")
            return try await generator.fanOut()
        }
        #expect(report.handshakes.connected == 0)
        #expect(report.handshakes.refused == ["404": 3])
        #expect(report.error != nil)
    }

    @Test func idleSubscribersAndHandshakesAreCounted() async throws {
        let (idle, handshakes) = try await withHub { server in
            let idle = try await self.generator(server, subscribers: 20).idleMemory(settleAfter: .milliseconds(100))
            var generator = try self.generator(server, subscribers: 1)
            generator.duration = .seconds(30)
            let handshakes = try await generator.handshakeRate(count: 40)
            return (idle, handshakes)
        }
        #expect(idle.handshakes.connected == 20)
        #expect(idle.idle != nil)
        #expect(idle.closed.isEmpty)
        #expect(handshakes.handshakes.connected == 40)
        #expect(handshakes.handshakes.perSecond > 0)
    }
}
