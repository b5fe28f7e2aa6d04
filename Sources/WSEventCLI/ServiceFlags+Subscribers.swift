import ArgumentParser
import WSEventCore

extension ServiceFlags {
    /// What subscribers get and what is told of them: `-first-message`, `-presence-stream`,
    /// `-presence-metric-paths`.
    func applySubscribers(to configuration: inout ServiceConfiguration, env: EnvironmentLookup) throws {
        if let text = firstMessage ?? env["first-message"] {
            guard let policy = FirstMessage(text) else {
                throw ValidationError("-first-message: '\(text)' is not newest, oldest, -N (the last N events, N from 1 to \(FirstMessage.maxCount)) or live")
            }
            configuration.firstMessage = policy
        }
        if let value = try Self.bool(presenceStream ?? env["presence-stream"], flag: "presence-stream") {
            configuration.presenceStream = value
        }
        if let value = try Self.count(presenceMetricPaths ?? env["presence-metric-paths"], flag: "presence-metric-paths", of: "paths", in: 0...10_000) {
            configuration.presenceMetricPaths = value
        }
    }
}
