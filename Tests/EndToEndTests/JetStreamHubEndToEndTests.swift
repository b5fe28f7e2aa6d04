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

    /// A hub on stream EVENTS of `nats`, publishing POSTs to `publishSubject`.
    static func hub(_ nats: NATSServer, port: Int = 0, publishSubject: String = "events.web", _ extra: [String] = []) async throws -> ServiceProcess {
        try await NATSService.start(
            [
                "-no-produce", "-publish-token", StoreService.token,
                "-consume", "\(nats.url)/?stream=EVENTS", "-publish-to", "\(nats.url)/\(publishSubject)?stream=EVENTS",
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

    /// Which of `ports` has a subscriber on /events (the first), once one has.
    static func hubWithASubscriber(_ ports: [Int]) async throws -> Int {
        try await withTimeout(30, "a subscriber on one of the hubs") {
            while true {
                for port in ports where await NATSService.subscribers([port]) > 0 { return port }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    @Test func aKilledSubscriberResumesThroughNginxOnTheOtherHubWithNoHoleAndNoDuplicate() async throws {
        _ = try NginxProcess.executable()
        let nats = try await NATSServer()
        try await nats.createStream("EVENTS", subjects: ["events.>"])
        let hubs = [try await Self.hub(nats), try await Self.hub(nats)]
        let ports = hubs.map(\.port)
        let proxy = try await NginxProcess(backends: ports)
        var epoch = ""
        // POSTs to either hub: the ids are the stream's sequence on both.
        for n in 1...10 {
            let published = try #require(try await StoreService.publish("event \(n)", port: ports[n % 2]).published)
            #expect(published.id == UInt64(n))
            epoch = published.epoch
        }
        let first = try ManagedProcess(Binaries.client, ["\(proxy.port)", "events", "--json", "--since", "0", "--timeout", "60s"])
        let home = try await Self.hubWithASubscriber(ports)
        try await eventually("the first subscriber to print ten events", timeout: 30) {
            first.stdout.split(separator: "\n").count >= 10
        }
        first.signal(SIGKILL)
        _ = try await first.waitForExit()
        let seen = try JSONEvent.parseLines(first.stdout)
        #expect(seen.compactMap(\.id) == Array(1...10))
        try await eventually("the killed subscriber to be gone", timeout: 30) { await NATSService.subscribers(ports) == 0 }
        for n in 11...20 { _ = try #require(try await StoreService.publish("event \(n)", port: ports[n % 2]).published) }

        // It comes back through nginx with its position; nginx balances round robin, so within a
        // few tries it lands on the hub it was not on.
        var resumed: ManagedProcess?
        for _ in 0..<6 where resumed == nil {
            let client = try ManagedProcess(
                Binaries.client,
                ["\(proxy.port)", "events", "--json", "--since", "10", "--epoch", epoch, "--count", "20", "--timeout", "60s"]
            )
            if try await Self.hubWithASubscriber(ports) != home {
                resumed = client
            } else {
                client.signal(SIGKILL)
                _ = try await client.waitForExit()
                try await eventually("the try to be gone", timeout: 30) { await NATSService.subscribers(ports) == 0 }
            }
        }
        let client = try #require(resumed, "nginx never sent the subscriber to the other hub")
        for n in 21...30 { _ = try #require(try await StoreService.publish("event \(n)", port: ports[n % 2]).published) }
        #expect(try await client.waitForExit(timeout: 60) == 0, "\(client.stderr)")
        let events = try JSONEvent.parseLines(client.stdout)
        #expect(events.compactMap(\.id) == Array(11...30), "no hole, no duplicate")
        #expect(events.map(\.payload) == (11...30).map { "event \($0)" })
        #expect(Set(events.compactMap(\.epoch)) == [epoch])
        withExtendedLifetime((nats, hubs, proxy)) {}
    }

    @Test func aFilterNarrowerThanTheStreamGivesTheInstancesOwnIdsAndHealthzSaysSo() async throws {
        let nats = try await NATSServer()
        try await nats.createStream("EVENTS", subjects: ["events.>"])
        let hub = try await NATSService.start(["-no-produce", "-consume", "\(nats.url)/events.eu?stream=EVENTS"])
        let health = try await NATSService.health(hub.port).health
        #expect(health.store?.ids == "local: the filter events.eu is narrower than stream EVENTS (events.>): the instance gives the ids", "\(health)")
        let client = try StoreService.client(port: hub.port, count: 2)
        try await eventually("the subscriber", timeout: 30) { await NATSService.subscribers([hub.port]) == 1 }
        let publisher = try await nats.client()
        for (subject, text) in [("events.us", "a"), ("events.eu", "b"), ("events.us", "c"), ("events.eu", "d")] {
            try await publisher.publish(subject, text)
        }
        #expect(try await client.waitForExit(timeout: 60) == 0, "\(client.stderr)")
        let events = try JSONEvent.parseLines(client.stdout)
        #expect(events.map(\.payload) == ["b", "d"])
        #expect(events.map(\.id) == [1, 2], "the stream's sequences 2 and 4 would be holes: the instance numbers them")
        withExtendedLifetime((nats, hub)) {}
    }

    @Test func payloadsKeepTheirKindNonUTF8IsBinaryAndAnOversizeMessageIsRefusedAndCounted() async throws {
        let nats = try await NATSServer()
        try await nats.createStream("EVENTS", subjects: ["events.>"])
        let hub = try await Self.hub(nats, ["-max-message-size", "1KiB"])
        let client = try StoreService.client(port: hub.port, count: 5)
        try await eventually("the subscriber", timeout: 30) { await NATSService.subscribers([hub.port]) == 1 }
        let publisher = try await nats.client()
        try await publisher.publish("events.x", "text ü")
        try await publisher.publish("events.x", [0xff, 0x00, 0x80])
        try await publisher.publish("events.x", [UInt8](repeating: 0x61, count: 1025))
        let binary = try await HTTPExchange.send(
            port: hub.port, "POST", "/events",
            headers: ["Authorization": "Bearer \(StoreService.token)", "Content-Type": "application/octet-stream"],
            body: [0x68, 0x69]
        )
        #expect(binary.status == 200, "\(binary.body)")
        #expect(try await StoreService.publish("after", port: hub.port).published?.id == 5)
        try await publisher.publish("events.x", "last")
        #expect(try await client.waitForExit(timeout: 60) == 0, "\(client.stderr)")
        let lines = try JSONEvent.parseLines(client.stdout)
        #expect(lines.count > 2 && lines[2].kind == "gap" && lines[2].first == 3 && lines[2].last == 3, "subscribers are told of the refused sequence")
        let events = lines.filter { $0.kind != "gap" }
        #expect(events.map(\.id) == [1, 2, 4, 5, 6], "sequence 3 was refused")
        #expect(events.map(\.kind) == ["text", "binary", "binary", "text", "text"], "a POST's kind survives the broker")
        #expect(events.map(\.payload) == ["text ü", Data([0xff, 0x00, 0x80]).base64EncodedString(), Data("hi".utf8).base64EncodedString(), "after", "last"])
        #expect(try await NATSService.metric("wsevent_source_refused_total", port: hub.port) == 1)
        #expect(hub.process.stderr.contains("refused a message larger than -max-message-size"))
        withExtendedLifetime((nats, hub)) {}
    }

    @Test func aBrokerDownAtStartIsReachedWhenItComesAndHealthzSaysWhyMeanwhile() async throws {
        let nats = try await NATSServer(started: false)
        let hub = try await NATSService.start(
            [
                "-no-produce", "-publish-token", StoreService.token,
                "-consume", "\(nats.url)/?stream=EVENTS", "-publish-to", "\(nats.url)/events.web?stream=EVENTS",
            ],
            waitHealthy: false
        )
        try await eventually("/healthz to say why the instance cannot serve", timeout: 30) {
            let (status, health) = try await NATSService.health(hub.port)
            return status == 503 && health.reason == "/events has not reached its store yet: no NATS server answers at 127.0.0.1:\(nats.port) yet; retrying with backoff"
        }
        let refused = try await HTTPExchange.send(
            port: hub.port, "POST", "/events",
            headers: ["Authorization": "Bearer \(StoreService.token)", "Content-Type": "text/plain"], body: Array("early".utf8)
        )
        #expect(refused.status == 503)
        #expect(refused.header("Retry-After") == "1")

        try await nats.start()
        try await eventually("/healthz to say the stream is missing", timeout: 60) {
            let health = try await NATSService.health(hub.port).health
            return health.reason == "/events has not reached its store yet: stream EVENTS does not exist on 127.0.0.1:\(nats.port): make it (nats stream add EVENTS), and the instance follows it"
        }
        try await nats.createStream("EVENTS", subjects: ["events.>"])
        try await eventually("the instance to follow the stream", timeout: 60) {
            (try? await NATSService.health(hub.port).status) == 200
        }
        #expect(try await StoreService.publish("arrived", port: hub.port).published?.id == 1)
        #expect(try await NATSService.health(hub.port).health.store?.last_error == nil, "what kept the stream from being read is over")
        withExtendedLifetime((nats, hub)) {}
    }

    @Test func aPublishSubjectTheStreamDoesNotTakeIsSaidAndEveryPOSTIsRefused() async throws {
        let nats = try await NATSServer()
        try await nats.createStream("EVENTS", subjects: ["events.>"])
        let hub = try await Self.hub(nats, publishSubject: "other.web")
        let health = try await NATSService.health(hub.port).health
        #expect(health.store?.last_error == "-publish-to subject other.web is not one stream EVENTS takes (events.>): every POST is refused")
        let refused = try await HTTPExchange.send(
            port: hub.port, "POST", "/events",
            headers: ["Authorization": "Bearer \(StoreService.token)", "Content-Type": "text/plain"], body: Array("lost".utf8)
        )
        #expect(refused.status == 503)
        #expect(refused.body.contains("No responders"), "\(refused.body)")
        #expect(hub.process.stderr.contains("-publish-to subject other.web is not one stream EVENTS takes"))
        withExtendedLifetime((nats, hub)) {}
    }

    @Test func aStreamBesideAnotherFeedIsASourceWithTheInstancesIds() async throws {
        let nats = try await NATSServer()
        try await nats.createStream("EVENTS", subjects: ["events.>"])
        let publisher = try await nats.client()
        try await publisher.publish("events.old", "before the hub")
        let hub = try await NATSService.start(["-no-produce", "-consume", "\(nats.url)/?stream=EVENTS", "-consume", "\(nats.url)/core"])
        let health = try await NATSService.health(hub.port).health
        #expect(health.store == nil)
        #expect(health.sources?.map(\.ids) == ["local: merged with other feeds: the instance gives the ids", "local"])
        let client = try StoreService.client(port: hub.port, count: 3)
        try await eventually("the subscriber", timeout: 30) { await NATSService.subscribers([hub.port]) == 1 }
        try await publisher.publish("events.a", "stored")
        try await eventually("the stored message to be taken", timeout: 30) {
            (try? await NATSService.health(hub.port).health.events?.last_id) == 1
        }
        try await publisher.publish("core", "core")
        try await eventually("the core message to be taken", timeout: 30) {
            (try? await NATSService.health(hub.port).health.events?.last_id) == 2
        }
        try await publisher.publish("events.b", "stored again")
        #expect(try await client.waitForExit(timeout: 60) == 0, "\(client.stderr)")
        let events = try JSONEvent.parseLines(client.stdout)
        #expect(events.map(\.payload) == ["stored", "core", "stored again"], "the stream's new messages only, merged")
        #expect(events.map(\.id) == [1, 2, 3])
        withExtendedLifetime((nats, hub)) {}
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
        let outage = try await StoreService.publishThroughAnOutage(
            port: hub.port,
            stop: { try await nats.stop() },
            start: { try await nats.start() },
            isLost: {
                let health = try await NATSService.health(hub.port).health
                return health.store?.state == "reconnecting" && health.status == "degraded"
            }
        )
        // While it was down: 503 with Retry-After, nothing acknowledged.
        #expect(outage.refused.status == 503)
        #expect(outage.refused.header("Retry-After") == "1")
        #expect(outage.acknowledged == Array(1...40))
        #expect(outage.clientStatus == 0, "\(outage.client.stderr)")
        let events = try JSONEvent.parseLines(outage.client.stdout)
        #expect(events.compactMap(\.id) == Array(1...40))
        #expect(events.map(\.payload) == (1...20).map { "up \($0)" } + (21...40).map { "back \($0)" })
        #expect(!outage.client.stderr.contains("reconnected"), "the subscriber stayed connected through the restart")
        withExtendedLifetime((nats, hub)) {}
    }
}
#endif
