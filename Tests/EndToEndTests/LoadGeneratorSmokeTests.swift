import Foundation
import TestSupport
import Testing

/// CI's check of the load generator: it builds, and a 2-second run against a locally started
/// `wsevent-service` reports every acknowledged event delivered. No speed is asserted: a
/// benchmark is not a test (scripts/bench measures).
@Suite struct LoadGeneratorSmokeTests {
    struct Report: Decodable {
        struct Published: Decodable {
            var sent: Int
            var acknowledged: Int
        }

        struct Delivered: Decodable {
            var messages: Int
        }

        struct Handshakes: Decodable {
            var connected: Int
        }

        var mode: String
        var lost: Int?
        var reordered: Int?
        var closed: [String: Int]
        var published: Published?
        var delivered: Delivered?
        var handshakes: Handshakes
        var error: String?
    }

    /// The one JSON line among the generator's output.
    static func report(_ stdout: String) throws -> Report {
        let lines = stdout.split(separator: "\n").filter { $0.hasPrefix("{") }
        #expect(lines.count == 1, "one JSON line per run: \(stdout)")
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(Report.self, from: Data(try #require(lines.first).utf8))
    }

    @Test(arguments: ["ws", "sse"])
    func aTwoSecondRunAgainstAHubLosesNothing(transport: String) async throws {
        let hub = try await ServiceProcess(["-no-produce", "-publish-token", "T", "-serve-address", "127.0.0.1:0"])
        let scheme = transport == "ws" ? "ws" : "http"
        let bench = try ManagedProcess(Binaries.bench, [
            "fan-out", "--subscribe-url", "\(scheme)://127.0.0.1:\(hub.port)/events", "--transport", transport,
            "--publish-url", "http://127.0.0.1:\(hub.port)/events", "--publish-token", "T",
            "--subscribers", "10", "--publishers", "2", "--rate", "100", "--duration", "2",
            "--server-pid", "\(hub.process.pid)", "--label", "wsevent",
        ])
        #expect(try await bench.waitForExit(timeout: 120) == 0, "\(bench.stderr)\(bench.stdout)")
        let report = try Self.report(bench.stdout)
        #expect(report.error == nil)
        #expect(report.handshakes.connected == 10)
        let published = try #require(report.published)
        #expect(published.acknowledged > 0)
        #expect(published.acknowledged == published.sent)
        #expect(report.lost == 0, "\(bench.stdout)")
        #expect(report.reordered == 0)
        #expect(report.closed.isEmpty)
        #expect((report.delivered?.messages ?? 0) > 0)
        #expect(bench.stdout.contains("msgs per server CPU-second"))
    }

    @Test func aURLOffThisMachineIsRefusedWithOneLine() async throws {
        let bench = try ManagedProcess(Binaries.bench, ["fan-out", "--subscribe-url", "ws://192.0.2.1:80/events", "--duration", "1"])
        #expect(try await bench.waitForExit() == 64)
        #expect(bench.stderr.contains("only targets this machine"))
    }
}
