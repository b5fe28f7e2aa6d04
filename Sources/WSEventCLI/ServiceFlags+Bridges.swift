import ArgumentParser
import WSEventCore

extension ServiceFlags {
    /// What the broker URLs of `-consume` became.
    struct Brokers {
        var sources: [any EventSourceConfiguration] = []
        /// A broker's log that is the stream's store (JetStream, as the stream's one feed).
        var store: (any StreamStoreConfiguration)?
    }

    /// Whether `-consume` names a broker (any scheme but the subscribe transports').
    static func isBrokerURL(_ text: String) -> Bool {
        guard let scheme = StoreOptions(url: text).scheme else { return false }
        return !["ws", "wss", "http", "https"].contains(scheme)
    }

    /// Reads the broker URLs of `-consume` and `-publish-to` by the kinds the executable links:
    /// each becomes a source (the instance gives ids) or, as the stream's one feed, the stream's
    /// store (the broker's log gives them). Refuses, in one line, what cannot hold: a
    /// `-publish-to` the stream does not consume as its log, `-store` beside a broker's log.
    func consumeBrokers(
        _ urls: [String],
        produces: Bool,
        upstreams: [StreamURL],
        publishToken: String?,
        env: EnvironmentLookup,
        kinds: [BridgeKind]
    ) throws -> Brokers {
        let target = (publishTo ?? env["publish-to"]).flatMap { $0.isEmpty ? nil : String($0.filter { $0 != " " }) }
        var targetKind: BridgeKind?
        if let target {
            guard let kind = kinds.first(where: { $0.takes(target) }) else {
                throw ValidationError("-publish-to: '\(StoreOptions.redacted(target))' is not a broker URL this build knows\(Self.forms(kinds))")
            }
            do { try kind.checkPublishTarget(target) } catch { throw ValidationError("-publish-to: \(error)") }
            targetKind = kind
        }
        let storeGiven = (store ?? env["store"]).map { !$0.isEmpty } ?? false
        let onlyFeed = !produces && upstreams.isEmpty && urls.count == 1
        var brokers = Brokers()
        var published = false
        for url in urls {
            guard let kind = kinds.first(where: { $0.takes(url) }) else {
                throw ValidationError(
                    "-consume: '\(StoreOptions.redacted(url))' is not HOST:PORT/PATH, a ws://, wss://, http:// or https:// URL, or a broker URL this build knows\(Self.forms(kinds))"
                )
            }
            let publishesHere = targetKind?.name == kind.name ? target : nil
            let consumer: BridgeConsumer
            do {
                consumer = try kind.consume(BridgeRequest(url: url, isOnlyFeed: onlyFeed, publishTo: publishesHere))
            } catch {
                throw ValidationError("-consume: \(error)")
            }
            switch consumer {
            case .source(let source):
                brokers.sources.append(source)
            case .store(let log):
                if storeGiven {
                    throw ValidationError(
                        "-store: the stream is kept in \(log) already (-consume as its one feed); drop -store, or consume it beside another feed"
                    )
                }
                brokers.store = log
                published = publishesHere != nil
            }
        }
        if let target, !published {
            throw ValidationError(
                "-publish-to: '\(StoreOptions.redacted(target))' needs the stream to be that broker's log: -consume the same stream (nats://HOST:PORT/?stream=NAME) as the stream's one feed (no producer, no other -consume, no -store)"
            )
        }
        // A broker's log gives the ids: a POST can only go through it.
        if let log = brokers.store, publishToken != nil, target == nil {
            throw ValidationError(
                "-publish-token: the stream's ids are \(log)'s, so POSTs must go through it: give -publish-to (nats://HOST:PORT/SUBJECT?stream=NAME), or drop -publish-token"
            )
        }
        return brokers
    }

    /// `: FORM, FORM` for an error line, or nothing without kinds.
    private static func forms(_ kinds: [BridgeKind]) -> String {
        let examples = kinds.flatMap(\.examples)
        return examples.isEmpty ? " (this build has no broker bridges)" : ": " + examples.joined(separator: ", ")
    }
}
