import Histogram
import NIOCore

/// What the subscribers on one event loop have measured: their accounts and one latency
/// histogram for all of them (one per subscriber would cost megabytes at 10 000 subscribers).
///
/// Confined to ``loop``: handlers touch it from their channel's loop, which is this one, and
/// everyone else goes through ``snapshot()`` and the other methods that hop there. That is what
/// makes the unchecked `Sendable` sound, and what keeps counting free of locks.
package final class LoopStats: @unchecked Sendable {
    package let loop: any EventLoop
    /// The run whose events count; others are foreign.
    let run: UInt16
    /// Count payloads without a header as delivered (a server that produces by itself).
    let countUntagged: Bool
    private(set) var records: [SubscriberRecord] = []
    /// Send-to-receive latency in nanoseconds, of every tagged event of this run.
    var latency: Histogram<UInt64>
    /// Set when the generator closes its subscribers: connections ending then are not the
    /// server's doing.
    var closing = false

    /// Latencies above this are recorded as this (a minute: no run lasts longer).
    static let highestLatency: UInt64 = 60_000_000_000

    init(loop: any EventLoop, run: UInt16, countUntagged: Bool) {
        self.loop = loop
        self.run = run
        self.countUntagged = countUntagged
        latency = Histogram(lowestDiscernibleValue: 1, highestTrackableValue: Self.highestLatency, numberOfSignificantValueDigits: .three)
    }

    /// A new subscriber's account, on the loop.
    func register() -> SubscriberRecord {
        loop.preconditionInEventLoop()
        let record = SubscriberRecord()
        records.append(record)
        return record
    }

    /// Counts one received payload for `record`: its header decoded (or nil), `now` the
    /// time of the read it came in.
    @inline(__always)
    func received(_ header: PayloadHeader?, by record: SubscriberRecord, now: UInt64) {
        if header == nil, countUntagged {
            record.tally.countUntagged()
            return
        }
        if record.tally.count(header, run: run), let header {
            let nanoseconds = now >= header.sentNanoseconds ? now - header.sentNanoseconds : 0
            latency.record(min(nanoseconds, Self.highestLatency))
        }
    }

    /// Each subscriber's received count so far, from the loop.
    func receivedCounts() async throws -> [Int] {
        try await loop.submit { self.records.map(\.tally.received) }.get()
    }

    /// Events of `expected` not yet received by the subscribers still open, summed.
    func missing(expected: Int) async throws -> Int {
        try await loop.submit {
            self.records.reduce(0) { sum, record in
                record.closedByServer ? sum : sum + max(0, expected - record.tally.received)
            }
        }.get()
    }

    /// Everything measured so far, copied on the loop.
    func snapshot() async throws -> Snapshot {
        try await loop.submit {
            Snapshot(
                tallies: self.records.map(\.tally),
                closes: self.records.compactMap { $0.closedByServer ? ($0.closeReason ?? "?") : nil },
                latency: self.latency
            )
        }.get()
    }

    /// From now on, connections that end are ended by the generator.
    func beginClosing() async throws {
        try await loop.submit { self.closing = true }.get()
    }

    /// A copy of a loop's measurements.
    struct Snapshot: Sendable {
        var tallies: [SequenceTally]
        /// One reason per subscriber the server closed.
        var closes: [String]
        var latency: Histogram<UInt64>
    }
}
