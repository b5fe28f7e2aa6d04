import WSEventStorage

extension BridgeKind {
    /// `-consume nats://...` and `-publish-to nats://...?stream=NAME`: core NATS subjects as
    /// sources, JetStream streams as the stream's log (or, beside other feeds, as a source).
    public static let nats = BridgeKind(
        name: "NATS",
        schemes: ["nats"],
        examples: ["nats://HOST:PORT/SUBJECT", "nats://HOST:PORT/SUBJECT?stream=NAME"],
        consume: { request in try NATSBridge.consume(request) },
        checkPublishTarget: { url in try NATSBridge.checkPublishTarget(url) }
    )
}

/// How the NATS kind reads its URLs: pure, so every refusal is tested as the line it prints.
public enum NATSBridge {
    public static func consume(_ request: BridgeRequest) throws -> BridgeConsumer {
        let url = try NATSURL(parsing: request.url)
        guard url.isJetStream, request.isOnlyFeed else {
            if request.publishTo != nil {
                throw NATSURLError(
                    url: url.description,
                    reason: "-publish-to needs this to be the stream's log: a JetStream stream (?stream=NAME) and the stream's one feed"
                )
            }
            if url.isJetStream {
                #if Bridges
                return .source(JetStreamSourceConfiguration(url: url))
                #else
                throw NATSURLError(url: url.description, reason: Bridges.missingReason)
                #endif
            }
            #if Bridges
            return .source(NATSSourceConfiguration(url: url))
            #else
            throw NATSURLError(url: url.description, reason: Bridges.missingReason)
            #endif
        }
        var publishTo: NATSURL?
        if let target = request.publishTo {
            let parsed = try NATSURL(parsing: target)
            guard parsed.stream == url.stream, parsed.sameServer(as: url) else {
                throw NATSURLError(url: parsed.description, reason: "-publish-to must name the stream consumed, on the same server: \(url.description)")
            }
            guard url.subject == nil else {
                throw NATSURLError(
                    url: url.description,
                    reason: "with -publish-to, consume the whole stream (nats://HOST:PORT/?stream=\(url.stream ?? "NAME"), no SUBJECT): with a filter the ids could be this instance's own, not the sequence a publish is answered with"
                )
            }
            publishTo = parsed
        }
        #if Bridges
        return .store(JetStreamStoreConfiguration(consume: url, publishTo: publishTo))
        #else
        throw NATSURLError(url: url.description, reason: Bridges.missingReason)
        #endif
    }

    /// Core NATS is refused as a `-publish-to`: it publishes at most once, with no answer from
    /// the broker, so a POST answered 200 might reach no subscriber at all (no server, a slow
    /// consumer, a partition). JetStream acknowledges each publish once it stored it.
    public static func checkPublishTarget(_ target: String) throws {
        let url = try NATSURL(parsing: target)
        guard url.isJetStream else {
            throw NATSURLError(
                url: url.description,
                reason: "core NATS publishes at most once and never says whether anyone got it, so a POST could be answered 200 and reach no subscriber: publish through JetStream, nats://HOST:PORT/SUBJECT?stream=NAME"
            )
        }
        guard url.subject != nil else {
            throw NATSURLError(url: url.description, reason: "no SUBJECT to publish to: nats://HOST:PORT/SUBJECT?stream=NAME")
        }
    }
}
