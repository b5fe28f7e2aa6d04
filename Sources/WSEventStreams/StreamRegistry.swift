import NIOConcurrencyHelpers

/// The streams a server hosts, by URL path.
public final class StreamRegistry<Element: StreamElement>: Sendable {
    private let streams: NIOLockedValueBox<[String: EventStream<Element>]>

    public init(_ streams: [EventStream<Element>] = []) {
        self.streams = NIOLockedValueBox(Dictionary(uniqueKeysWithValues: streams.map { ($0.path, $0) }))
    }

    /// The stream at `path` (with its leading `/`), if any.
    public func stream(at path: String) -> EventStream<Element>? {
        streams.withLockedValue { $0[path] }
    }

    /// Adds a stream; replaces one at the same path.
    public func add(_ stream: EventStream<Element>) {
        streams.withLockedValue { $0[stream.path] = stream }
    }

    /// The stream at `path`, created as an origin if there is none.
    public func streamCreatingIfNeeded(at path: String, bufferSize: Int) -> EventStream<Element> {
        streams.withLockedValue { streams in
            if let existing = streams[path] { return existing }
            let stream = EventStream<Element>(path: path, bufferSize: bufferSize)
            streams[path] = stream
            return stream
        }
    }

    /// All streams, ordered by path.
    public var all: [EventStream<Element>] {
        streams.withLockedValue { $0.values.sorted { $0.path < $1.path } }
    }
}
