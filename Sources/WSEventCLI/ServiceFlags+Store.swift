import ArgumentParser
import WSEventCore

extension ServiceFlags {
    /// `-store`, `-retention` and `-consumer-ttl`: the URL is parsed here, so a bad one is one
    /// line before anything listens; the database itself is reached (with backoff) once running.
    func applyStore(to configuration: inout ServiceConfiguration, env: EnvironmentLookup) throws {
        let retentionText = retention ?? env["retention"]
        let ttlText = consumerTTL ?? env["consumer-ttl"]
        guard let url = try storeURL(env: env) else {
            if retentionText != nil { throw ValidationError("-retention needs -store: only a store keeps events past memory") }
            if ttlText != nil { throw ValidationError("-consumer-ttl needs -store: only a store keeps consumer positions") }
            return
        }
        if configuration.isRelay {
            throw ValidationError("-store keeps an origin's stream; a relay mirrors its upstream's: drop -store, or the upstream")
        }
        var store = StoreConfiguration(url: url)
        if let retentionText { store.retention = try Self.retention(retentionText) }
        if let ttl = try Self.duration(ttlText, flag: "consumer-ttl", from: "1s", upTo: "87600h") { store.consumerTTL = ttl }
        configuration.store = store
    }

    /// `-store` or `WSEVENT_STORE`, parsed; `nil` when neither is given.
    public func storeURL(environment: [String: String]) throws -> StoreURL? {
        try storeURL(env: EnvironmentLookup(environment))
    }

    func storeURL(env: EnvironmentLookup) throws -> StoreURL? {
        guard let text = store ?? env["store"], !text.isEmpty else { return nil }
        do {
            return try StoreURL(parsing: text)
        } catch {
            throw ValidationError("-store: \(error)")
        }
    }

    /// Whether the command is `-store-reset`: reset the stream and exit.
    public func resetsStore(environment: [String: String]) throws -> Bool {
        try Self.bool(storeReset ?? EnvironmentLookup(environment)["store-reset"], flag: "store-reset") ?? false
    }

    /// `COUNT`, `AGE` or `COUNT,AGE` (either order).
    static func retention(_ text: String) throws -> Retention {
        var retention = Retention()
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { String($0.filter { $0 != " " }) }
        guard (1...2).contains(parts.count) else { throw retentionError(text) }
        for part in parts {
            if let count = Int(part), (1...1_000_000_000).contains(count), retention.count == nil {
                retention.count = count
            } else if let age = GoDuration.parse(part), age >= .seconds(1), retention.age == nil {
                retention.age = age
            } else {
                throw retentionError(text)
            }
        }
        return retention
    }

    private static func retentionError(_ text: String) -> ValidationError {
        ValidationError("-retention: '\(text)' is not a count of events (1 or more), an age (1s or more), or COUNT,AGE like 1000000,168h")
    }
}
