import Testing

import WSEventCore
@testable import WSEventStreams

@Suite struct BackoffTests {
    @Test func growsExponentiallyWithJitterAndIsCapped() {
        var backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(5))
        var steps: [Duration] = []
        for _ in 0..<12 { steps.append(backoff.next()) }
        // Step n lies in [base/2, base] with base = min(100ms * 2^n, 5s).
        for (n, delay) in steps.enumerated() {
            let base = min(Duration.milliseconds(100) * (1 << n), .seconds(5))
            #expect(delay >= base / 2 && delay <= base, "step \(n): \(delay)")
        }
        #expect(steps.last! <= .seconds(5))
    }

    @Test func resetStartsOver() {
        var backoff = Backoff()
        for _ in 0..<8 { _ = backoff.next() }
        backoff.reset()
        #expect(backoff.next() <= .milliseconds(100))
    }
}
