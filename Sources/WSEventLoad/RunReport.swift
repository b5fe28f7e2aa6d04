import Foundation
import Histogram

/// Everything one run measured: printed as human-readable lines (``lines``) and as exactly one
/// JSON line (``jsonLine``), whose keys are the snake_case of these names. A figure that a
/// mode does not measure is absent (`null` in JSON), never zero.
package struct RunReport: Codable, Sendable {
    /// `fan-out`, `chain`, `idle` or `handshake`.
    package var mode: String
    /// What was measured, as the caller names it (`wsevent`, `nchan`).
    package var label: String?
    /// Which cell of a matrix this run is, as the caller names it (`fanout-ws-1000-128`).
    package var scenario: String?
    package var transport: Transport
    package var subscribeUrl: String
    package var publishUrl: String?
    /// Subscribers asked for (handshakes, in handshake mode).
    package var subscribers: Int
    package var payloadBytes: Int?
    package var publishers: Int?
    /// Events per second asked for; nil: as fast as the server answers.
    package var rateTarget: Double?
    /// The measured window: publishing (fan-out, chain), or the handshakes (handshake).
    package var durationSeconds: Double
    package var handshakes: Handshakes
    package var published: Published?
    package var delivered: Delivered?
    package var latencyMs: Latency?
    /// Acknowledged events that some subscriber never received, summed over subscribers.
    package var lost: Int?
    /// Events received after a later one of the same publishing connection, summed.
    package var reordered: Int?
    /// Payloads without this run's header (another run's events); not counted as delivered.
    package var foreign: Int?
    /// Subscribers the server closed during the run, by close code (`1006`: no close frame)
    /// or `end`/`eof` (SSE).
    package var closed: [String: Int]
    package var server: Server?
    package var idle: Idle?
    package var generator: Generator
    /// Why the run could not measure what it should have (nothing subscribed, ...).
    package var error: String?

    package struct Handshakes: Codable, Sendable {
        package var connected: Int
        package var refused: [String: Int]
        package var perSecond: Double
        package var p50Ms: Double?
        package var p99Ms: Double?
    }

    package struct Published: Codable, Sendable {
        package var sent: Int
        package var acknowledged: Int
        package var failed: [String: Int]
        /// Sends more than one interval behind schedule (fixed rate).
        package var late: Int
        package var reconnects: Int
        /// Acknowledged per second of the window.
        package var perSecond: Double
    }

    package struct Delivered: Codable, Sendable {
        /// Messages received by all subscribers during the window.
        package var messages: Int
        package var perSecond: Double
        /// Per subscriber, messages per second during the window.
        package var perSubscriber: Spread
    }

    package struct Spread: Codable, Sendable {
        package var min: Double
        package var median: Double
        package var max: Double

        /// Of `values` (rounded to one decimal); zeros when empty.
        package init(_ values: [Double]) {
            let sorted = values.sorted()
            min = RunReport.round(sorted.first ?? 0, 1)
            max = RunReport.round(sorted.last ?? 0, 1)
            median = RunReport.round(sorted.isEmpty ? 0 : sorted[sorted.count / 2], 1)
        }
    }

    package struct Latency: Codable, Sendable {
        package var count: UInt64
        package var p50: Double
        package var p90: Double
        package var p99: Double
        package var p999: Double
        package var max: Double

        /// From nanoseconds to milliseconds, three decimals; nil when nothing was recorded.
        package init?(_ histogram: Histogram<UInt64>) {
            guard histogram.totalCount > 0 else { return nil }
            func ms(_ nanoseconds: UInt64) -> Double { RunReport.round(Double(nanoseconds) / 1e6, 3) }
            count = histogram.totalCount
            p50 = ms(histogram.valueAtPercentile(50))
            p90 = ms(histogram.valueAtPercentile(90))
            p99 = ms(histogram.valueAtPercentile(99))
            p999 = ms(histogram.valueAtPercentile(99.9))
            max = ms(histogram.max)
        }
    }

    package struct Server: Codable, Sendable {
        package var pids: [Int32]
        /// CPU seconds of the whole tree during the window.
        package var cpuSeconds: Double
        /// The same as a share of one core (200 = both cores of a 2-core machine).
        package var cpuPercent: Double
        package var rssBytes: UInt64
        package var pssBytes: UInt64
        /// Messages delivered during the window per CPU-second the server spent in it.
        package var deliveredPerCpuSecond: Double?
    }

    package struct Idle: Codable, Sendable {
        package var rssBefore: UInt64
        package var rssAfter: UInt64
        package var pssBefore: UInt64
        package var pssAfter: UInt64
        /// (after - before) / connected subscribers.
        package var rssPerConnection: Double
        package var pssPerConnection: Double
    }

    package struct Generator: Codable, Sendable {
        package var cpuSeconds: Double
        /// Share of one core; near `threads * 100` means the generator was the bottleneck.
        package var cpuPercent: Double
        package var threads: Int
    }

    /// `value` rounded to `digits` decimals (JSON and lines stay short).
    static func round(_ value: Double, _ digits: Int) -> Double {
        let scale = pow(10, Double(digits))
        return (value * scale).rounded() / scale
    }

    /// The report as one line of JSON, keys sorted.
    package var jsonLine: String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(self) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
