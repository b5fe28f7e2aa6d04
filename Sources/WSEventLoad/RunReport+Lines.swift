import Foundation

extension RunReport {
    /// The report for a person, a few lines; the JSON line carries the same figures.
    package var lines: [String] {
        var lines: [String] = []
        let what = label.map { "\($0): " } ?? ""
        var first = "\(what)\(mode), \(subscribers) \(transport.rawValue) subscriber(s) at \(subscribeUrl)"
        if let publishUrl {
            let rate = rateTarget.map { "\(Self.number($0)) events/s" } ?? "max rate"
            let how = publishUrl.lowercased().hasPrefix("nats://") ? "published on" : "by POST to"
            first += ", \(payloadBytes ?? 0) B \(how) \(publishUrl) over \(publishers ?? 0) connection(s) at \(rate)"
        }
        lines.append(first)
        var connect = "connected \(handshakes.connected) in \(Self.number(handshakes.perSecond)) handshakes/s"
        if let p50 = handshakes.p50Ms, let p99 = handshakes.p99Ms { connect += " (p50 \(p50) ms, p99 \(p99) ms)" }
        connect += ", refused \(Self.counts(handshakes.refused))"
        lines.append(connect)
        if let published {
            lines.append(
                "published \(published.acknowledged) acknowledged of \(published.sent) sent (\(Self.number(published.perSecond)) events/s), "
                    + "failed \(Self.counts(published.failed)), late \(published.late), reconnects \(published.reconnects)")
        }
        if let delivered {
            let spread = delivered.perSubscriber
            lines.append(
                "delivered \(delivered.messages) msgs in \(Self.number(durationSeconds)) s = \(Self.number(delivered.perSecond)) msgs/s; "
                    + "per subscriber min \(Self.number(spread.min)) median \(Self.number(spread.median)) max \(Self.number(spread.max)) msgs/s")
        }
        if let latencyMs {
            lines.append(
                "latency ms: p50 \(latencyMs.p50) p90 \(latencyMs.p90) p99 \(latencyMs.p99) p99.9 \(latencyMs.p999) max \(latencyMs.max) (\(latencyMs.count) samples)")
        }
        var accounting: [String] = []
        if let lost { accounting.append("lost \(lost)") }
        if let reordered { accounting.append("reordered \(reordered)") }
        if let foreign, foreign > 0 { accounting.append("foreign \(foreign)") }
        accounting.append("closed by server \(Self.counts(closed))")
        lines.append(accounting.joined(separator: ", "))
        if let idle {
            lines.append(
                "idle memory: RSS \(Self.mebibytes(idle.rssBefore)) -> \(Self.mebibytes(idle.rssAfter)) = \(Self.number(idle.rssPerConnection)) B per connection; "
                    + "PSS \(Self.mebibytes(idle.pssBefore)) -> \(Self.mebibytes(idle.pssAfter)) = \(Self.number(idle.pssPerConnection)) B per connection")
        }
        if let server {
            var line = "server pids \(server.pids.map(String.init).joined(separator: ",")): CPU \(server.cpuSeconds) s = \(server.cpuPercent) % of a core, "
                + "RSS \(Self.mebibytes(server.rssBytes)), PSS \(Self.mebibytes(server.pssBytes))"
            if let perCPU = server.deliveredPerCpuSecond { line += "; \(Self.number(perCPU)) msgs per server CPU-second" }
            lines.append(line)
        }
        lines.append("generator: CPU \(generator.cpuSeconds) s = \(generator.cpuPercent) % of a core, \(generator.threads) event loop thread(s)")
        if let error { lines.append("error: \(error)") }
        return lines
    }

    /// `1234567` for large numbers, two decimals below 100.
    static func number(_ value: Double) -> String {
        if abs(value) >= 100 { return String(Int(value.rounded())) }
        return String(round(value, 2))
    }

    static func mebibytes(_ bytes: UInt64) -> String {
        "\(round(Double(bytes) / 1_048_576, 1)) MiB"
    }

    /// `0` or `{503: 2, timeout: 1}`.
    static func counts(_ counts: [String: Int]) -> String {
        let total = counts.values.reduce(0, +)
        guard total > 0 else { return "0" }
        return "\(total) (" + counts.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + ")"
    }
}
