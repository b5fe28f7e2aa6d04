import Foundation
import Histogram
import Testing

@testable import WSEventLoad

@Suite struct RunReportTests {
    func report() -> RunReport {
        var histogram = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .three)
        for value: UInt64 in [1_000_000, 2_000_000, 3_000_000] { histogram.record(value) }
        return RunReport(
            mode: "fan-out", label: "wsevent", scenario: "fanout-ws-2-128", transport: .webSocket, subscribeUrl: "ws://127.0.0.1:1/events",
            publishUrl: "http://127.0.0.1:1/events", subscribers: 2, payloadBytes: 128, publishers: 1, rateTarget: nil, durationSeconds: 1,
            handshakes: RunReport.Handshakes(connected: 2, refused: ["503": 1], perSecond: 100, p50Ms: 1, p99Ms: 2),
            published: RunReport.Published(sent: 3, acknowledged: 3, failed: [:], late: 0, reconnects: 0, perSecond: 3),
            delivered: RunReport.Delivered(messages: 6, perSecond: 6, perSubscriber: RunReport.Spread([3, 3])),
            latencyMs: RunReport.Latency(histogram), lost: 0, reordered: 0, foreign: 0, closed: ["1013": 1],
            server: RunReport.Server(pids: [1, 2], cpuSeconds: 0.5, cpuPercent: 50, rssBytes: 1 << 20, pssBytes: 1 << 19, deliveredPerCpuSecond: 12),
            idle: nil, generator: RunReport.Generator(cpuSeconds: 0.1, cpuPercent: 10, threads: 2), error: nil)
    }

    @Test func theJSONIsOneLineWithSnakeCaseKeys() throws {
        let line = report().jsonLine
        #expect(!line.contains("\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(object["mode"] as? String == "fan-out")
        #expect(object["transport"] as? String == "ws")
        #expect(object["lost"] as? Int == 0)
        // HdrHistogram answers a value equivalent to 2 ms within its three significant digits.
        let p50 = try #require((object["latency_ms"] as? [String: Any])?["p50"] as? Double)
        #expect(p50 >= 2 && p50 <= 2.002)
        #expect((object["server"] as? [String: Any])?["delivered_per_cpu_second"] as? Double == 12)
        #expect((object["handshakes"] as? [String: Any])?["p99_ms"] as? Double == 2)
        #expect(object["idle"] == nil)  // not measured: absent, never zero
    }

    @Test func theLinesSayTheSameForAPerson() {
        let lines = report().lines
        #expect(lines.contains { $0.hasPrefix("wsevent: fan-out, 2 ws subscriber(s)") })
        #expect(lines.contains { $0.hasPrefix("latency ms: p50 2.0") && $0.hasSuffix("max 3.0 (3 samples)") })
        #expect(lines.contains("lost 0, reordered 0, closed by server 1 (1013: 1)"))
        #expect(lines.contains { $0.contains("12.0 msgs per server CPU-second") })
    }

    @Test func theSpreadIsMinMedianMax() {
        let spread = RunReport.Spread([5, 1, 3, 2, 4])
        #expect((spread.min, spread.median, spread.max) == (1, 3, 5))
        let empty = RunReport.Spread([])
        #expect((empty.min, empty.median, empty.max) == (0, 0, 0))
    }
}
