import Histogram
import NIOCore
import NIOPosix

/// Runs one measurement against a server that is already running, by URL. One event loop
/// group with one thread per core serves every subscriber and publisher of the run (the
/// generator shares the machine with the server, so it must not take more than its share, and
/// it reports its own CPU so that a run shows when it was the bottleneck).
package struct LoadGenerator: Sendable {
    /// Where subscribers subscribe.
    package var subscribeURL: LoadURL
    package var transport: Transport = .webSocket
    package var subscribers = 100
    /// Handshakes in flight at once while subscribers are opened.
    package var handshakesInFlight = 64
    /// Publishing; nil consumes a server that produces by itself.
    package var publish: PublishSettings?
    /// The measured window.
    package var duration: TimeAmount = .seconds(10)
    /// After publishing stops, how long to wait for the events still on their way.
    package var drainTimeout: TimeAmount = .seconds(5)
    /// Opening the subscribers stops after this, however many are open.
    package var rampTimeout: TimeAmount = .seconds(60)
    /// Between the last subscriber's answer and the first publish, so that every server has
    /// added each subscriber to its stream (a `101` may go out just before that).
    package var settle: TimeAmount = .milliseconds(500)
    /// The server's processes (children included) whose CPU and memory are reported.
    package var serverPIDs: [Int32] = []
    /// Names the server in the report (`wsevent`, `nchan`).
    package var label: String?
    /// Names the run's cell of a matrix in the report (`fanout-ws-1000-128`).
    package var scenario: String?
    /// Event loop threads; by default one per core.
    package var threads = System.coreCount

    /// How to publish.
    package struct PublishSettings: Sendable {
        package var url: LoadURL
        package var connections = 16
        /// Events per second in all; 0: as fast as the server answers.
        package var rate = 0.0
        package var payloadSize = 128
        package var headers: [(name: String, value: String)] = []

        package init(url: LoadURL) {
            self.url = url
        }
    }

    package init(subscribeURL: LoadURL) {
        self.subscribeURL = subscribeURL
    }

    // MARK: Modes

    /// Fan-out (and chain, which is fan-out with subscribers at another URL than the
    /// publishes): opens the subscribers, publishes for ``duration``, waits for the last events,
    /// and reports delivery, latency, loss and order.
    package func fanOut(mode: String = "fan-out") async throws -> RunReport {
        try await withGroup { loops in
            let run = UInt16.random(in: 0...UInt16.max)
            let stats = loops.map { LoopStats(loop: $0, run: run, countUntagged: publish == nil) }
            let pool = SubscriberPool(url: subscribeURL, transport: transport, stats: stats)
            let ramp = await pool.open(count: subscribers, inFlight: handshakesInFlight, deadline: .now() + rampTimeout)
            var report = emptyReport(mode: mode, ramp: ramp)
            guard ramp.connected > 0 else {
                report.error = "no subscriber could subscribe to \(subscribeURL)"
                return report
            }
            var publisher: Publisher?
            if let publish {
                let created = Publisher(options: publishOptions(publish, run: run), loops: loops)
                do {
                    try await created.connect()
                } catch {
                    await pool.closeAll()
                    report.error = "cannot connect to \(publish.url) to publish: \(SubscriberPool.shortDescription(of: error))"
                    return report
                }
                publisher = created
            }
            try await Task.sleep(nanoseconds: UInt64(max(0, settle.nanoseconds)))

            let tree = ProcessTree(roots: serverPIDs)
            let countsBefore = try await receivedCounts(stats)
            let serverBefore = tree.sample()
            let ownBefore = ProcessTree.ownCPUSeconds()
            let start = NIODeadline.now() + .milliseconds(5)
            publisher?.start(at: start)
            try await Task.sleep(nanoseconds: UInt64(max(0, (start + duration - .now()).nanoseconds)))
            let countsAfter = try await receivedCounts(stats)
            let end = NIODeadline.now()
            let serverAfter = tree.sample()
            let ownAfter = ProcessTree.ownCPUSeconds()
            let tally = await publisher?.stop()

            // The events acknowledged but still on their way.
            if let tally {
                let drainEnd = NIODeadline.now() + drainTimeout
                while NIODeadline.now() < drainEnd {
                    var missing = 0
                    for loopStats in stats { missing += try await loopStats.missing(expected: tally.acknowledged) }
                    if missing == 0 { break }
                    try await Task.sleep(nanoseconds: 20_000_000)
                }
            }
            var snapshots: [LoopStats.Snapshot] = []
            for loopStats in stats { snapshots.append(try await loopStats.snapshot()) }
            await pool.closeAll()

            let seconds = Double((end - start).nanoseconds) / 1e9
            report.durationSeconds = RunReport.round(seconds, 3)
            let perSubscriber = zip(countsBefore, countsAfter).map { Double($1 - $0) / seconds }
            let delivered = countsAfter.reduce(0, +) - countsBefore.reduce(0, +)
            report.delivered = RunReport.Delivered(
                messages: delivered, perSecond: RunReport.round(Double(delivered) / seconds, 1), perSubscriber: RunReport.Spread(perSubscriber))
            var latency = snapshots[0].latency
            for snapshot in snapshots.dropFirst() { latency.add(snapshot.latency) }
            report.latencyMs = RunReport.Latency(latency)
            let tallies = snapshots.flatMap(\.tallies)
            if let tally {
                report.published = RunReport.Published(
                    sent: tally.sent, acknowledged: tally.acknowledged, failed: tally.failed, late: tally.late, reconnects: tally.reconnects,
                    perSecond: RunReport.round(Double(tally.acknowledged) / seconds, 1))
                report.lost = tallies.reduce(0) { $0 + $1.lost(expected: tally.acknowledged) }
                report.reordered = tallies.reduce(0) { $0 + $1.reordered }
            }
            report.foreign = tallies.reduce(0) { $0 + $1.foreign }
            report.closed = Self.countReasons(snapshots.flatMap(\.closes))
            report.server = serverReport(before: serverBefore, after: serverAfter, seconds: seconds, delivered: delivered)
            report.generator = generatorReport(cpu: ownAfter - ownBefore, seconds: seconds)
            return report
        }
    }

    /// Idle memory: the server's memory before and after ``subscribers`` idle subscribers
    /// open, per connection. Needs ``serverPIDs``.
    package func idleMemory(settleAfter: TimeAmount = .seconds(2)) async throws -> RunReport {
        try await withGroup { loops in
            let stats = loops.map { LoopStats(loop: $0, run: 0, countUntagged: true) }
            let pool = SubscriberPool(url: subscribeURL, transport: transport, stats: stats)
            let tree = ProcessTree(roots: serverPIDs)
            let before = tree.sample()
            let ownBefore = ProcessTree.ownCPUSeconds()
            let ramp = await pool.open(count: subscribers, inFlight: handshakesInFlight, deadline: .now() + rampTimeout)
            let serverAfterRamp = tree.sample()
            let ownAfter = ProcessTree.ownCPUSeconds()
            try await Task.sleep(nanoseconds: UInt64(max(0, settleAfter.nanoseconds)))
            let after = tree.sample()
            var snapshots: [LoopStats.Snapshot] = []
            for loopStats in stats { snapshots.append(try await loopStats.snapshot()) }
            await pool.closeAll()

            var report = emptyReport(mode: "idle", ramp: ramp)
            report.durationSeconds = RunReport.round(ramp.seconds, 3)
            report.closed = Self.countReasons(snapshots.flatMap(\.closes))
            if ramp.connected == 0 { report.error = "no subscriber could subscribe to \(subscribeURL)" }
            if serverPIDs.isEmpty {
                report.error = report.error ?? "idle memory needs the server's pid (--server-pid)"
            } else if ramp.connected > 0 {
                let connected = Double(ramp.connected)
                report.idle = RunReport.Idle(
                    rssBefore: before.rssBytes, rssAfter: after.rssBytes, pssBefore: before.pssBytes, pssAfter: after.pssBytes,
                    rssPerConnection: RunReport.round((Double(after.rssBytes) - Double(before.rssBytes)) / connected, 1),
                    pssPerConnection: RunReport.round((Double(after.pssBytes) - Double(before.pssBytes)) / connected, 1))
                report.server = serverReport(before: before, after: serverAfterRamp, seconds: ramp.seconds, delivered: nil)
                report.server?.rssBytes = after.rssBytes
                report.server?.pssBytes = after.pssBytes
            }
            report.generator = generatorReport(cpu: ownAfter - ownBefore, seconds: ramp.seconds)
            return report
        }
    }

    /// Handshake rate: subscribes and closes at once, ``handshakesInFlight`` at a time, for
    /// ``duration`` or until `count` handshakes, whichever comes first.
    package func handshakeRate(count: Int) async throws -> RunReport {
        try await withGroup { loops in
            let stats = loops.map { LoopStats(loop: $0, run: 0, countUntagged: true) }
            let pool = SubscriberPool(url: subscribeURL, transport: transport, stats: stats)
            let tree = ProcessTree(roots: serverPIDs)
            let before = tree.sample()
            let ownBefore = ProcessTree.ownCPUSeconds()
            let ramp = await pool.open(count: count, inFlight: handshakesInFlight, deadline: .now() + duration, keep: false)
            let after = tree.sample()
            let ownAfter = ProcessTree.ownCPUSeconds()
            var report = emptyReport(mode: "handshake", ramp: ramp)
            report.subscribers = count
            report.durationSeconds = RunReport.round(ramp.seconds, 3)
            report.server = serverReport(before: before, after: after, seconds: ramp.seconds, delivered: nil)
            report.generator = generatorReport(cpu: ownAfter - ownBefore, seconds: ramp.seconds)
            if ramp.connected == 0 { report.error = "no handshake succeeded at \(subscribeURL)" }
            return report
        }
    }

    // MARK: Parts

    /// Runs `body` with the loops of a fresh group, and shuts the group down after.
    private func withGroup<T: Sendable>(_ body: ([any EventLoop]) async throws -> T) async throws -> T {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, threads))
        let loops = Array(group.makeIterator())
        do {
            let result = try await body(loops)
            try await group.shutdownGracefully()
            return result
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    private func publishOptions(_ settings: PublishSettings, run: UInt16) -> Publisher.Options {
        Publisher.Options(
            url: settings.url, connections: settings.connections, rate: settings.rate, payloadSize: max(settings.payloadSize, PayloadHeader.size),
            headers: settings.headers, run: run)
    }

    private func receivedCounts(_ stats: [LoopStats]) async throws -> [Int] {
        var counts: [Int] = []
        for loopStats in stats { counts += try await loopStats.receivedCounts() }
        return counts
    }

    private func emptyReport(mode: String, ramp: SubscriberPool.Ramp) -> RunReport {
        func ms(_ nanoseconds: UInt64) -> Double { RunReport.round(Double(nanoseconds) / 1e6, 3) }
        return RunReport(
            mode: mode, label: label, scenario: scenario, transport: transport, subscribeUrl: subscribeURL.description, publishUrl: publish?.url.description,
            subscribers: subscribers, payloadBytes: publish.map { max($0.payloadSize, PayloadHeader.size) }, publishers: publish?.connections,
            rateTarget: publish.flatMap { $0.rate > 0 ? $0.rate : nil }, durationSeconds: 0,
            handshakes: RunReport.Handshakes(
                connected: ramp.connected, refused: ramp.refused, perSecond: RunReport.round(ramp.perSecond, 1),
                p50Ms: ramp.connected > 0 ? ms(ramp.latency.valueAtPercentile(50)) : nil,
                p99Ms: ramp.connected > 0 ? ms(ramp.latency.valueAtPercentile(99)) : nil),
            closed: [:],
            generator: RunReport.Generator(cpuSeconds: 0, cpuPercent: 0, threads: threads))
    }

    private func serverReport(before: ProcessTree.Sample, after: ProcessTree.Sample, seconds: Double, delivered: Int?) -> RunReport.Server? {
        guard !serverPIDs.isEmpty else { return nil }
        let cpu = max(0, after.cpuSeconds - before.cpuSeconds)
        return RunReport.Server(
            pids: after.pids, cpuSeconds: RunReport.round(cpu, 2), cpuPercent: RunReport.round(seconds > 0 ? cpu / seconds * 100 : 0, 1),
            rssBytes: after.rssBytes, pssBytes: after.pssBytes,
            deliveredPerCpuSecond: delivered.flatMap { cpu > 0 ? RunReport.round(Double($0) / cpu, 0) : nil })
    }

    private func generatorReport(cpu: Double, seconds: Double) -> RunReport.Generator {
        RunReport.Generator(
            cpuSeconds: RunReport.round(cpu, 2), cpuPercent: RunReport.round(seconds > 0 ? cpu / seconds * 100 : 0, 1), threads: threads)
    }

    static func countReasons(_ reasons: [String]) -> [String: Int] {
        reasons.reduce(into: [:]) { $0[$1, default: 0] += 1 }
    }
}
