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

    /// The line a build without them gives for a broker URL.
    public static func missing(_ url: String) -> String {
        "'\(url)' needs the NATS and RabbitMQ bridges, which this build lacks: apt-get install libnats-dev librabbitmq-dev, then swift build --traits Bridges"
    }
}
