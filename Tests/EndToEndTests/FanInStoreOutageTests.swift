import Foundation
import TestSupport
import Testing
import WSEventCore

/// A fan-in on `-store` while its database goes away and comes back, run as the built binaries:
/// it holds its upstreams until their events can be committed, and resumes them from the first
/// event it did not take, so every upstream event reaches the fan-in's stream, in order.
@Suite(.serialized, .enabled(if: TestStore.enabled, Comment(rawValue: TestStore.skipReason)), .timeLimit(.minutes(4)))
struct FanInStoreOutageTests {
    /// The upstream ids each producer's events carry in the fan-in's stream, by the producer's
    /// address (its events read `<id>: <address>: <letters>\n`).
    static func upstreamIDs(_ events: [JSONEvent]) -> [String: [UInt64]] {
        var ids: [String: [UInt64]] = [:]
        for event in events {
            let fields = (event.payload ?? "").split(separator: ":", maxSplits: 3).map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count >= 3, let id = UInt64(fields[0]) else { continue }
            ids["\(fields[1]):\(fields[2])", default: []].append(id)
        }
        return ids
    }

    @Test func everyUpstreamEventReachesTheFanInThroughADatabaseOutage() async throws {
        let cluster = try await PostgresCluster()
        // Upstreams that ping a silent subscriber after 1 s and drop it 1 s later: during the
        // outage the fan-in reads nothing, so its upstream connections are dropped under it
        // and it must resume them from the first event it did not take.
        let upstreams = try await (0..<2).asyncMap { _ in
            try await ServiceProcess(["-serve-address", "127.0.0.1:0", "-interval", "50ms", "-ping-interval", "1s", "-pong-timeout", "1s"])
        }
        let fanIn = try await ServiceProcess(
            ["-serve-address", "127.0.0.1:0", "-no-produce", "-store", cluster.url]
                + upstreams.flatMap { ["-consume", "ws://127.0.0.1:\($0.port)/events"] }
        )
        try await eventually("the fan-in to publish its upstreams' events into the store", timeout: 60) {
            ((try? await StoreService.health(fanIn.port).events?.last_id) ?? 0) >= 40
        }

        try await cluster.stop()
        try await Task.sleep(for: .seconds(5))
        try await cluster.start()

        // Well past the outage: 5 s of two producers at 20 events/s are 200 events.
        let before = try #require(try await StoreService.health(fanIn.port).events?.last_id)
        try await eventually("the fan-in to go on after the outage", timeout: 60) {
            ((try? await StoreService.health(fanIn.port).events?.last_id) ?? 0) >= before + 300
        }
        let total = try #require(try await StoreService.health(fanIn.port).events?.last_id)
        let reader = try StoreService.client(port: fanIn.port, count: Int(total), ["--since", "0"])
        #expect(try await reader.waitForExit(timeout: 60) == 0, "\(reader.stderr)")
        let events = try JSONEvent.parseLines(reader.stdout)
        #expect(events.compactMap(\.id) == Array(1...total), "the fan-in's own ids")
        let byUpstream = Self.upstreamIDs(events)
        #expect(byUpstream.count == 2, "\(byUpstream.keys)")
        for (upstream, ids) in byUpstream {
            let first = try #require(ids.first)
            #expect(ids == Array(first..<first + UInt64(ids.count)), "\(upstream): holes or repeats in \(ids)")
        }
        #expect(fanIn.process.stderr.contains("holding the upstream until they are taken"), "\(fanIn.process.stderr)")
        withExtendedLifetime((cluster, upstreams)) {}
    }
}

extension Sequence {
    fileprivate func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
