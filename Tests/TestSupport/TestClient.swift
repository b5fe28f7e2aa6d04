import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import WSEventCore

/// What a test subscriber saw: every message, and how the server closed.
public struct Received: Sendable {
    public var messages: [WebSocketMessage]
    public var closeCode: WebSocketErrorCode?
    public var subprotocol: String?

    /// The messages as text.
    public var texts: [String] { messages.map(\.string) }

    /// v1 messages split into header and payload text.
    public var v1: [(header: V1Header, payload: String)] {
        messages.compactMap { message in V1Header.parse(message.data).map { ($0.header, String(buffer: $0.payload)) } }
    }

    /// The ids of the v1 events received.
    public var eventIDs: [UInt64] {
        v1.compactMap { if case .event(let id) = $0.header { id } else { nil } }
    }
}

/// A subscriber for tests, built on the library's own client.
public enum TestClient {
    /// Connects and collects messages until `count` arrived or the server closed.
    public static func collect(
        _ url: WebSocketURL,
        v1: Bool = false,
        count: Int = .max,
        timeout: Double = 30,
        configuration: WebSocketConfiguration = WebSocketConfiguration()
    ) async throws -> Received {
        let connection = try await WebSocketClient.connect(
            to: url,
            subprotocols: v1 ? [WireMode.v1Subprotocol] : [],
            configuration: configuration
        )
        return try await collect(on: connection, count: count, timeout: timeout)
    }

    /// Collects from an already open connection.
    public static func collect(on connection: WebSocketConnection, count: Int = .max, timeout: Double = 30) async throws -> Received {
        try await withTimeout(timeout, "collecting \(count) messages from \(connection.target)") {
            try await connection.run { inbound, _ in
                var messages: [WebSocketMessage] = []
                for try await message in inbound {
                    messages.append(message)
                    if messages.count >= count { break }
                }
                return Received(messages: messages, closeCode: inbound.closeCode, subprotocol: connection.subprotocol)
            }
        }
    }

    /// Counts v1 events (not hello/gap) until `count` events arrived.
    public static func collectEvents(
        _ url: WebSocketURL,
        count: Int,
        timeout: Double = 60,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> Received {
        let connection = try await WebSocketClient.connect(to: url, subprotocols: [WireMode.v1Subprotocol], group: group)
        return try await withTimeout(timeout, "collecting \(count) events from \(url)") {
            try await connection.run { inbound, _ in
                var messages: [WebSocketMessage] = []
                var events = 0
                for try await message in inbound {
                    messages.append(message)
                    if case .event = V1Header.parse(message.data)?.header { events += 1 }
                    if events >= count { break }
                }
                return Received(messages: messages, closeCode: inbound.closeCode, subprotocol: connection.subprotocol)
            }
        }
    }
}
