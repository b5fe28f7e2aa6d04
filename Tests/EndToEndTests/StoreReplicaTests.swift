import Foundation
import TestSupport
import Testing
import WSEventCore

/// Replicated origins on one PostgreSQL database, run as the built binaries behind a real
/// nginx (scripts/wsproxy): instances die and come back, the database goes away and comes
/// back, and no subscriber misses or repeats an acknowledged event.
@Suite(.serialized, .enabled(if: TestStore.enabled, Comment(rawValue: TestStore.skipReason)), .timeLimit(.minutes(6)))
struct StoreReplicaTests {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Checks every client exited 0 with exactly ids 1...count and no gap.
    static func expectAll(_ clients: [ManagedProcess], count: Int) async throws {
        for client in clients {
            #expect(try await client.waitForExit(timeout: 150) == 0, "\(client.stderr)")
            let events = try JSONEvent.parseLines(client.stdout)
            #expect(events.allSatisfy { $0.kind == "text" }, "gaps: \(events.filter { $0.kind != "text" })")
            let ids = events.compactMap(\.id)
            #expect(ids == Array(1...UInt64(count)), "holes or duplicates: \(ids.count) ids, first \(ids.first ?? 0), last \(ids.last ?? 0)")
        }
    }

    static func subscribers(_ ports: [Int]) async -> Int {
        var total = 0
        for port in ports { total += (try? await StoreService.health(port).events?.subscribers) ?? 0 }
        return total
    }

    @Test func aReplicaKilledMidStreamLosesNothingAndEveryAcknowledgedPublishIsDelivered() async throws {
        _ = try NginxProcess.executable()
        let database = try await TestStore.freshDatabase()
        let a = try await StoreService.start(store: database.urlString)
        let portB = try RawSocketPortProbe.freePort()
        var b: ServiceProcess? = try await StoreService.start(store: database.urlString, port: portB)
        let proxy = try await NginxProcess(backends: [a.port, portB])
        let total = 240
        let clients = try (0..<30).map { _ in
            try ManagedProcess(Binaries.client, ["\(proxy.port)", "events", "--json", "--since", "0", "--count", "\(total)", "--timeout", "150s"])
        }
        try await eventually("30 subscribers on the two replicas", timeout: 60) {
            await Self.subscribers([a.port, portB]) == 30
        }

        var acknowledged: [UInt64] = []
        for n in 0..<total {
            if n == 80, let victim = b {
                // Killed between two publishes: every publish was answered, none is in doubt.
                victim.process.signal(SIGKILL)
                _ = try await victim.process.waitForExit()
                b = nil
            }
            if n == 160 {
                b = try await StoreService.start(store: database.urlString, port: portB)
            }
            // The publisher alternates between the replicas (only A while B is down).
            let port = n % 2 == 1 && b != nil ? portB : a.port
            let (status, published) = try await StoreService.publish("event \(n + 1)", port: port)
            guard status == 200, let published else { throw Failure(description: "publish \(n + 1) to port \(port): \(status)") }
            acknowledged.append(published.id)
        }
        #expect(acknowledged == Array(1...UInt64(total)))
        try await Self.expectAll(clients, count: total)
        let reconnected = clients.filter { $0.stderr.contains("reconnected") }.count
        #expect(reconnected > 0, "some clients were on the killed replica and resumed on the other")
        withExtendedLifetime((a, b, proxy)) {}
    }

    @Test func restartingBothReplicasKeepsTheEpochAndResumingClientsSeeNoGap() async throws {
        _ = try NginxProcess.executable()
        let database = try await TestStore.freshDatabase()
        let ports = [try RawSocketPortProbe.freePort(), try RawSocketPortProbe.freePort()]
        var replicas = [
            try await StoreService.start(store: database.urlString, port: ports[0]),
            try await StoreService.start(store: database.urlString, port: ports[1]),
        ]
        let proxy = try await NginxProcess(backends: ports)
        let total = 60
        let clients = try (0..<10).map { _ in
            try ManagedProcess(Binaries.client, ["\(proxy.port)", "events", "--json", "--since", "0", "--count", "\(total)", "--timeout", "150s"])
        }
        try await eventually("10 subscribers", timeout: 60) { await Self.subscribers(ports) == 10 }
        var epochs: Set<String> = []
        for n in 1...30 {
            let published = try #require(try await StoreService.publish("before \(n)", port: ports[n % 2]).published)
            epochs.insert(published.epoch)
        }
        // Both go away; the clients retry through nginx (502) with backoff.
        for replica in replicas {
            replica.process.signal(SIGTERM)
            _ = try await replica.process.waitForExit()
        }
        replicas = [
            try await StoreService.start(store: database.urlString, port: ports[0]),
            try await StoreService.start(store: database.urlString, port: ports[1]),
        ]
        for port in ports {
            let health = try await StoreService.health(port)
            epochs.insert(health.events?.epoch ?? "")
            #expect(health.events?.last_id == 30)
        }
        for n in 31...total {
            let published = try #require(try await StoreService.publish("after \(n)", port: ports[n % 2]).published)
            #expect(published.id == UInt64(n))
            epochs.insert(published.epoch)
        }
        #expect(epochs.count == 1, "one epoch across the restart: \(epochs)")
        try await Self.expectAll(clients, count: total)
        withExtendedLifetime((replicas, proxy)) {}
    }

    @Test func aResumeOlderThanMemoryIsServedFromTheTableAndPastTheRetentionIsAGap() async throws {
        let database = try await TestStore.freshDatabase()
        let replica = try await StoreService.start(store: database.urlString, ["-buffer", "4", "-retention", "30"])
        var epoch = ""
        for n in 1...20 { epoch = try #require(try await StoreService.publish("event \(n)", port: replica.port).published).epoch }
        // Memory holds 17...20; 3...16 come from the table.
        let resumed = try StoreService.client(port: replica.port, count: 18, ["--since", "2", "--epoch", epoch])
        #expect(try await resumed.waitForExit(timeout: 60) == 0, "\(resumed.stderr)")
        let events = try JSONEvent.parseLines(resumed.stdout)
        #expect(events.map(\.kind).allSatisfy { $0 == "text" })
        #expect(events.compactMap(\.id) == Array(3...20))
        #expect(events.first?.payload == "event 3")
        // SSE resumes the same way, by Last-Event-ID.
        let sse = try await SSETestClient(port: replica.port, "/events", headers: ["Last-Event-ID": "\(epoch).10"])
        let messages = try await withTimeout(30, "SSE replay from the table") { try await sse.next(10) }
        #expect(messages.map(\.id) == (11...20).map { "\(epoch).\($0)" })

        // Past the retention (30): the oldest are pruned, and a resume before them is a gap.
        for n in 21...50 { _ = try await StoreService.publish("event \(n)", port: replica.port) }
        try await eventually("pruning to keep the newest 30", timeout: 30) {
            try await database.integer("SELECT min(id)::text FROM wsevent_events") == 21
        }
        let late = try StoreService.client(port: replica.port, count: 30, ["--since", "5", "--epoch", epoch])
        #expect(try await late.waitForExit(timeout: 60) == 0, "\(late.stderr)")
        let lateEvents = try JSONEvent.parseLines(late.stdout)
        #expect(lateEvents.first?.kind == "gap")
        #expect(lateEvents.first?.first == 6)
        #expect(lateEvents.first?.last == 20)
        #expect(lateEvents.compactMap(\.id) == Array(21...50))
    }

    @Test func whileTheDatabaseIsDownPublishesGet503AndAfterItReturnsIdsContinueWithNoHole() async throws {
        let cluster = try await PostgresCluster()
        let replica = try await StoreService.start(store: cluster.url)
        let outage = try await StoreService.publishThroughAnOutage(
            port: replica.port,
            stop: { try await cluster.stop() },
            start: { try await cluster.start() },
            isLost: {
                let health = try await StoreService.health(replica.port)
                return health.store?.state == "reconnecting" && health.status == "degraded"
            }
        )
        // While it was down: 503 with Retry-After, and /healthz said so (still 200: subscribers
        // are served what was committed).
        #expect(outage.refused.status == 503)
        #expect(outage.refused.header("Retry-After") == "1")
        #expect(outage.acknowledged == Array(1...40))
        #expect(outage.clientStatus == 0, "\(outage.client.stderr)")
        #expect(try JSONEvent.parseLines(outage.client.stdout).compactMap(\.id) == Array(1...40))
        #expect(!outage.client.stderr.contains("reconnected"), "the subscriber stayed connected through the outage")
        withExtendedLifetime((cluster, replica)) {}
    }

    @Test func pipelinedPublishesAreAnsweredInOrderEachAfterItsCommit() async throws {
        let database = try await TestStore.freshDatabase()
        let replica = try await StoreService.start(store: database.urlString)
        let socket = try RawSocket(port: replica.port)
        var requests = ""
        for n in 1...20 {
            let body = "pipelined \(n)"
            requests += "POST /events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(StoreService.token)\r\n"
            requests += "Content-Type: text/plain\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
        }
        // A request that is not a publish waits for the answers before it.
        requests += "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
        try await socket.send(requests)
        var leftover: [UInt8] = []
        for n in 1...20 {
            let (answer, rest) = try await HTTPExchange.receiveKeepingRest(on: socket, after: leftover)
            leftover = rest
            #expect(answer.status == 200)
            let published = try JSONDecoder().decode(StoreService.Published.self, from: Data(answer.body.utf8))
            #expect(published.id == UInt64(n), "answers in request order")
        }
        let health = try await HTTPExchange.receive(on: socket, after: leftover)
        #expect(health.status == 200)
        #expect(health.body.contains("\"last_id\":20"))
    }

    @Test func twoProducersOnOneStoreWriteOneStreamWithTheDatabasesIds() async throws {
        let database = try await TestStore.freshDatabase()
        var producers: [ServiceProcess] = []
        for _ in 0..<2 {
            let producer = try await ServiceProcess(["-serve-address", "127.0.0.1:0", "-interval", "20ms", "-store", database.urlString])
            try await eventually("the producer to serve from the store", timeout: 60) {
                (try? await StoreService.health(producer.port).events?.source) == "store"
            }
            producers.append(producer)
        }
        let client = try StoreService.client(port: producers[1].port, count: 60, ["--since", "0"])
        #expect(try await client.waitForExit(timeout: 60) == 0, "\(client.stderr)")
        let events = try JSONEvent.parseLines(client.stdout)
        let ids = events.compactMap(\.id)
        #expect(ids == Array(1...60))
        // Each message starts with the id the database gave it, whichever producer made it.
        #expect(events.allSatisfy { $0.payload?.hasPrefix("\($0.id ?? 0): 127.0.0.1:") == true }, "\(events.prefix(3))")
        let origins = Set(events.compactMap { $0.payload?.split(separator: " ").dropFirst().first })
        #expect(origins.count == 2, "events of both producers: \(origins)")
    }

    @Test func aRelayBelowAReplicatedOriginKeepsWorking() async throws {
        let database = try await TestStore.freshDatabase()
        let origin = try await StoreService.start(store: database.urlString)
        let relay = try await ServiceProcess([
            "-no-produce", "-serve-address", "127.0.0.1:0", "-consume-address", "127.0.0.1:\(origin.port)", "-consume-path", "events",
        ])
        try await eventually("the relay to mirror the store's stream", timeout: 30) {
            (try? await StoreService.health(relay.port).events?.source) == "mirror"
        }
        let client = try StoreService.client(port: relay.port, count: 25, ["--since", "0"])
        try await eventually("the subscriber on the relay", timeout: 30) { await Self.subscribers([relay.port]) == 1 }
        var epoch = ""
        for n in 1...25 { epoch = try #require(try await StoreService.publish("event \(n)", port: origin.port).published).epoch }
        #expect(try await client.waitForExit(timeout: 60) == 0, "\(client.stderr)")
        let events = try JSONEvent.parseLines(client.stdout)
        #expect(events.compactMap(\.id) == Array(1...25))
        #expect(Set(events.compactMap(\.epoch)) == [epoch])
        #expect(try await StoreService.health(relay.port).events?.epoch == epoch)
    }
}
