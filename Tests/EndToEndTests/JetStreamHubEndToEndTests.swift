#if Bridges
import Foundation
import TestSupport
import Testing
import WSEventCore

/// Hubs on one JetStream stream (`-consume nats://...?stream=NAME -publish-to ...`), as the
/// built binaries behind the tests' nginx: the ids are the stream's sequence on every instance,
/// subscribers move between instances with no hole and no duplicate, history older than memory
/// comes from JetStream, and a restarted nats-server loses no acknowledged publish.
@Suite(.serialized, .enabled(if: NATSServer.enabled, Comment(rawValue: NATSServer.skipReason)), .timeLimit(.minutes(6)))
struct JetStreamHubEndToEndTests {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// A hub on stream EVENTS of `nats`, publishing POSTs to `events.web`.
    static func hub(_ nats: NATSServer, port: Int = 0, _ extra: [String] = []) async throws -> ServiceProcess {
        try await NATSService.start(
            [
                "-no-produce", "-publish-token", StoreService.token,
                "-consume", "\(nats.url)/?stream=EVENTS", "-publish-to", "\(nats.url)/events.web?stream=EVENTS",
            ] + extra,
            port: port
        )
    }

    static func expectAll(_ clients: [ManagedProcess], count: Int) async throws {
        for client in clients {
            #expect(try await client.waitForExit(timeout: 150) == 0, "\(client.stderr)")
            let events = try JSONEvent.parseLines(client.stdout)
            #expect(events.allSatisfy { $0.kind == "text" }, "gaps: \(events.filter { $0.kind != "text" })")
            let ids = events.compactMap(\.id)
            #expect(ids == Array(1...UInt64(count)), "holes or duplicates: \(ids.count) ids, first \(ids.first ?? 0), last \(ids.last ?? 0)")
        }
    }

    @Test func twoHubsServeTheStreamsSequenceAndSubscribersMoveBetweenThemThroughNginx() async throws {
        _ = try NginxProcess.executable()
        let nats = try await NATSServer()
        try await nats.createStream("EVENTS", subjects: ["events.>"])
        let a = try await Self.hub(nats)
        let portB = try RawSocketPortProbe.freePort()
        var b: ServiceProcess? = try await Self.hub(nats, port: portB)
        let health = try await NATSService.health(a.port).health
        #expect(health.store?.ids == "stream sequence")
        #expect(health.events?.source == "store")
        let proxy = try await NginxProcess(backends: [a.port, portB])
        let total = 120
        let clients = try (0..<20).map { _ in
            try ManagedProcess(Binaries.client, ["\(proxy.port)", "events", "--json", "--since", "0", "--count", "\(total)", "--timeout", "150s"])
        }
        try await eventually("20 subscribers on the two hubs", timeout: 60) { await NATSService.subscribers([a.port, portB]) == 20 }

        let publisher = try await nats.client()
        var acknowledged: [UInt64] = []
        var epochs: Set<String> = []
        for n in 1...total {
            if n == 41, let victim = b {
                // Its subscribers reconnect through nginx to the other hub and resume there.
                victim.process.signal(SIGKILL)
                _ = try await victim.process.waitForExit()
                b = nil
            }
            if n == 81 { b = try await Self.hub(nats, port: portB) }
            if n % 10 == 0 {
                // Published to NATS directly: it takes the next sequence too.
                try await publisher.publish("events.other", "event \(n)")
                acknowledged.append(UInt64(n))
                continue
            }
            let port = n % 2 == 1 && b != nil ? portB : a.port
            let (status, published) = try await StoreService.publish("event \(n)", port: port)
            guard status == 200, let published else { throw Failure(description: "publish \(n) to port \(port): \(status)") }
            acknowledged.append(published.id)
            epochs.insert(published.epoch)
        }
        #expect(acknowledged == Array(1...UInt64(total)), "the answered ids are the stream's sequence")
        #expect(epochs.count == 1)
        try await Self.expectAll(clients, count: total)
        #expect(clients.filter { $0.stderr.contains("reconnected") }.count > 0, "some clients were on the killed hub")
        for port in [a.port, portB] {
            let events = try #require(try await NATSService.health(port).health.events)
            #expect(events.last_id == UInt64(total))
            #expect(epochs == [events.epoch])
        }
        withExtendedLifetime((nats, a, b, proxy)) {}
    }

    @Test func aResumeOlderThanMemoryIsServedFromJetStreamAndPastItIsAGap() async throws {
        let nats = try await NATSServer()
        try await nats.createStream("EVENTS", subjects: ["events.>"], maxMessages: 30)
        let hub = try await Self.hub(nats, ["-buffer", "4"])
        var epoch = ""
        for n in 1...20 { epoch = try #require(try await StoreService.publish("event \(n)", port: hub.port).published).epoch }
        try await eventually("the hub to have taken the 20 events", timeout: 30) {
            (try? await NATSService.health(hub.port).health.events?.last_id) == 20
        }
        // Memory holds 17...20; 3...16 come from JetStream.
        let resumed = try StoreService.client(port: hub.port, count: 18, ["--since", "2", "--epoch", epoch])
        #expect(try await resumed.waitForExit(timeout: 60) == 0, "\(resumed.stderr)")
        let events = try JSONEvent.parseLines(resumed.stdout)
        #expect(events.compactMap(\.id) == Array(3...20))
        #expect(events.first?.payload == "event 3")
        let sse = try await SSETestClient(port: hub.port, "/events", headers: ["Last-Event-ID": "\(epoch).10"])
        let messages = try await withTimeout(30, "SSE replay from JetStream") { try await sse.next(10) }
        #expect(messages.map(\.id) == (11...20).map { "\(epoch).\($0)" })

        // The stream keeps 30: 1...20 are gone once 50 were published.
        for n in 21...50 { _ = try await StoreService.publish("event \(n)", port: hub.port) }
        let late = try StoreService.client(port: hub.port, count: 30, ["--since", "5", "--epoch", epoch])
        #expect(try await late.waitForExit(timeout: 60) == 0, "\(late.stderr)")
        let lateEvents = try JSONEvent.parseLines(late.stdout)
        #expect(lateEvents.first?.kind == "gap")
        #expect(lateEvents.first?.first == 6)
        #expect(lateEvents.first?.last == 20)
        #expect(lateEvents.compactMap(\.id) == Array(21...50))
        withExtendedLifetime((nats, hub)) {}
    }

    @Test func restartingNatsServerLosesNoAcknowledgedPublishAndSubscribersStayConnected() async throws {
        let nats = try await NATSServer()
        try await nats.createStream("EVENTS", subjects: ["events.>"])
        let hub = try await Self.hub(nats)
        let total = 40
        let client = try StoreService.client(port: hub.port, count: total, ["--since", "0"])
        try await eventually("the subscriber", timeout: 30) { await NATSService.subscribers([hub.port]) == 1 }
        var acknowledged: [UInt64] = []
        for n in 1...20 {
            acknowledged.append(try #require(try await StoreService.publish("up \(n)", port: hub.port).published).id)
        }
        try await nats.stop()
        // While it is down: 503 with Retry-After, nothing acknowledged; /healthz says so.
        let (status, _) = try await StoreService.publish("down", port: hub.port)
        #expect(status == 503)
        try await eventually("/healthz to show the broker lost", timeout: 30) {
            let health = try await NATSService.health(hub.port).health
            return health.store?.state == "reconnecting" && health.status == "degraded"
        }
        try await nats.start()
        let back = try await withTimeout(90, "publishes to be taken again") {
            while true {
                if let published = try await StoreService.publish("back 21", port: hub.port).published { return published.id }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        acknowledged.append(back)
        while acknowledged.count < total {
            let n = acknowledged.count + 1
            acknowledged.append(try #require(try await StoreService.publish("back \(n)", port: hub.port).published).id)
        }
        #expect(acknowledged == Array(1...UInt64(total)))
        #expect(try await client.waitForExit(timeout: 90) == 0, "\(client.stderr)")
        let events = try JSONEvent.parseLines(client.stdout)
        #expect(events.compactMap(\.id) == Array(1...UInt64(total)))
        #expect(events.map(\.payload) == (1...20).map { "up \($0)" } + (21...total).map { "back \($0)" })
        #expect(!client.stderr.contains("reconnected"), "the subscriber stayed connected through the restart")
        withExtendedLifetime((nats, hub)) {}
    }
}
#endif
