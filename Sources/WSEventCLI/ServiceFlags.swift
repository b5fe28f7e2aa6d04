import ArgumentParser
import Logging
import NIOCore
import WSEventCore

/// The flags of `wsevent-service`, Go style, each also readable from the environment.
///
/// The seed's flags keep their names, meaning and defaults. Every flag `-some-name` can also
/// come from `WSEVENT_SOME_NAME`; the seed's own unprefixed variables are read too. Flags win.
public struct ServiceFlags: ParsableArguments {
    @Option(name: .go("serve-address"), help: .env("Where to listen, HOST:PORT; ':PORT' listens on all interfaces (default localhost:8080)", "serve-address", seed: "SERVE_ADDRESS"))
    public var serveAddress: String?

    @Option(name: .go("serve-path"), help: .env("The stream this instance serves (default events)", "serve-path", seed: "SERVE_PATH"))
    public var servePath: String?

    @Option(name: .go("serve"), help: .env("HOST:PORT/PATH to serve, address and path in one", "serve"))
    public var serve: String?

    @Option(name: .go("consume-address"), help: .env("Upstream HOST:PORT to relay from", "consume-address", seed: "CONSUME_ADDRESS"))
    public var consumeAddress: String?

    @Option(name: .go("consume-path"), help: .env("Upstream stream path (default consume)", "consume-path", seed: "CONSUME_PATH"))
    public var consumePath: String?

    @Option(name: .go("consume"), help: .env("Upstream HOST:PORT/PATH, ws:// or wss:// URL (WebSocket), http:// or https:// URL (SSE), or with the Bridges trait a broker: nats://HOST:PORT/SUBJECT (core NATS), nats://HOST:PORT/SUBJECT?stream=NAME (JetStream; docs/BRIDGES.md); repeat to fan in (env: comma-separated)", "consume"))
    public var consume: [String] = []

    @Option(name: .go("publish-to"), help: .env("Where a hub's POSTs go instead of memory: nats://HOST:PORT/SUBJECT?stream=NAME publishes to JetStream and answers once it acknowledged, with the stream's sequence as the id; needs -consume of that stream as the stream's one feed (docs/BRIDGES.md)", "publish-to"))
    public var publishTo: String?

    @Option(name: .go("no-produce"), help: .env("Do not generate events: relay or fan in the upstreams, or without one run a hub fed by POST (needs -publish-token); a bare -no-produce means true", "no-produce", seed: "NO_PRODUCE"))
    public var noProduce: String?

    @Option(name: .go("interval"), help: .env("Time between produced events, Go syntax (default 100ms)", "interval"))
    public var interval: String?

    @Option(name: .go("buffer"), help: .env("Events kept per stream for resuming subscribers (default 1024)", "buffer"))
    public var buffer: String?

    @Option(name: .go("buffer-bytes"), help: .env("Bytes of events kept per stream for resuming subscribers, all encodings counted (default 64MiB); with -buffer, whichever is reached first. A quarter of it bounds each event loop's queue of events not yet written (past it, publishes get 503)", "buffer-bytes"))
    public var bufferBytes: String?

    @Option(name: .go("max-message-size"), help: .env("Largest WebSocket message accepted, e.g. 1MiB (default 1MiB)", "max-message-size"))
    public var maxMessageSize: String?

    @Option(name: .go("max-pending-bytes"), help: .env("Bytes a subscriber may fall behind before it is closed with 1013 (default 4MiB)", "max-pending-bytes"))
    public var maxPendingBytes: String?

    @Option(name: .go("ping-interval"), help: .env("How long a WebSocket peer may be silent before it is pinged (default 30s)", "ping-interval"))
    public var pingInterval: String?

    @Option(name: .go("shutdown-timeout"), help: .env("How long SIGTERM/SIGINT waits for subscribers to close before exiting (default 10s); a second signal exits at once", "shutdown-timeout"))
    public var shutdownTimeout: String?

    @Option(name: .go("pong-timeout"), help: .env("How long a ping may go unanswered before the peer is closed with 1011 (default 10s)", "pong-timeout"))
    public var pongTimeout: String?

    @Option(name: .go("publish-token"), help: .env("Bearer token that lets POST /<path> publish; without it publishing is refused (403)", "publish-token"))
    public var publishToken: String?

    @Option(name: .go("subscribe-token"), help: .env("Bearer token subscribers must present (Authorization header or ?token=); default: none needed", "subscribe-token"))
    public var subscribeToken: String?

    @Option(name: .go("allowed-origins"), help: .env("Comma-separated browser origins allowed besides the server's own, or * (default: none)", "allowed-origins"))
    public var allowedOrigins: String?

    @Option(name: .go("create-streams"), help: .env("Let a publish or a subscriber open a stream at any path (a bare -create-streams means true)", "create-streams"))
    public var createStreams: String?

    @Option(name: .go("max-streams"), help: .env("How many streams may exist, the -serve-path one included; more get 503 (default 1000)", "max-streams"))
    public var maxStreams: String?

    @Option(name: .go("stream-idle-timeout"), help: .env("A stream opened by -create-streams with no subscriber and no event this long is removed (default 10m)", "stream-idle-timeout"))
    public var streamIdleTimeout: String?

    @Option(name: .go("header-timeout"), help: .env("A request head must arrive within this, or 408 and closed (default 10s)", "header-timeout"))
    public var headerTimeout: String?

    @Option(name: .go("idle-timeout"), help: .env("A keep-alive HTTP connection with no request this long is closed (default 60s)", "idle-timeout"))
    public var idleTimeout: String?

    @Option(name: .go("body-timeout"), help: .env("A POST body must arrive within this (408), a fragmented WebSocket message end within it (1008) (default 30s)", "body-timeout"))
    public var bodyTimeout: String?

    @Option(name: .go("max-connections"), help: .env("Connections open at once; more get 503 with Retry-After (default \(ConnectionLimiter.defaultLimit()) here: what the file-descriptor limit, ulimit -n \(ConnectionLimiter.descriptorLimit()), leaves after a reserve of 10% (at least 64) and a tenth more held to answer 503)", "max-connections"))
    public var maxConnections: String?

    @Option(name: .go("sse-heartbeat"), help: .env("How often SSE subscribers get a keepalive comment (default 15s)", "sse-heartbeat"))
    public var sseHeartbeat: String?

    @Option(name: .go("no-ui"), help: .env("Do not serve the demo page at / (a bare -no-ui means true)", "no-ui"))
    public var noUI: String?

    @Option(name: .go("tls-cert"), help: .env("PEM certificate chain: serve wss:// and https:// on the same port (with -tls-key; reloaded on SIGHUP)", "tls-cert"))
    public var tlsCert: String?

    @Option(name: .go("tls-key"), help: .env("PEM private key of -tls-cert", "tls-key"))
    public var tlsKey: String?

    @Option(name: .go("tls-ca"), help: .env("PEM CA certificates to trust for wss:// and https:// upstreams instead of the system's roots", "tls-ca"))
    public var tlsCA: String?

    @Option(name: .go("store"), help: .env("Store URL, postgres://USER:PASSWORD@HOST:PORT/DB: the stream is durable and shared by every instance on it (docs/STORE.md)", "store"))
    public var store: String?

    @Option(name: .go("retention"), help: .env("What the store keeps for resuming: a count of events, an age, or both as COUNT,AGE (default 1000000,168h)", "retention"))
    public var retention: String?

    @Option(name: .go("consumer-ttl"), help: .env("A named consumer (?consumer=NAME) unseen this long loses its position (default 168h)", "consumer-ttl"))
    public var consumerTTL: String?

    @Option(name: .go("store-reset"), help: .env("Start the stream at -serve-path over in -store (a new epoch, ids from 1, its events deleted) and exit (a bare -store-reset means true)", "store-reset"))
    public var storeReset: String?

    @Option(name: .go("first-message"), parsing: .unconditional, help: .env("What a subscriber that gives no since gets before live events: newest, oldest (all the buffer holds) or -N (the last N); default: live events only", "first-message"))
    public var firstMessage: String?

    @Option(name: .go("presence-stream"), help: .env("Publish every stream's subscriber joins and leaves as JSON events at /_presence (a bare -presence-stream means true)", "presence-stream"))
    public var presenceStream: String?

    @Option(name: .go("presence-metric-paths"), help: .env("How many paths /metrics names in wsevent_topic_subscribers, the busiest first; the rest are summed under path=\"other\" (default 100; 0 leaves the metric out)", "presence-metric-paths"))
    public var presenceMetricPaths: String?

    @Option(name: .go("log-level"), help: .env("trace, debug, info, notice, warning, error or critical (default info)", "log-level"))
    public var logLevel: String?

    public init() {}

    /// How the command line is rewritten before parsing (see ``GoFlagSyntax``).
    public static let syntax = GoFlagSyntax(
        valueFlags: [
            "serve-address", "serve-path", "serve", "consume-address", "consume-path", "consume",
            "interval", "buffer", "buffer-bytes", "max-message-size", "max-pending-bytes", "ping-interval", "pong-timeout", "shutdown-timeout", "log-level",
            "publish-token", "subscribe-token", "allowed-origins", "sse-heartbeat", "max-streams", "stream-idle-timeout",
            "header-timeout", "idle-timeout", "body-timeout", "max-connections", "tls-cert", "tls-key", "tls-ca",
            "store", "retention", "consumer-ttl", "publish-to",
            "first-message", "presence-metric-paths",
        ],
        boolFlags: ["no-produce", "create-streams", "no-ui", "store-reset", "presence-stream"]
    )

    /// Parses Go-style arguments (without the program name).
    public static func parseGoStyle(_ arguments: [String]) throws -> ServiceFlags {
        try parse(syntax.normalize(arguments))
    }

    /// The configuration these flags describe, with `environment` filling what flags leave out.
    /// - Parameters:
    ///   - stores: the kinds of store `-store` may name (the executable links them).
    ///   - bridges: the kinds of broker `-consume` and `-publish-to` may name (likewise).
    /// - Throws: `ValidationError` with one line naming the flag and the bad value.
    public func configuration(environment: [String: String] = [:], stores: [StoreKind] = [], bridges: [BridgeKind] = []) throws -> ServiceConfiguration {
        let env = EnvironmentLookup(environment)
        // The library's defaults suit an embedder (a hub, no page); the command applies the
        // seed's, so that every seed command works unchanged.
        var configuration = ServiceConfiguration()
        configuration.serveHost = "localhost"
        configuration.servePort = 8080
        configuration.servePath = "/events"
        configuration.demoPage = true
        var produce = true
        var upstreams: [StreamURL] = []

        // Flags win over the environment as a group: an address given by any flag makes every
        // address variable irrelevant, and likewise for the upstreams.
        let serveFlagsGiven = serve != nil || serveAddress != nil || servePath != nil
        let consumeFlagsGiven = !consume.isEmpty || consumeAddress != nil || consumePath != nil
        if let serve = serve ?? (serveFlagsGiven ? nil : env["serve"]) {
            guard let url = StreamArgument.parse(serve)?.address, !serve.contains("://") || serve.hasPrefix("ws://") else {
                throw ValidationError("-serve: '\(serve)' is not HOST:PORT/PATH")
            }
            let authority = serve.split(separator: "/", maxSplits: 1).first.map(String.init) ?? serve
            configuration.serveHost = HostAndPort.parse(Substring(authority))?.host ?? url.host
            configuration.servePort = url.port
            configuration.servePath = url.path
        }
        if let address = serveAddress ?? (serveFlagsGiven ? nil : env["serve-address", seed: "SERVE_ADDRESS"]) {
            guard let (host, port) = HostAndPort.parse(Substring(address)) else {
                throw ValidationError("-serve-address: '\(address)' is not HOST:PORT (e.g. localhost:8080 or :8080)")
            }
            configuration.serveHost = host
            configuration.servePort = port
        }
        if let path = servePath ?? (serveFlagsGiven ? nil : env["serve-path", seed: "SERVE_PATH"]) {
            configuration.servePath = try Self.streamPath(path, flag: "serve-path")
        }

        let consumeList = consumeFlagsGiven ? consume : (env["consume"]?.split(separator: ",").map(String.init) ?? [])
        var brokerURLs: [String] = []
        for text in consumeList {
            let text = String(text.filter { $0 != " " })
            if Self.isBrokerURL(text) {
                brokerURLs.append(text)
                continue
            }
            guard let url = StreamArgument.parse(text) else {
                throw ValidationError("-consume: '\(text)' is not HOST:PORT/PATH or a ws://, wss://, http:// or https:// URL")
            }
            upstreams.append(url)
        }
        if let address = consumeAddress ?? (consumeFlagsGiven ? nil : env["consume-address", seed: "CONSUME_ADDRESS"]), !address.isEmpty {
            guard let (host, port) = HostAndPort.parse(Substring(address)) else {
                throw ValidationError("-consume-address: '\(address)' is not HOST:PORT")
            }
            let path = try Self.streamPath(
                consumePath ?? (consumeFlagsGiven ? nil : env["consume-path", seed: "CONSUME_PATH"]) ?? "consume",
                flag: "consume-path"
            )
            upstreams.append(StreamURL(WebSocketURL(host: host.isEmpty ? "127.0.0.1" : host, port: port, path: path)))
        }

        if let value = try Self.bool(noProduce ?? env["no-produce", seed: "NO_PRODUCE"], flag: "no-produce") {
            produce = !value
        }
        if let value = try Self.bool(createStreams ?? env["create-streams"], flag: "create-streams") {
            configuration.createStreams = value
        }
        if let value = try Self.bool(noUI ?? env["no-ui"], flag: "no-ui") {
            configuration.demoPage = !value
        }
        if let token = publishToken ?? env["publish-token"] {
            guard !token.isEmpty, !token.contains(" ") else { throw ValidationError("-publish-token: the token must be non-empty, without spaces") }
            configuration.publishToken = token
        }
        if let token = subscribeToken ?? env["subscribe-token"] {
            guard !token.isEmpty, !token.contains(" ") else { throw ValidationError("-subscribe-token: the token must be non-empty, without spaces") }
            configuration.subscribeToken = token
        }
        if let text = allowedOrigins ?? env["allowed-origins"] {
            let origins = text.split(separator: ",").map { String($0.filter { $0 != " " }) }.filter { !$0.isEmpty }
            for origin in origins where origin != "*" {
                guard origin.hasPrefix("http://") || origin.hasPrefix("https://") else {
                    throw ValidationError("-allowed-origins: '\(origin)' is not an origin like https://example.com or *")
                }
            }
            configuration.allowedOrigins = origins
        }
        if let value = try Self.duration(sseHeartbeat ?? env["sse-heartbeat"], flag: "sse-heartbeat", upTo: "1h") {
            configuration.sseHeartbeat = value
        }
        let brokers = try consumeBrokers(
            brokerURLs,
            produces: produce,
            upstreams: upstreams,
            publishToken: configuration.publishToken,
            env: env,
            kinds: bridges
        )
        configuration.sources = brokers.sources
        configuration.role = try Self.role(
            produce: produce,
            upstreams: upstreams,
            brokers: brokerURLs.count,
            publishToken: configuration.publishToken
        )
        if let value = try Self.count(maxStreams ?? env["max-streams"], flag: "max-streams", in: 1...1_000_000) {
            configuration.maxStreams = value
        }
        // Below 10ms no client could send a request; past the upper bounds a connection is not
        // slow but held.
        if let value = try Self.duration(headerTimeout ?? env["header-timeout"], flag: "header-timeout", upTo: "1h") {
            configuration.headerTimeout = value
        }
        if let value = try Self.duration(idleTimeout ?? env["idle-timeout"], flag: "idle-timeout", upTo: "24h") {
            configuration.idleTimeout = value
        }
        if let value = try Self.duration(bodyTimeout ?? env["body-timeout"], flag: "body-timeout", upTo: "24h") {
            configuration.bodyTimeout = value
        }
        if let value = try Self.count(maxConnections ?? env["max-connections"], flag: "max-connections", in: 1...10_000_000) {
            configuration.maxConnections = value
        }
        // Below 10ms the sweep would spin; past a week a stream is not idle but forgotten.
        if let value = try Self.duration(streamIdleTimeout ?? env["stream-idle-timeout"], flag: "stream-idle-timeout", upTo: "168h") {
            configuration.streamIdleTimeout = value
        }
        if let value = try Self.duration(interval ?? env["interval"], flag: "interval", from: "1ms", upTo: "24h") {
            configuration.interval = value
        }
        if let value = try Self.duration(pingInterval ?? env["ping-interval"], flag: "ping-interval", upTo: "24h") {
            configuration.pingInterval = value
        }
        if let value = try Self.duration(shutdownTimeout ?? env["shutdown-timeout"], flag: "shutdown-timeout", upTo: "1h") {
            configuration.shutdownTimeout = value
        }
        if let value = try Self.duration(pongTimeout ?? env["pong-timeout"], flag: "pong-timeout", upTo: "1h") {
            configuration.pongTimeout = value
        }
        if let value = try Self.count(buffer ?? env["buffer"], flag: "buffer", of: "events", in: 0...ServiceConfiguration.maxBufferSize) {
            configuration.bufferSize = value
        }
        if let text = bufferBytes ?? env["buffer-bytes"] {
            guard let value = ByteSize.parse(text), (0...(1 << 40)).contains(value) else {
                throw ValidationError("-buffer-bytes: '\(text)' is not a size from 0 to 1TiB, like 64MiB")
            }
            configuration.bufferBytes = value
        }
        if let text = maxMessageSize ?? env["max-message-size"] {
            guard let value = ByteSize.parse(text), (125...Int(UInt32.max)).contains(value) else {
                throw ValidationError("-max-message-size: '\(text)' is not a size from 125 bytes to 4GiB")
            }
            configuration.maxMessageSize = value
        }
        if let text = maxPendingBytes ?? env["max-pending-bytes"] {
            guard let value = ByteSize.parse(text), (1024...(1 << 40)).contains(value) else {
                throw ValidationError("-max-pending-bytes: '\(text)' is not a size from 1KiB to 1TiB")
            }
            configuration.maxPendingBytes = value
        }
        try applyTLS(to: &configuration, env: env)
        try applyStore(to: &configuration, env: env, kinds: stores)
        if let log = brokers.store { configuration.store = log }
        try applySubscribers(to: &configuration, env: env)
        return configuration
    }

    /// How much the executable logs: a matter of the command, not of the library's server.
    /// - Throws: `ValidationError` with one line naming the bad value.
    public func logLevel(environment: [String: String] = [:]) throws -> Logger.Level {
        guard let text = logLevel ?? EnvironmentLookup(environment)["log-level"] else { return .info }
        guard let level = Logger.Level(rawValue: text.lowercased()) else {
            throw ValidationError("-log-level: '\(text)' is not one of trace, debug, info, notice, warning, error, critical")
        }
        return level
    }

    /// The seed's flags mapped onto a role: without `-no-produce` a producer (merging any
    /// upstreams and brokers), else a relay of one upstream, a fan-in of several (brokers
    /// count), or with none a hub, fed by publishes (which then need the publish token) and by
    /// any brokers.
    private static func role(produce: Bool, upstreams: [StreamURL], brokers: Int, publishToken: String?) throws -> Role {
        if produce { return .producer(merging: upstreams) }
        if brokers > 0 { return upstreams.isEmpty ? .hub : .fanIn(upstreams) }
        switch upstreams.count {
        case 0:
            guard publishToken != nil else {
                throw ValidationError(
                    "-no-produce without an upstream runs a hub fed only by POST: give it -publish-token TOKEN (or WSEVENT_PUBLISH_TOKEN), or give an upstream with -consume"
                )
            }
            return .hub
        case 1: return .relay(upstreams[0])
        default: return .fanIn(upstreams)
        }
    }

    /// A duration from `minimum` to `maximum` (Go syntax, as both are written), or `nil` when
    /// `text` is: every duration flag is range-checked with one line.
    static func duration(_ text: String?, flag: String, from minimum: String = "10ms", upTo maximum: String) throws -> Duration? {
        guard let text else { return nil }
        guard let value = GoDuration.parse(text), let lower = GoDuration.parse(minimum), let upper = GoDuration.parse(maximum),
            value >= lower, value <= upper
        else {
            throw ValidationError("-\(flag): '\(text)' is not a duration from \(minimum) to \(maximum)")
        }
        return value
    }

    /// A whole number in `range`, or `nil` when `text` is; one line naming the range otherwise.
    static func count(_ text: String?, flag: String, of noun: String? = nil, in range: ClosedRange<Int>) throws -> Int? {
        guard let text else { return nil }
        guard let value = Int(text), range.contains(value) else {
            let what = noun.map { "a count of \($0)" } ?? "a count"
            throw ValidationError("-\(flag): '\(text)' is not \(what) from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    static func bool(_ text: String?, flag: String) throws -> Bool? {
        guard let text else { return nil }
        guard let value = GoFlagSyntax.parseBool(text) else { throw ValidationError("-\(flag): '\(text)' is not a boolean") }
        return value
    }

    private static func streamPath(_ text: String, flag: String) throws -> String {
        let path = text.hasPrefix("/") ? text : "/" + text
        guard path.count > 1, !path.contains(where: { $0 == "?" || $0 == "#" || $0 == " " }) else {
            throw ValidationError("-\(flag): '\(text)' is not a stream path like events")
        }
        return path
    }
}

/// Reads `WSEVENT_<NAME>` first, then the seed's unprefixed variable if it has one.
struct EnvironmentLookup {
    let environment: [String: String]

    init(_ environment: [String: String]) {
        self.environment = environment
    }

    subscript(flag: String, seed seed: String? = nil) -> String? {
        if let value = environment[Self.variable(for: flag)] { return value }
        if let seed, let value = environment[seed] { return value }
        return nil
    }

    static func variable(for flag: String) -> String {
        "WSEVENT_" + flag.uppercased().replacingDashes()
    }
}

extension String {
    fileprivate func replacingDashes() -> String {
        String(map { $0 == "-" ? "_" : $0 })
    }
}

extension NameSpecification {
    /// A single-dash long name, as Go spells flags.
    static func go(_ name: String) -> NameSpecification {
        [.customLong(name, withSingleDash: true)]
    }
}

extension ArgumentHelp {
    /// Help text that names the environment variables the flag can come from.
    static func env(_ text: String, _ flag: String, seed: String? = nil) -> ArgumentHelp {
        let names = [EnvironmentLookup.variable(for: flag)] + (seed.map { [$0] } ?? [])
        return ArgumentHelp("\(text) [env: \(names.joined(separator: ", "))]")
    }
}
