import Foundation
import TestSupport
import Testing
import WSEventCore

/// Faults that only a whole process shows: its descriptor limit and its memory, measured from
/// `/proc` while a subscriber connected throughout keeps receiving every event.
@Suite struct ResourceBoundsProcessTests {
    /// Out of descriptors the process would die (libdispatch traps when it cannot open `/proc`
    /// for its thread pool monitor), so the server must never take the last of them: past the
    /// connections the limit leaves room for, it stops accepting and lets the backlog wait.
    @Test func idleSocketsPastTheDescriptorLimitWaitInTheBacklogAndTheServerLives() async throws {
        // 64 descriptors and a cap far above them; heads that may take their time.
        let service = try await ServiceProcess(
            ["-serve-address", "127.0.0.1:0", "-interval", "10ms", "-max-connections", "1000", "-header-timeout", "120s"],
            fileDescriptorLimit: 64
        )
        let warning = try await service.process.waitForLog("-max-connections 1000 needs more file descriptors")
        #expect(warning.hasSuffix("than the limit of 64 leaves (ulimit -n); using 29"), "\(warning)")
        let subscriber = try await WebSocketClient.connect(
            to: WebSocketURL(host: "127.0.0.1", port: service.port, path: "/events"),
            subprotocols: [WireMode.v1Subprotocol]
        )
        async let received = TestClient.collect(on: subscriber, timeout: 120)

        // Twice what the descriptors allow, all silent.
        var idle: [RawSocket] = []
        for _ in 0..<128 { idle.append(try RawSocket(port: service.port)) }
        try await Task.sleep(for: .seconds(3))
        #expect(service.process.isRunning)
        idle.removeAll()
        try await eventually("the server to accept again", timeout: 60) {
            (try? await HTTPExchange.send(port: service.port, "GET", "/livez").status) == 200
        }
        #expect(!service.process.stderr.contains("cannot accept connections"), "\(service.process.stderr)")
        let metrics = try await HTTPExchange.send(port: service.port, "GET", "/metrics").body
        #expect(metrics.contains("wsevent_accept_errors_total 0"))
        #expect(!metrics.contains(#"wsevent_refusals_total{reason="limit"} 0"#), "the connections past 29 were refused")

        service.process.signal(SIGTERM)
        let events = try await received
        #expect(events.closeCode == .goingAway)
        let ids = events.eventIDs
        #expect(ids.count > 100)
        #expect(ids == Array(ids.first!...ids.last!), "the subscriber missed events while the server was full")
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

    /// A peer that pings and never reads: past `-max-pending-bytes` the server keeps one pong
    /// (for the latest ping) instead of queueing one per ping, so its memory stays put. (The
    /// rule itself is ResourceBoundsTests' `pingsWhilePongsCannotBeWrittenCostOnePongForTheLatest`;
    /// this is the real socket's writability reaching it.)
    @Test func aPingFloodFromAPeerThatDoesNotReadHoldsMemoryWithinTheBound() async throws {
        let service = try await ServiceProcess(["-serve-address", "127.0.0.1:0", "-interval", "1h", "-max-pending-bytes", "64KiB"])
        let before = try #require(ProcessUsage.residentBytes(of: service.process.pid))
        let socket = try RawSocket(port: service.port, receiveBuffer: 4096)
        let (head, _) = try await socket.upgrade("/events")
        #expect(head.hasPrefix("HTTP/1.1 101"))
        // 256 000 masked pings of 125 bytes (mask key 0), 32 MiB: one 127-byte pong each would
        // be 32 MiB of frames, and more in NIO's pending-write entries.
        let ping: [UInt8] = [0x89, 0x80 | 125, 0, 0, 0, 0] + [UInt8](repeating: 0x61, count: 125)
        let batch = Array([[UInt8]](repeating: ping, count: 1000).joined())
        for _ in 0..<256 { try await socket.send(batch) }
        var peak = before
        for _ in 0..<30 {
            try await Task.sleep(for: .milliseconds(100))
            peak = max(peak, ProcessUsage.residentBytes(of: service.process.pid) ?? 0)
        }
        let growth = peak - before
        #expect(growth < 16 << 20, "RSS grew by \(growth >> 20) MiB")
        #expect(service.process.isRunning)
        service.process.signal(SIGTERM)
        #expect(try await service.process.waitForExit(timeout: 60) == 0)
    }
}
