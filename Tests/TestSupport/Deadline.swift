/// Thrown when a test's bounded wait runs out.
public struct TimedOut: Error, CustomStringConvertible {
    public let what: String
    public var description: String { "timed out: \(what)" }
}

/// Runs `body`, failing with ``TimedOut`` after `seconds`. Every wait in the tests is bounded
/// by one of these, so a hung server fails a test instead of hanging CI.
public func withTimeout<T: Sendable>(
    _ seconds: Double,
    _ what: String,
    _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else { throw TimedOut(what: what) }
        return value
    }
}

/// Polls `condition` every 20 ms until it holds, at most `seconds`.
public func eventually(
    _ what: String,
    timeout seconds: Double = 20,
    _ condition: @escaping @Sendable () async throws -> Bool
) async throws {
    try await withTimeout(seconds, what) {
        while try await !condition() {
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
