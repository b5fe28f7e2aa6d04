import NIOCore
import TestSupport
import Testing

import WSEventCore
@testable import WSEventRoles

/// What a ``ResumingSubscriber`` does with the connection it opened when its consumer ends the
/// subscription at once: the connection is closed, never left open behind it.
@Suite struct ResumingSubscriberConnectionTests {
    struct Refused: Error {}

    func subscriber(_ server: ScriptedWebSocketServer) -> ResumingSubscriber {
        var subscriber = ResumingSubscriber(url: WebSocketURL(host: "127.0.0.1", port: server.port, path: "/events"))
        subscriber.reconnect = false
        return subscriber
    }

    @Test func stoppingOnConnectedClosesTheConnection() async throws {
        let server = try await ScriptedWebSocketServer.start(sending: [])
        try await subscriber(server).run(from: nil) { update in
            if case .connected = update { return .stop }
            return .proceed
        }
        try await eventually("the server to see the connection closed") { server.hungUp == 1 }
        #expect(server.closeCodes == [1000])
        await server.stop()
    }

    @Test func throwingOnConnectedClosesTheConnection() async throws {
        let server = try await ScriptedWebSocketServer.start(sending: [])
        await #expect(throws: Refused.self) {
            try await subscriber(server).run(from: nil) { update in
                if case .connected = update { throw Refused() }
                return .proceed
            }
        }
        try await eventually("the server to see the connection closed") { server.hungUp == 1 }
        #expect(server.closeCodes == [1011])
        await server.stop()
    }
}
