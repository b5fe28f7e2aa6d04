import Foundation
import TestSupport
import Testing
import WSEventCore

/// Faults that only a whole process shows: its descriptor limit and its memory, measured from
/// `/proc` while a subscriber connected throughout keeps receiving every event.
@Suite struct ResourceBoundsProcessTests {
    @Test func outOfDescriptorsTheServerBacksOffSaysSoOnceAndKeepsItsSubscriber() async throws {
        // 64 descriptors, a cap above them, and heads that may take their time: idle sockets
        // take every descriptor and accept fails with EMFILE.
        let service = try await ServiceProcess(
            ["-serve-address", "127.0.0.1:0", "-interval", "10ms", "-max-connections", "1000", "-header-timeout", "120s"],
            fileDescriptorLimit: 64
        )
        let subscriber = try await WebSocketClient.connect(
            to: WebSocketURL(host: "127.0.0.1", port: service.port, path: "/events"),
            subprotocols: [WireMode.v1Subprotocol]
        )
        async let received = TestClient.collect(on: subscriber, timeout: 120)

        var idle: [RawSocket] = []
        for _ in 0..<100 { idle.append(try RawSocket(port: service.port)) }
        try await service.process.waitForLog("cannot accept connections")
        // The episode lasts a while; then the idle sockets go and accepting works again.
        try await Task.sleep(for: .seconds(2))
        idle.removeAll()
        try await eventually("the server to accept again", timeout: 60) {
            (try? await HTTPExchange.send(port: service.port, "GET", "/livez").status) == 200
        }
        try await service.process.waitForLog("accepting connections again")
        #expect(service.process.stderr.components(separatedBy: "cannot accept connections").count - 1 == 1)

        // Each failed accept pauses accepting for at least 100 ms: a handful in the episode, where
        // retrying at once made tens of thousands a second (and spun a core).
        let metrics = try await HTTPExchange.send(port: service.port, "GET", "/metrics").body
        let failures = metrics.split(separator: "\n").first { $0.hasPrefix("wsevent_accept_errors_total ") }
            .flatMap { Double($0.split(separator: " ").last ?? "") } ?? -1
        #expect(failures >= 1 && failures < 1000, "\(failures) failed accepts")

        service.process.signal(SIGTERM)
        let events = try await received
        #expect(events.closeCode == .goingAway)
        let ids = events.eventIDs
        #expect(ids.count > 100)
        #expect(ids == Array(ids.first!...ids.last!), "the subscriber missed events during the episode")
    }

    @Test func pipeliningWithoutReadingHoldsMemoryWithinTheBound() async throws {
        let service = try await ServiceProcess(["-serve-address", "127.0.0.1:0", "-interval", "10ms"])
        let subscriber = try await WebSocketClient.connect(
            to: WebSocketURL(host: "127.0.0.1", port: service.port, path: "/events"),
            subprotocols: [WireMode.v1Subprotocol]
        )
        async let received = TestClient.collect(on: subscriber, timeout: 120)
        try await Task.sleep(for: .milliseconds(500))
        let before = try #require(ProcessUsage.residentBytes(of: service.process.pid))

        // Two clients pipeline 40 000 requests each and read nothing: the server stops reading
        // once their answers back up (the same high-water mark as subscribers).
        let request = Array("GET / HTTP/1.1\r\nHost: a\r\n\r\n".utf8)
        let flood = Array([[UInt8]](repeating: request, count: 40_000).joined())
        let attackers = try (0..<2).map { _ in try RawSocket(port: service.port, receiveBuffer: 4096) }
        let sending = attackers.map { socket in Task { try? await socket.send(flood) } }
        var peak = before
        for _ in 0..<40 {
            try await Task.sleep(for: .milliseconds(100))
            peak = max(peak, ProcessUsage.residentBytes(of: service.process.pid) ?? 0)
        }
        // Before the fix the same attack grew the server by 680 MB. Now: at most the pending
        // bytes per connection (4 MiB by default) and buffers, with room for a debug build.
        let growth = peak - before
        #expect(growth < 64 << 20, "RSS grew by \(growth >> 20) MiB")
        for socket in attackers { socket.shutdownWrite() }
        for task in sending { await task.value }

        service.process.signal(SIGTERM)
        let events = try await received
        let ids = events.eventIDs
        #expect(ids.count > 100)
        #expect(ids == Array(ids.first!...ids.last!), "the subscriber missed events during the attack")
    }
}
