import NIOConcurrencyHelpers
import NIOCore
import NIOWebSocket

/// An open WebSocket connection, server or client side, used from async code.
///
/// ```swift
/// try await connection.run { inbound, outbound in
///     for try await message in inbound { try await outbound.send(message) }
/// }
/// ```
public struct WebSocketConnection: Sendable {
    let channel: NIOAsyncChannel<WebSocketInbound, WebSocketOutbound>
    /// The subprotocol the server accepted, if any.
    public let subprotocol: String?
    /// The request target: path and query, as the client sent it.
    public let target: String

    init(channel: NIOAsyncChannel<WebSocketInbound, WebSocketOutbound>, subprotocol: String?, target: String) {
        self.channel = channel
        self.subprotocol = subprotocol
        self.target = target
    }

    /// Runs `body` with the connection's messages and writer; closes the connection after.
    public func run<Result: Sendable>(
        _ body: (WebSocketInboundMessages, WebSocketOutboundWriter) async throws -> Result
    ) async throws -> Result {
        try await channel.executeThenClose { inbound, outbound in
            try await body(WebSocketInboundMessages(inbound), WebSocketOutboundWriter(writer: outbound))
        }
    }
}

/// The messages a peer sends, in order. Ends when the peer closes; ``closeCode`` then tells how.
public struct WebSocketInboundMessages: AsyncSequence, Sendable {
    public typealias Element = WebSocketMessage

    private let inbound: NIOAsyncChannelInboundStream<WebSocketInbound>
    private let close = NIOLockedValueBox<WebSocketErrorCode?>(nil)

    init(_ inbound: NIOAsyncChannelInboundStream<WebSocketInbound>) {
        self.inbound = inbound
    }

    /// The code of the peer's close frame, once the sequence has ended; `nil` if the peer sent
    /// none (the connection just dropped) or has not closed yet.
    public var closeCode: WebSocketErrorCode? { close.withLockedValue { $0 } }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: NIOAsyncChannelInboundStream<WebSocketInbound>.AsyncIterator
        let close: NIOLockedValueBox<WebSocketErrorCode?>

        public mutating func next() async throws -> WebSocketMessage? {
            switch try await base.next() {
            case .message(let message):
                return message
            case .closed(let code):
                close.withLockedValue { $0 = code }
                return nil
            case nil:
                return nil
            }
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: inbound.makeAsyncIterator(), close: close)
    }
}

/// Sends messages on a connection, and closes it.
public struct WebSocketOutboundWriter: Sendable {
    let writer: NIOAsyncChannelOutboundWriter<WebSocketOutbound>

    public func send(_ message: WebSocketMessage) async throws {
        try await writer.write(.message(message))
    }

    public func send(text: String) async throws {
        try await send(.text(text))
    }

    public func send(binary: ByteBuffer) async throws {
        try await send(.binary(binary))
    }

    /// Starts the close handshake with `code`; the inbound messages end when the peer answers.
    public func close(_ code: WebSocketErrorCode = .normalClosure) async throws {
        try await writer.write(.close(code))
    }
}
