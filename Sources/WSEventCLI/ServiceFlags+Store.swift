import ArgumentParser
import WSEventCore

extension ServiceFlags {
    /// `-store`, `-retention` and `-consumer-ttl`, read by the store kind whose scheme the URL
    /// names: a bad URL is one line before anything listens; the store itself is reached (with
    /// backoff) once running.
    func applyStore(to configuration: inout ServiceConfiguration, env: EnvironmentLookup, kinds: [StoreKind]) throws {
        let retentionText = retention ?? env["retention"]
        let ttlText = consumerTTL ?? env["consumer-ttl"]
        guard let url = store ?? env["store"], !url.isEmpty else {
            if retentionText != nil { throw ValidationError("-retention needs -store: only a store keeps events past memory") }
            if ttlText != nil { throw ValidationError("-consumer-ttl needs -store: only a store keeps consumer positions") }
            return
        }
        if configuration.isRelay {
            throw ValidationError("-store keeps an origin's stream; a relay mirrors its upstream's: drop -store, or the upstream")
        }
        var options = StoreOptions(url: url)
        if let retentionText { options.retention = try Self.retention(retentionText) }
        options.consumerTTL = try Self.duration(ttlText, flag: "consumer-ttl", from: "1s", upTo: "87600h")
        guard let kind = kinds.first(where: { kind in options.scheme.map(kind.schemes.contains) ?? false }) else {
            let shown = StoreOptions.redacted(url)
            guard !kinds.isEmpty else { throw ValidationError("-store: '\(shown)': this build has no store") }
            throw ValidationError("-store: '\(shown)' is not a store URL this build knows: \(kinds.map(\.example).joined(separator: ", "))")
        }
        do {
            configuration.store = try kind.configuration(options)
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
