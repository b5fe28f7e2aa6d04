import Foundation
import NIOCore
import TestSupport
import Testing
import WSEventCore

/// `wss://` and `https://` on one port, with a CA the test makes; the library's clients verify it.
@Suite struct TLSServingTests {
    /// The library's client settings trusting only `certificates`' CA.
    func trusting(_ certificates: TestCertificates) -> WebSocketConfiguration {
        var configuration = WebSocketConfiguration()
        configuration.tls = certificates.client
        return configuration
    }

    @Test func aClientTrustingTheCASubscribesOverWSS() async throws {
        let certificates = try await TestCertificates()
        try await withEventServer({ $0.tls = certificates.server }) { server in
            #expect(server.url.description == "wss://127.0.0.1:\(server.port)/events")
            try server.publish(3)
            let received = try await TestClient.collect(server.url(query: "since=0"), v1: true, count: 4, configuration: trusting(certificates))
            #expect(received.eventIDs == [1, 2, 3])
            #expect(received.v1.dropFirst().map(\.payload) == ["event 0", "event 1", "event 2"])
        }
    }

    @Test func healthAndSSEAreServedOverHTTPSOnTheSamePort() async throws {
        let certificates = try await TestCertificates()
        try await withEventServer({ $0.tls = certificates.server }) { server in
            let health = try await HTTPSGet.fetch("/healthz", from: server.url, tls: certificates.client)
            #expect(health.status == 200)
            #expect(health.body.contains("\"status\""))
            try server.publish(2)
            let connection = try await SSEClient.connect(
                to: StreamURL(server.url, transport: .sse),
                lastEventID: "\(server.stream.status.epoch).0",
                configuration: SSEClientConfiguration(tls: certificates.client)
            )
            let messages = try await withTimeout(20, "two SSE events over https") {
                try await connection.run { events in
                    var messages: [SSEParser.Message] = []
                    for try await message in events where message.id != nil {
                        messages.append(message)
                        if messages.count == 2 { break }
                    }
                    return messages.map(\.data)
                }
            }
            #expect(messages == ["event 0", "event 1"])
        }
    }

    @Test func aServerSignedByAnotherCAIsRefusedInOneLine() async throws {
        let served = try await TestCertificates(name: "served CA")
        let other = try await TestCertificates(name: "other CA")
        try await withEventServer({ $0.tls = served.server }) { server in
            let error = await #expect(throws: WebSocketError.self) {
                _ = try await WebSocketClient.connect(to: server.url, configuration: trusting(other))
            }
            #expect(error?.reason == .tlsFailed)
            let text = error?.description ?? ""
            #expect(text.hasPrefix("wss://127.0.0.1:\(server.port)/events: certificate verify failed: "))
            #expect(!text.contains("\n"))
        }
    }

    @Test func wssToAPlainServerIsOneLine() async throws {
        let certificates = try await TestCertificates()
        try await withEventServer { server in
            var url = server.url
            url.isSecure = true
            let error = await #expect(throws: WebSocketError.self) {
                _ = try await WebSocketClient.connect(to: url, configuration: trusting(certificates))
            }
            #expect(error?.reason == .tlsFailed)
            let text = error?.description ?? ""
            #expect(text.hasPrefix("wss://127.0.0.1:\(server.port)/events: TLS handshake failed: "), "\(text)")
            #expect(!text.contains("\n") && !text.contains(".cc:"), "\(text)")
        }
    }

    @Test func withoutACAFileTheSystemRootsRefuseATestCertificate() async throws {
        let certificates = try await TestCertificates()
        try await withEventServer({ $0.tls = certificates.server }) { server in
            let error = await #expect(throws: WebSocketError.self) {
                _ = try await WebSocketClient.connect(to: server.url)
            }
            #expect(error?.reason == .tlsFailed)
        }
    }

    @Test func aRelayConsumesAWSSOrigin() async throws {
        let certificates = try await TestCertificates()
        try await withEventServer({ $0.tls = certificates.server }) { origin in
            try origin.publish(5)
            try await withEventServer({
                $0.role = .relay(StreamURL(origin.url))
                $0.upstreamTLS = certificates.client
            }) { relay in
                try await eventually("the relay mirrored the wss origin") { relay.stream.status.lastID == 5 }
                let received = try await TestClient.collect(relay.url(query: "since=0"), v1: true, count: 6)
                #expect(received.v1.dropFirst().map(\.payload) == (0..<5).map { "event \($0)" })
            }
        }
    }

    /// A relay whose `wss://` upstream's certificate does not verify keeps retrying, and
    /// `/healthz` says why next to the upstream's state, as OPERATIONS.md promises.
    @Test func aFailedUpstreamCertificateCheckShowsOnHealthz() async throws {
        let served = try await TestCertificates(name: "served CA")
        let other = try await TestCertificates(name: "other CA")
        try await withEventServer({ $0.tls = served.server }) { origin in
            try await withEventServer({
                $0.role = .relay(StreamURL(origin.url))
                $0.upstreamTLS = other.client
            }) { relay in
                @Sendable func upstreamHealth() async throws -> [String: Any] {
                    let health = try await HTTPExchange.send(port: relay.port, "GET", "/healthz")
                    let json = try JSONSerialization.jsonObject(with: Data(health.body.utf8)) as? [String: Any]
                    return (json?["upstreams"] as? [[String: Any]])?.first ?? [:]
                }
                try await eventually("the upstream's reason on /healthz") { try await upstreamHealth()["last_error"] != nil }
                let upstream = try await upstreamHealth()
                #expect(upstream["state"] as? String == "reconnecting")
                let reason = upstream["last_error"] as? String ?? ""
                // The URL as asked for, with its resume query (`?since=0`).
                #expect(reason.hasPrefix("wss://127.0.0.1:\(origin.port)/events"), "\(reason)")
                #expect(reason.contains(": certificate verify failed: "), "\(reason)")
            }
        }
    }

    @Test func reloadSwapsTheCertificateForNewConnectionsOnly() async throws {
        let first = try await TestCertificates(name: "first CA")
        let second = try await TestCertificates(name: "second CA")
        let files = try await TestCertificates(name: "files CA")
        try first.install(over: files.server)
        try await withEventServer({ $0.tls = files.server }) { server in
            let before = try await WebSocketClient.connect(to: server.url, configuration: trusting(first))
            try second.install(over: files.server)
            try server.reloadTLS()
            let after = try await WebSocketClient.connect(to: server.url, configuration: trusting(second))
            await #expect(throws: WebSocketError.self) {
                _ = try await WebSocketClient.connect(to: server.url, configuration: trusting(first))
            }
            try await eventually("both subscribed") { server.stream.status.subscribers == 2 }
            try server.publish(1)
            #expect(try await TestClient.collect(on: before, count: 1).texts == ["event 0"])
            #expect(try await TestClient.collect(on: after, count: 1).texts == ["event 0"])
        }
    }

    @Test func aFailedReloadKeepsTheCurrentCertificate() async throws {
        let certificates = try await TestCertificates()
        let files = try await TestCertificates(name: "files CA")
        try certificates.install(over: files.server)
        try await withEventServer({ $0.tls = files.server }) { server in
            try "not a key".write(toFile: files.keyFile, atomically: true, encoding: .utf8)
            #expect(throws: TLSFileError.self) { try server.reloadTLS() }
            let received = try await TestClient.collect(server.url(query: "since=0"), v1: true, count: 1, configuration: trusting(certificates))
            #expect(received.subprotocol == "wsevent.v1")
        }
    }
}
