#if Bridges
import Foundation
import TestSupport
import Testing
import WSEventCore

/// Core NATS subjects feeding the built `wsevent-service` (`-consume nats://HOST:PORT/SUBJECT`)
/// on a throw-away nats-server: payloads reach WebSocket and SSE subscribers byte for byte,
/// through a relay too, and bad input is answered as docs/BRIDGES.md says.
@Suite(.serialized, .enabled(if: NATSServer.enabled, Comment(rawValue: NATSServer.skipReason)), .timeLimit(.minutes(4)))
struct NATSCoreEndToEndTests {
    @Test func messagesReachWebSocketAndSSESubscribersByteForByteAndThroughARelay() async throws {
        let nats = try await NATSServer()
        let hub = try await NATSService.start(["-no-produce", "-consume", "\(nats.url)/updates.>"])
        let health = try await NATSService.health(hub.port).health
        #expect(health.role == "hub")
        #expect(health.sources?.first?.state == "connected")
        #expect(health.sources?.first?.url == "\(nats.url)/updates.>")
        let relay = try await ServiceProcess([
            "-no-produce", "-serve-address", "127.0.0.1:0", "-consume-address", "127.0.0.1:\(hub.port)", "-consume-path", "events",
        ])
        try await eventually("the relay to mirror the hub", timeout: 30) {
            (try? await NATSService.health(relay.port).health.events?.source) == "mirror"
        }
        let payloads: [(subject: String, bytes: [UInt8])] = [
            ("updates.a", Array("plain text".utf8)),
            ("updates.b.c", Array("two\nlines, ünïcödé\n".utf8)),
            ("updates.a", [0x00, 0xff, 0xfe, 0x41]),  // not UTF-8: binary, never dropped
            ("updates.a", []),
        ]
        let count = payloads.count
        let direct = try ManagedProcess(Binaries.client, ["ws://127.0.0.1:\(hub.port)/events", "--json", "--count", "\(count)", "--timeout", "60s"])
        let relayed = try ManagedProcess(Binaries.client, ["ws://127.0.0.1:\(relay.port)/events", "--json", "--count", "\(count)", "--timeout", "60s"])
        let sse = try await SSETestClient(port: hub.port, "/events")
        try await eventually("three subscribers on the hub (the relay is one) and one on the relay", timeout: 30) {
            let onHub = await NATSService.subscribers([hub.port])
            let onRelay = await NATSService.subscribers([relay.port])
            return onHub == 3 && onRelay == 1
        }
        let publisher = try await nats.client()
        for (subject, bytes) in payloads { try await publisher.publish(subject, bytes) }

        for client in [direct, relayed] {
            #expect(try await client.waitForExit(timeout: 60) == 0, "\(client.stderr)")
            let events = try JSONEvent.parseLines(client.stdout)
            #expect(events.map(\.id) == [1, 2, 3, 4])
            #expect(events.map(\.kind) == ["text", "text", "binary", "text"])
            #expect(events[0].payload == "plain text")
            #expect(events[1].payload == "two\nlines, ünïcödé\n")
            #expect(events[2].payload == Data([0x00, 0xff, 0xfe, 0x41]).base64EncodedString())
            #expect(events[3].payload == "")
        }
        let messages = try await withTimeout(30, "four SSE events") { try await sse.next(count) }
        #expect(messages.map(\.data) == ["plain text", "two\nlines, ünïcödé\n", Data([0x00, 0xff, 0xfe, 0x41]).base64EncodedString(), ""])
        #expect(messages.map(\.event) == ["message", "message", "binary", "message"])
        #expect(try await NATSService.metric("wsevent_source_events_total", port: hub.port) == 4)
        withExtendedLifetime((nats, hub, relay)) {}
    }

    @Test func anOversizeMessageIsRefusedAndCountedAndTheNextOneStillComes() async throws {
        let nats = try await NATSServer()
        let hub = try await NATSService.start(["-no-produce", "-max-message-size", "1KiB", "-consume", "\(nats.url)/big"])
        let client = try ManagedProcess(Binaries.client, ["ws://127.0.0.1:\(hub.port)/events", "--json", "--count", "1", "--timeout", "60s"])
        try await eventually("the subscriber", timeout: 30) { await NATSService.subscribers([hub.port]) == 1 }
        let publisher = try await nats.client()
        try await publisher.publish("big", [UInt8](repeating: 0x61, count: 1025))
        try await publisher.publish("big", "small")
        #expect(try await client.waitForExit(timeout: 60) == 0, "\(client.stderr)")
        let events = try JSONEvent.parseLines(client.stdout)
        #expect(events.map(\.payload) == ["small"])
        #expect(events.first?.id == 1, "the refused message took no id")
        #expect(try await NATSService.metric("wsevent_source_refused_total", port: hub.port) == 1)
        #expect(hub.process.stderr.contains("refused a message larger than -max-message-size"))
        withExtendedLifetime((nats, hub)) {}
    }

    @Test func aBrokerThatIsDownAtStartIsReachedWhenItComesAndHealthzSaysWhyMeanwhile() async throws {
        let nats = try await NATSServer(started: false)
        let hub = try await NATSService.start(["-no-produce", "-consume", "\(nats.url)/later"], waitHealthy: false)
        // The instance serves: /healthz answers, 503 with the reason.
        try await eventually("/healthz to say the broker is not reached", timeout: 30) {
            let (status, health) = try await NATSService.health(hub.port)
            return status == 503 && health.status == "unavailable" && health.sources?.first?.last_error != nil
        }
        let (_, down) = try await NATSService.health(hub.port)
        #expect(down.reason?.hasPrefix("\(nats.url)/later has not been reached yet: ") == true, "\(down.reason ?? "")")
        #expect(down.sources?.first?.state == "connecting")

        try await nats.start()
        try await eventually("the instance to reach the broker", timeout: 60) {
            (try? await NATSService.health(hub.port).status) == 200
        }
        let client = try ManagedProcess(Binaries.client, ["ws://127.0.0.1:\(hub.port)/events", "--json", "--count", "1", "--timeout", "60s"])
        try await eventually("the subscriber", timeout: 30) { await NATSService.subscribers([hub.port]) == 1 }
        try await nats.client().publish("later", "arrived")
        #expect(try await client.waitForExit(timeout: 60) == 0, "\(client.stderr)")
        #expect(try JSONEvent.parseLines(client.stdout).map(\.payload) == ["arrived"])
        withExtendedLifetime((nats, hub)) {}
    }

    @Test func everyInstanceGetsEveryMessageAndComesBackAfterTheBrokerRestarts() async throws {
        let nats = try await NATSServer()
        // Two replicas on one subject: plain subscriptions, never a queue group.
        let hubs = [
            try await NATSService.start(["-no-produce", "-consume", "\(nats.url)/ticks"]),
            try await NATSService.start(["-no-produce", "-consume", "\(nats.url)/ticks"]),
        ]
        let clients = try hubs.map { hub in
            try ManagedProcess(Binaries.client, ["ws://127.0.0.1:\(hub.port)/events", "--json", "--count", "4", "--timeout", "90s"])
        }
        try await eventually("one subscriber on each hub", timeout: 30) {
            let first = await NATSService.subscribers([hubs[0].port])
            let second = await NATSService.subscribers([hubs[1].port])
            return first == 1 && second == 1
        }
        let publisher = try await nats.client()
        for n in 1...2 { try await publisher.publish("ticks", "before \(n)") }
        try await eventually("both hubs to take both messages", timeout: 30) {
            for hub in hubs where (try? await NATSService.health(hub.port).health.events?.last_id) != 2 { return false }
            return true
        }

        try await nats.stop()
        try await eventually("/healthz to show the broker lost, the instance still serving", timeout: 30) {
            for hub in hubs {
                let (status, health) = try await NATSService.health(hub.port)
                guard status == 200, health.status == "degraded", let source = health.sources?.first,
                    source.state == "reconnecting", source.reconnects == 1, source.last_error != nil
                else { return false }
            }
            return true
        }
        try await nats.start()
        try await eventually("both hubs to be back on the broker", timeout: 60) {
            for hub in hubs where (try? await NATSService.health(hub.port).health.status) != "ok" { return false }
            return true
        }
        let again = try await nats.client()
        for n in 1...2 { try await again.publish("ticks", "after \(n)") }
        for (client, hub) in zip(clients, hubs) {
            #expect(try await client.waitForExit(timeout: 90) == 0, "\(client.stderr)")
            let events = try JSONEvent.parseLines(client.stdout)
            #expect(events.map(\.payload) == ["before 1", "before 2", "after 1", "after 2"])
            #expect(events.map(\.id) == [1, 2, 3, 4])
            #expect(!client.stderr.contains("reconnected"), "the subscriber stayed connected through the broker's restart")
            #expect(try await NATSService.metric("wsevent_source_reconnects_total", port: hub.port) == 1)
            #expect(try await NATSService.metric("wsevent_source_up", port: hub.port) == 1)
        }
        withExtendedLifetime((nats, hubs)) {}
    }

    @Test func aFanInMergesAWebSocketUpstreamAndANATSSubjectUnderItsOwnIds() async throws {
        let nats = try await NATSServer()
        let producer = try await ServiceProcess(["-serve-address", "127.0.0.1:0", "-interval", "50ms"])
        let fanIn = try await NATSService.start([
            "-no-produce", "-consume", "127.0.0.1:\(producer.port)/events", "-consume", "\(nats.url)/extra",
        ])
        let health = try await NATSService.health(fanIn.port).health
        #expect(health.role == "fan-in")
        #expect(health.sources?.first?.ids == "local")
        let client = try ManagedProcess(Binaries.client, ["ws://127.0.0.1:\(fanIn.port)/events", "--json", "--count", "12", "--timeout", "60s"])
        try await eventually("the subscriber", timeout: 30) { await NATSService.subscribers([fanIn.port]) == 1 }
        try await nats.client().publish("extra", "from NATS")
        #expect(try await client.waitForExit(timeout: 60) == 0, "\(client.stderr)")
        let events = try JSONEvent.parseLines(client.stdout)
        let ids = events.compactMap(\.id)
        #expect(ids == Array(ids.first!..<(ids.first! + 12)), "one stream, the fan-in's own ids, in order")
        #expect(events.filter { $0.payload == "from NATS" }.count == 1)
        #expect(events.filter { $0.payload?.contains(": 127.0.0.1:") == true }.count == 11, "the producer's events are merged too")
        withExtendedLifetime((nats, producer, fanIn)) {}
    }

    /// wsevent-bench publishing on a subject (what docs/BENCHMARKS.md measures): every event the
    /// NATS server took reaches every subscriber, in order.
    @Test func aTwoSecondBenchRunFromASubjectLosesNothing() async throws {
        let nats = try await NATSServer()
        let hub = try await NATSService.start(["-no-produce", "-consume", "\(nats.url)/bench"])
        let bench = try ManagedProcess(Binaries.bench, [
            "fan-out", "--subscribe-url", "ws://127.0.0.1:\(hub.port)/events",
            "--publish-url", "\(nats.url)/bench", "--subscribers", "10", "--publishers", "2", "--rate", "100", "--duration", "2",
            "--server-pid", "\(hub.process.pid)", "--label", "wsevent-nats",
        ])
        #expect(try await bench.waitForExit(timeout: 120) == 0, "\(bench.stderr)\(bench.stdout)")
        let report = try LoadGeneratorSmokeTests.report(bench.stdout)
        #expect(report.error == nil)
        let published = try #require(report.published)
        #expect(published.acknowledged > 0)
        #expect(published.acknowledged == published.sent)
        #expect(report.lost == 0, "\(bench.stdout)")
        #expect(report.reordered == 0)
        #expect((report.delivered?.messages ?? 0) > 0)
        #expect(try await NATSService.metric("wsevent_source_events_total", port: hub.port) == Double(published.acknowledged))
        withExtendedLifetime((nats, hub)) {}
    }

    @Test func commandsThatCannotHoldAreRefusedInOneLine() async throws {
        let core = try ManagedProcess(Binaries.service, ["-no-produce", "-publish-token", "t", "-publish-to", "nats://127.0.0.1:4222/a"])
        #expect(try await core.waitForExit() == 2)
        #expect(core.stderr.contains("-publish-to: 'nats://127.0.0.1:4222/a': core NATS publishes at most once"), "\(core.stderr)")
        let withStore = try ManagedProcess(
            Binaries.service,
            ["-no-produce", "-consume", "nats://127.0.0.1:4222/?stream=S", "-store", "postgres://u:p@127.0.0.1:1/d"]
        )
        #expect(try await withStore.waitForExit() == 2)
        #expect(withStore.stderr.contains("-store: the stream is kept in JetStream stream S at nats://127.0.0.1:4222 already"), "\(withStore.stderr)")
    }
}
#endif
