import WSEventCLI
import WSEventCore

/// What `wsevent-service` makes of its arguments and environment: the configuration, or the
/// one line it prints for a bad flag. Shared by the flag tests.
enum FlagRun {
    static func configuration(_ arguments: [String], env: [String: String] = [:], stores: [StoreKind] = []) throws -> ServiceConfiguration {
        try ServiceFlags.parseGoStyle(arguments).configuration(environment: env, stores: stores)
    }

    /// The line the command prints for `arguments`, or `accepted`.
    static func refusal(_ arguments: [String], env: [String: String] = [:], stores: [StoreKind] = []) -> String {
        do {
            _ = try configuration(arguments, env: env, stores: stores)
            return "accepted"
        } catch {
            return ServiceFlags.message(for: error)
        }
    }
}
