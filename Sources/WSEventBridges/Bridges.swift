import WSEventStorage

/// NATS and RabbitMQ as sources of a stream's events, sinks for its publishes, and (JetStream) a
/// store under it: `-consume nats://...`, `-consume amqp://...`, `-publish-to ...`
/// (docs/BRIDGES.md).
///
/// The brokers' C clients come from Debian and are linked only with the package trait `Bridges`
/// (`swift build --traits Bridges`, after `apt-get install libnats-dev librabbitmq-dev`), so the
/// default build, and every app on `WSEventCore`, needs neither.
public enum Bridges {
    /// Whether this build has the bridges (the `Bridges` trait).
    public static var available: Bool {
        #if Bridges
        true
        #else
        false
        #endif
    }

    /// The kinds of broker this build reads: `-consume` and `-publish-to` resolve a URL by its
    /// scheme among them (what `wsevent-service` passes to `ServiceFlags`). Without the trait
    /// they still parse their URLs, and then refuse with ``missing(_:)``.
    public static let kinds: [BridgeKind] = [.nats]

    /// The line a build without them gives for a broker URL.
    public static func missing(_ url: String) -> String {
        "'\(url)' \(missingReason)"
    }

    /// Why a build without them refuses a broker URL.
    public static let missingReason =
        "needs the NATS and RabbitMQ bridges, which this build lacks: apt-get install libnats-dev librabbitmq-dev, then swift build --traits Bridges"
}
