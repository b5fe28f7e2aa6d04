import ArgumentParser
import WSEventCore

/// The options of `wsclient`.
public struct ClientOptions: ParsableArguments {
    @Argument(help: "A port on 127.0.0.1 (default 8080), or a full ws:// or wss://HOST:PORT/PATH URL (http:// or https:// subscribes with SSE)")
    public var portOrURL: String?

    @Argument(help: "The stream path when a port is given (default events)")
    public var path: String?

    @Option(help: "Exit 0 after this many events")
    public var count: Int?

    @Option(help: "Give up after this long, Go syntax (e.g. 10s); exit 1 if --count was not reached")
    public var timeout: String?

    @Flag(help: "Print one JSON object per line: id, epoch, kind, payload (base64 for binary), and gaps")
    public var json = false

    @Flag(help: "Write each payload's bytes exactly, adding no newline after one that lacks it")
    public var raw = false

    @Option(help: "Resume after this event id")
    public var since: UInt64?

    @Option(help: "The epoch --since belongs to")
    public var epoch: String?

    @Flag(help: "Exit when the connection ends instead of reconnecting and resuming")
    public var noReconnect = false

    @Flag(help: "Do not offer wsevent.v1: receive bare payloads, as a browser does (no resume)")
    public var plain = false

    @Flag(help: "Subscribe with Server-Sent Events instead of WebSocket (same output, resumes with Last-Event-ID), as an http:// URL does")
    public var sse = false

    @Option(help: ArgumentHelp("Trust only the CA certificates in this PEM file for wss:// and https:// (default: the system's roots)", valueName: "file"))
    public var ca: String?

    public init() {}

    /// How `wss://` and `https://` servers are verified.
    /// - Throws: `ValidationError` when `--ca` does not load.
    public func tls() throws -> ClientTLS {
        let tls = ClientTLS(caFile: ca)
        if ca != nil {
            do {
                _ = try tls.makeContext()
            } catch {
                throw ValidationError("--ca: \(error)")
            }
        }
        return tls
    }

    /// The stream to subscribe to, from the positional arguments: over WebSocket, or over SSE
    /// for an `http://` or `https://` URL and with `--sse`.
    public func url() throws -> StreamURL {
        var url: StreamURL
        if let first = portOrURL, let port = Int(first) {
            guard (1...65535).contains(port) else { throw ValidationError("'\(first)' is not a port") }
            url = StreamURL(WebSocketURL(host: "127.0.0.1", port: port, path: path ?? "events"))
        } else if let first = portOrURL {
            guard path == nil else { throw ValidationError("give either a URL or PORT [PATH], not both") }
            guard let parsed = StreamArgument.parse(first) else {
                throw ValidationError("'\(first)' is neither a port nor a ws://, wss://, http:// or https://HOST:PORT/PATH URL")
            }
            url = parsed
        } else {
            url = StreamURL(WebSocketURL(host: "127.0.0.1", port: 8080, path: path ?? "events"))
        }
        if sse { url.transport = .sse }
        return url
    }

    /// The resume point from `--since`/`--epoch`.
    public func resumePoint() throws -> ResumePoint? {
        guard let since else {
            if epoch != nil { throw ValidationError("--epoch needs --since") }
            return nil
        }
        guard since <= Event.maxID else { throw ValidationError("--since: an event id is at most \(Event.maxID)") }
        var parsedEpoch: Epoch?
        if let epoch {
            guard let value = Epoch(epoch) else { throw ValidationError("--epoch: '\(epoch)' is not an epoch") }
            parsedEpoch = value
        }
        return ResumePoint(since: since, epoch: parsedEpoch)
    }

    /// `--timeout` as a duration.
    public func timeoutDuration() throws -> Duration? {
        guard let timeout else { return nil }
        guard let value = GoDuration.parse(timeout), value > .zero else {
            throw ValidationError("--timeout: '\(timeout)' is not a duration like 10s")
        }
        return value
    }

    public func validate() throws {
        if json, raw { throw ValidationError("--raw is for payloads; --json prints each event as one JSON line") }
        if let count, count < 1 { throw ValidationError("--count must be at least 1") }
        if try url().transport == .sse, plain { throw ValidationError("--plain is for WebSocket; SSE always has ids") }
        _ = try resumePoint()
        _ = try timeoutDuration()
    }
}
