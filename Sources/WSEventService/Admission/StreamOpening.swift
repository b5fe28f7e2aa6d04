import NIOHTTP1
import WSEventStreams
import WSEventTransports

/// Topics on demand: with `-create-streams` any path names a stream, opened by the first
/// publish or subscriber, as on any URL-as-topic bus.
extension ServiceContext {
    /// Whether a request for `path`, where no stream exists, may open one there.
    func mayOpenStream(at path: String) -> Bool {
        configuration.createStreams && Self.isTopicPath(path)
    }

    /// The stream at `path`, opened (as an origin) if there is none; `503` when as many
    /// streams as `-max-streams` allows exist already.
    func openStream(at path: String) -> Result<WireEventStream, Refusal> {
        do {
            return .success(try registry.streamCreatingIfNeeded(at: path, bufferSize: configuration.bufferSize, bufferBytes: configuration.bufferBytes))
        } catch {
            // No Retry-After: when a stream frees up depends on other clients' idleness.
            return .failure(
                Refusal(status: .serviceUnavailable, message: "cannot open a stream at \(path): \(error); retry later", reason: .limit)
            )
        }
    }

    /// The stream a request's checks found at its path, or, where they found none and let one
    /// be opened (`-create-streams`), the one opened now: admission's one side effect on streams.
    func stream(found existing: WireEventStream?, at path: String) -> Result<WireEventStream, Refusal> {
        existing.map { .success($0) } ?? openStream(at: path)
    }

    /// A path a stream may be opened at: not `/`, not the server's own endpoints, nothing a log
    /// or a page would misread.
    /// The server's own endpoints.
    static let reservedPaths: Set<String> = ["/healthz", "/livez", "/metrics", ClientScript.path, ClientScript.typesPath]

    static func isTopicPath(_ path: String) -> Bool {
        path.count > 1 && !reservedPaths.contains(path) && !path.contains("..") && !path.contains(where: { $0 == " " || $0 == "\"" })
    }
}
