import NIOConcurrencyHelpers
import NIOCore

/// The streams a server hosts, by URL path.
///
/// Streams given to it (the server's own) stay for its lifetime. Streams opened on demand
/// (``streamCreatingIfNeeded(at:bufferSize:bufferBytes:)``) are bounded by ``maxStreams`` and removed by
/// ``removeIdleStreams(idleSince:)`` once nobody uses them.
public final class StreamRegistry<Element: StreamElement>: Sendable {
    private struct Entry {
        var stream: EventStream<Element>
        /// Opened on demand, so it may be removed when idle.
        var removable: Bool
    }

    private let entries: NIOLockedValueBox<[String: Entry]>
    /// How many streams may exist at once, permanent ones included.
    public let maxStreams: Int
    /// Given to every stream opened on demand (``EventStream/observePresence(_:)``).
    private let presenceObserver: (@Sendable (PresenceChange) -> Void)?

    /// - Parameters:
    ///   - streams: streams that are never removed.
    ///   - maxStreams: how many streams may exist at once; opening more fails.
    ///   - presenceObserver: observes the joins and leaves of every stream opened on demand
    ///     (the streams given here are the caller's to observe).
    public init(
        _ streams: [EventStream<Element>] = [],
        maxStreams: Int = .max,
        presenceObserver: (@Sendable (PresenceChange) -> Void)? = nil
    ) {
        self.entries = NIOLockedValueBox(
            Dictionary(uniqueKeysWithValues: streams.map { ($0.path, Entry(stream: $0, removable: false)) })
        )
        self.maxStreams = maxStreams
        self.presenceObserver = presenceObserver
    }

    /// The stream at `path` (with its leading `/`), if any.
    public func stream(at path: String) -> EventStream<Element>? {
        entries.withLockedValue { $0[path]?.stream }
    }

    /// Adds a stream that is never removed; replaces one at the same path. Not bounded by
    /// ``maxStreams``: the caller decided to host it.
    public func add(_ stream: EventStream<Element>) {
        entries.withLockedValue { $0[stream.path] = Entry(stream: stream, removable: false) }
    }

    /// The stream at `path`, opened as an origin if there is none.
    /// - Throws: ``StreamLimitReached`` when ``maxStreams`` streams exist already.
    public func streamCreatingIfNeeded(
        at path: String,
        bufferSize: Int,
        bufferBytes: Int = 64 << 20
    ) throws(StreamLimitReached) -> EventStream<Element> {
        let opened = entries.withLockedValue { entries -> Result<EventStream<Element>, StreamLimitReached> in
            if let existing = entries[path] { return .success(existing.stream) }
            guard entries.count < maxStreams else { return .failure(StreamLimitReached(limit: maxStreams)) }
            let stream = EventStream<Element>(path: path, bufferSize: bufferSize, bufferBytes: bufferBytes)
            if let presenceObserver { stream.observePresence(presenceObserver) }
            entries[path] = Entry(stream: stream, removable: true)
            return .success(stream)
        }
        return try opened.get()
    }

    /// Removes every stream opened on demand that has no subscriber and has had no event and
    /// no subscriber coming or going since `idleSince`; returns their paths, sorted. A server
    /// calls this periodically with "now minus the idle timeout"; a test may pass any instant.
    ///
    /// A removed stream refuses subscribers and publishes from then on (see
    /// ``EventStream/removeIfIdle(since:)`` for why none is stranded on it); the next
    /// subscriber or publish at its path opens a new stream there, with a new epoch.
    @discardableResult
    public func removeIdleStreams(idleSince: NIODeadline) -> [String] {
        entries.withLockedValue { entries in
            // The stream's lock is taken inside the registry's, never the other way round.
            var removed: [String] = []
            for (path, entry) in entries where entry.removable && entry.stream.removeIfIdle(since: idleSince) {
                removed.append(path)
            }
            for path in removed { entries[path] = nil }
            return removed.sorted()
        }
    }

    /// How many streams exist.
    public var count: Int { entries.withLockedValue { $0.count } }

    /// All streams, ordered by path.
    public var all: [EventStream<Element>] {
        entries.withLockedValue { $0.values.map(\.stream).sorted { $0.path < $1.path } }
    }
}

/// A stream could not be opened: as many streams as allowed exist already.
public struct StreamLimitReached: Error, Sendable, Equatable, CustomStringConvertible {
    /// The limit, ``StreamRegistry/maxStreams``.
    public let limit: Int

    public init(limit: Int) {
        self.limit = limit
    }

    public var description: String { "the server hosts \(limit) streams, its limit (-max-streams)" }
}
