import Foundation
import NIOConcurrencyHelpers
import TestSupport
import Testing
import WSEventCore

/// SIGTERM drains: every publish the server acknowledged reaches every subscriber before its
/// 1001, and the process exits 0; a second signal exits at once.
@Suite struct DrainTests {
    @Test func everyAcknowledgedPublishReachesEverySubscriberBeforeThe1001() async throws {
        let service = try await ServiceProcess(["-serve-address", "127.0.0.1:0", "-no-produce", "-publish-token", "T"])
        let url = WebSocketURL(host: "127.0.0.1", port: service.port, path: "/events")
        let subscribers = 100
        let received = try await withThrowingTaskGroup(of: Received.self) { group in
            for _ in 0..<subscribers {
                let connection = try await WebSocketClient.connect(to: url, subprotocols: [WireMode.v1Subprotocol])
                group.addTask { try await TestClient.collect(on: connection, timeout: 120) }
            }
            try await eventually("all subscribed", timeout: 60) {
                let health = try await HTTPExchange.send(port: service.port, "GET", "/healthz")
                return health.body.contains("\"subscribers\":\(subscribers)")
            }
            // Publish until the server stops taking publishes; SIGTERM once some went through.
            var acknowledged: [UInt64] = []
            while acknowledged.count < 2000 {
                guard let answer = try? await HTTPExchange.send(
                    port: service.port, "POST", "/events",
                    headers: ["Authorization": "Bearer T", "Content-Type": "text/plain"],
                    body: Array("event \(acknowledged.count)".utf8)
                ), answer.status == 200 else { break }
                let id = answer.body.split(separator: ":")[1].split(separator: ",")[0]
                acknowledged.append(UInt64(id)!)
                if acknowledged.count == 50 { service.process.signal(SIGTERM) }
            }
            var all: [Received] = []
            for try await one in group { all.append(one) }
            return (acknowledged, all)
        }
        let (acknowledged, all) = received
        #expect(acknowledged.count >= 50)
        #expect(all.count == subscribers)
        for subscriber in all {
            #expect(subscriber.closeCode == .goingAway)
            let ids = subscriber.eventIDs
            #expect(Set(acknowledged).isSubset(of: Set(ids)), "\(acknowledged.count) acknowledged, \(ids.count) received")
            #expect(ids == Array(ids.sorted()) && Set(ids).count == ids.count)
        }
        #expect(try await service.process.waitForExit() == 0)
    }

    @Test func aSecondSignalExitsAtOnce() async throws {
        let service = try await ServiceProcess(["-serve-address", "127.0.0.1:0", "-shutdown-timeout", "60s"])
        // A subscriber that never reads and never answers the close keeps the drain waiting.
        let stalled = try RawSocket(port: service.port, receiveBuffer: 4096)
        _ = try await stalled.upgrade("/events")
        try await Task.sleep(for: .milliseconds(200))
        service.process.signal(SIGTERM)
        // Signals of a kind coalesce while pending, and a loaded machine took up to 20 s to take
        // the first: keep signalling until the service is gone. Those that arrive during the
        // drain (which the stalled subscriber holds for the close timeout) are second signals.
        let signalling = Task {
            while !Task.isCancelled {
                try await Task.sleep(for: .milliseconds(300))
                service.process.signal(SIGTERM)
            }
        }
        defer { signalling.cancel() }
        #expect(try await service.process.waitForExit() == 128 + SIGTERM)
        #expect(service.process.stderr.contains("second signal during shutdown: exiting at once"))
    }
}
