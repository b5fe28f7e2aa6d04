import NIOConcurrencyHelpers
import WSEventStreams
import WSEventTransports
import WSEventWebSocket

/// The state of each upstream a server consumes, as its consumers report it; `/healthz`
/// shows it.
public final class UpstreamLinks: Sendable {
    /// Where a link to an upstream stands.
    public enum State: String, Sendable {
        /// Not connected yet.
        case connecting
        case connected
        /// Lost or refused; reconnecting with backoff.
        case reconnecting
    }

    public struct Link: Sendable {
        public var url: WebSocketURL
        public var state: State
        /// How many times the link was lost after being up.
        public var reconnects: Int
    }

    private let links: NIOLockedValueBox<[Link]>

    public init(_ urls: [WebSocketURL] = []) {
        links = NIOLockedValueBox(urls.map { Link(url: $0, state: .connecting, reconnects: 0) })
    }

    public var all: [Link] { links.withLockedValue { $0 } }

    func set(_ state: State, for url: WebSocketURL) {
        links.withLockedValue { links in
            guard let index = links.firstIndex(where: { $0.url == url }) else { return }
            if links[index].state == .connected, state == .reconnecting { links[index].reconnects += 1 }
            links[index].state = state
        }
    }
}
