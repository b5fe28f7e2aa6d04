import WSEventCLI
import WSEventCore

/// What a suite of `wsevent-service` flag tests asks of a command line: the configuration it
/// makes, or the one line the command would print instead.
protocol FlagsUnderTest {}

extension FlagsUnderTest {
    func configuration(_ arguments: [String], env: [String: String] = [:]) throws -> ServiceConfiguration {
        try ServiceFlags.parseGoStyle(arguments).configuration(environment: env)
    }

    /// The one line the command would print for `arguments`; `accepted` when it would start.
    func refusal(_ arguments: [String], env: [String: String] = [:]) -> String {
        do {
            _ = try configuration(arguments, env: env)
            return "accepted"
        } catch {
            return ServiceFlags.message(for: error)
        }
    }
}
