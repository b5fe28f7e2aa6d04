import ArgumentParser
import NIOCore
import WSEventLoad

/// The flags every load mode shares.
struct LoadOptions: ParsableArguments {
    @Option(help: "Where subscribers subscribe: ws://HOST:PORT/PATH (http:// works the same; loopback only)")
    var subscribeURL: String

    @Option(help: "ws (WebSocket, plain) or sse (EventSource)")
    var transport = "ws"

    @Option(help: "Subscribers to open (default: 100; chain: 1)")
    var subscribers: Int?

    @Option(help: "Subscriber handshakes in flight at once while opening them")
    var handshakesInFlight = 64

    @Option(help: "The server's process id; repeat it for several (children are included: nginx workers)")
    var serverPID: [Int32] = []

    @Option(help: "The run's name in the report (e.g. wsevent, nchan)")
    var label: String?

    @Option(help: "The run's name in a matrix, copied into the report (e.g. fanout-ws-1000-128)")
    var scenario: String?

    @Option(help: "Event loop threads of the generator (default: one per core)")
    var threads: Int?

    @Option(help: "Stop opening subscribers after this many seconds")
    var rampTimeout = 60.0

    func validate() throws {
        guard (subscribers ?? 1) > 0, handshakesInFlight > 0, (threads ?? 1) > 0, rampTimeout > 0 else {
            throw ValidationError("--subscribers, --handshakes-in-flight, --threads and --ramp-timeout must be positive")
        }
        _ = try url(subscribeURL)
        guard Transport(rawValue: transport) != nil else { throw ValidationError("--transport takes ws or sse, not '\(transport)'") }
    }

    func url(_ text: String) throws -> LoadURL {
        do { return try LoadURL(text) } catch let error as LoadURL.Invalid { throw ValidationError(error.description) }
    }

    /// A generator with these settings; `subscribers` defaults to `defaultSubscribers`.
    func generator(defaultSubscribers: Int) throws -> LoadGenerator {
        var generator = LoadGenerator(subscribeURL: try url(subscribeURL))
        generator.transport = Transport(rawValue: transport) ?? .webSocket
        generator.subscribers = subscribers ?? defaultSubscribers
        generator.handshakesInFlight = handshakesInFlight
        generator.serverPIDs = serverPID
        generator.label = label
        generator.scenario = scenario
        if let threads { generator.threads = threads }
        generator.rampTimeout = .seconds(rampTimeout)
        return generator
    }
}

/// The flags of the modes that publish.
struct PublishOptions: ParsableArguments {
    @Option(help: "Where to POST events: http://HOST:PORT/PATH, or a NATS subject to publish on, nats://HOST:PORT/SUBJECT (loopback only); without it, count what the server produces by itself")
    var publishURL: String?

    @Option(help: "Sent as 'Authorization: Bearer TOKEN' with each publish")
    var publishToken: String?

    @Option(help: "Another header for each publish, 'Name: value'; repeat it for several")
    var publishHeader: [String] = []

    @Option(help: "Keep-alive publishing connections")
    var publishers = 16

    @Option(help: "Events per second in all, 0 for as fast as the server answers (default: 0; chain: 100)")
    var rate: Double?

    @Option(help: "Bytes per event payload (at least 40, the header with sequence number and send time)")
    var payload = 128

    @Option(help: "Seconds of publishing (the measured window)")
    var duration = 10.0

    @Option(help: "Seconds to wait after publishing for events still on their way")
    var drain = 5.0

    @Option(help: "Seconds between the last subscriber's answer and the first publish")
    var settle = 0.5

    func validate() throws {
        guard publishers > 0, (rate ?? 0) >= 0, payload > 0, duration > 0, duration <= 3600, drain >= 0, settle >= 0 else {
            throw ValidationError("--publishers, --payload and --duration (at most 3600) must be positive, --rate, --drain and --settle not negative")
        }
        for header in publishHeader where !header.contains(":") {
            throw ValidationError("--publish-header '\(header)' is not 'Name: value'")
        }
    }

    /// Applies these to `generator`; `rate` defaults to `defaultRate`.
    func apply(to generator: inout LoadGenerator, load: LoadOptions, defaultRate: Double) throws {
        generator.duration = .seconds(duration)
        generator.drainTimeout = .seconds(drain)
        generator.settle = .seconds(settle)
        guard let publishURL else { return }
        var settings = LoadGenerator.PublishSettings(url: try load.url(publishURL))
        settings.connections = publishers
        settings.rate = rate ?? defaultRate
        settings.payloadSize = payload
        if let publishToken { settings.headers.append((name: "Authorization", value: "Bearer \(publishToken)")) }
        for header in publishHeader {
            let name = header.prefix { $0 != ":" }
            let value = header.drop { $0 != ":" }.dropFirst().drop { $0 == " " }
            settings.headers.append((name: String(name), value: String(value)))
        }
        generator.publish = settings
    }
}

extension TimeAmount {
    /// Seconds as a `TimeAmount`, to the nanosecond.
    static func seconds(_ seconds: Double) -> TimeAmount {
        .nanoseconds(Int64(seconds * 1e9))
    }
}
