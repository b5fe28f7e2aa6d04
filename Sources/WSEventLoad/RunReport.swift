import Foundation
import Histogram

/// Everything one run measured: printed as human-readable lines (``lines``) and as exactly one
/// JSON line (``jsonLine``), whose keys are the snake_case of these names. A figure that a
/// mode does not measure is absent (`null` in JSON), never zero.
public struct RunReport: Codable, Sendable {
    /// `fan-out`, `chain`, `idle` or `handshake`.
    public var mode: String
    /// What was measured, as the caller names it (`wsevent`, `nchan`).
    public var label: String?
    /// Which cell of a matrix this run is, as the caller names it (`fanout-ws-1000-128`).
    public var scenario: String?
    public var transport: Transport
    public var subscribeUrl: String
    public var publishUrl: String?
    /// Subscribers asked for (handshakes, in handshake mode).
    public var subscribers: Int
    public var payloadBytes: Int?
    public var publishers: Int?
    /// Events per second asked for; nil: as fast as the server answers.
    public var rateTarget: Double?
    /// The measured window: publishing (fan-out, chain), or the handshakes (handshake).
    public var durationSeconds: Double
    public var handshakes: Handshakes
    public var published: Published?
    public var delivered: Delivered?
    public var latencyMs: Latency?
    /// Acknowledged events that some subscriber never received, summed over subscribers.
    public var lost: Int?
    /// Events received after a later one of the same publishing connection, summed.
    public var reordered: Int?
    /// Payloads without this run's header (another run's events); not counted as delivered.
    public var foreign: Int?
    /// Subscribers the server closed during the run, by close code (`1006`: no close frame)
    /// or `end`/`eof` (SSE).
    public var closed: [String: Int]
    public var server: Server?
    public var idle: Idle?
    public var generator: Generator
    /// Why the run could not measure what it should have (nothing subscribed, ...).
    public var error: String?

    public struct Handshakes: Codable, Sendable {
        public var connected: Int
        public var refused: [String: Int]
        public var perSecond: Double
        public var p50Ms: Double?
        public var p99Ms: Double?
    }

    public struct Published: Codable, Sendable {
        public var sent: Int
        public var acknowledged: Int
        public var failed: [String: Int]
        /// Sends more than one interval behind schedule (fixed rate).
        public var late: Int
        public var reconnects: Int
        /// Acknowledged per second of the window.
        public var perSecond: Double
    }

    public struct Delivered: Codable, Sendable {
        /// Messages received by all subscribers during the window.
        public var messages: Int
        public var perSecond: Double
        /// Per subscriber, messages per second during the window.
        public var perSubscriber: Spread
    }

    public struct Spread: Codable, Sendable {
        public var min: Double
        public var median: Double
        public var max: Double

        /// Of `values` (rounded to one decimal); zeros when empty.
        public init(_ values: [Double]) {
            let sorted = values.sorted()
            min = RunReport.round(sorted.first ?? 0, 1)
            max = RunReport.round(sorted.last ?? 0, 1)
            median = RunReport.round(sorted.isEmpty ? 0 : sorted[sorted.count / 2], 1)
        }
    }

    public struct Latency: Codable, Sendable {
        public var count: UInt64
        public var p50: Double
        public var p90: Double
        public var p99: Double
        public var p999: Double
        public var max: Double

        /// From nanoseconds to milliseconds, three decimals; nil when nothing was recorded.
        public init?(_ histogram: Histogram<UInt64>) {
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

    public struct Server: Codable, Sendable {
        public var pids: [Int32]
        /// CPU seconds of the whole tree during the window.
        public var cpuSeconds: Double
        /// The same as a share of one core (200 = both cores of a 2-core machine).
        public var cpuPercent: Double
        public var rssBytes: UInt64
        public var pssBytes: UInt64
        /// Messages delivered during the window per CPU-second the server spent in it.
        public var deliveredPerCpuSecond: Double?
    }

    public struct Idle: Codable, Sendable {
        public var rssBefore: UInt64
        public var rssAfter: UInt64
        public var pssBefore: UInt64
        public var pssAfter: UInt64
        /// (after - before) / connected subscribers.
        public var rssPerConnection: Double
        public var pssPerConnection: Double
    }

    public struct Generator: Codable, Sendable {
        public var cpuSeconds: Double
        /// Share of one core; near `threads * 100` means the generator was the bottleneck.
        public var cpuPercent: Double
        public var threads: Int
    }

    /// `value` rounded to `digits` decimals (JSON and lines stay short).
    static func round(_ value: Double, _ digits: Int) -> Double {
        let scale = pow(10, Double(digits))
        return (value * scale).rounded() / scale
    }

    /// The report as one line of JSON, keys sorted.
    public var jsonLine: String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(self) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
