/// Go's duration syntax (`100ms`, `1.5s`, `2m30s`, `1h`), as `-interval` takes it.
public enum GoDuration {
    /// Parses a duration; a bare number is refused, as in Go (except `0`), and so is one past
    /// what Go's durations hold (about 292 years).
    public static func parse(_ text: String) -> Duration? {
        if text == "0" { return .zero }
        var total: Int64 = 0
        var rest = Substring(text)
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let numberEnd = rest.firstIndex { !($0.isNumber || $0 == ".") } ?? rest.endIndex
            guard numberEnd != rest.startIndex, let number = Double(rest[..<numberEnd]) else { return nil }
            rest = rest[numberEnd...]
            let unitEnd = rest.firstIndex { $0.isNumber || $0 == "." } ?? rest.endIndex
            let unit = rest[..<unitEnd]
            rest = rest[unitEnd...]
            let nanosPerUnit: Double
            switch unit {
            case "ns": nanosPerUnit = 1
            case "us", "µs": nanosPerUnit = 1e3
            case "ms": nanosPerUnit = 1e6
            case "s": nanosPerUnit = 1e9
            case "m": nanosPerUnit = 60e9
            case "h": nanosPerUnit = 3600e9
            default: return nil
            }
            // Past Int64 nanoseconds (about 292 years) Go refuses the duration too.
            let nanos = number * nanosPerUnit
            guard nanos < Double(Int64.max) else { return nil }
            let (sum, overflow) = total.addingReportingOverflow(Int64(nanos))
            guard !overflow else { return nil }
            total = sum
        }
        return .nanoseconds(total)
    }
}

/// Sizes as flags take them: `1048576`, `64KiB`, `4MiB`, `1M`, `512k`.
public enum ByteSize {
    public static func parse(_ text: String) -> Int? {
        let digitsEnd = text.firstIndex { !$0.isNumber } ?? text.endIndex
        guard let number = Int(text[..<digitsEnd]) else { return nil }
        let multiplier: Int
        switch text[digitsEnd...].lowercased() {
        case "", "b": multiplier = 1
        case "k", "kb", "kib": multiplier = 1 << 10
        case "m", "mb", "mib": multiplier = 1 << 20
        case "g", "gb", "gib": multiplier = 1 << 30
        default: return nil
        }
        let (value, overflow) = number.multipliedReportingOverflow(by: multiplier)
        return overflow ? nil : value
    }
}
