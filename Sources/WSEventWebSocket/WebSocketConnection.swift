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
    let configuration: WebSocketConfiguration
    /// The subprotocol the server accepted, if any.
    public let subprotocol: String?
    /// The request target: path and query, as the client sent it.
    public let target: String

    init(
        channel: NIOAsyncChannel<WebSocketInbound, WebSocketOutbound>,
        configuration: WebSocketConfiguration,
        subprotocol: String?,
        target: String
    ) {
        self.channel = channel
        self.configuration = configuration
        self.subprotocol = subprotocol
        self.target = target
    }

    /// Runs `body` with the connection's messages and writer, then ends the connection with a
    /// close handshake, waiting for the peer's close frame at most the close timeout:
    /// - `body` returns: close code 1000 (unless `body` closed it already), 1001 if the task
    ///   was cancelled;
    /// - `body` throws: 1011, or 1001 when the task was cancelled; the error is rethrown.
    public func run<Result: Sendable>(
        _ body: (WebSocketInboundMessages, WebSocketOutboundWriter) async throws -> Result
    ) async throws -> Result {
        try await channel.executeThenClose { inbound, outbound in
            let writer = WebSocketOutboundWriter(writer: outbound, channel: channel.channel)
            let result: Result
            do {
                result = try await body(WebSocketInboundMessages(inbound), writer)
            } catch {
                await finish(writer, code: error is CancellationError ? .goingAway : .unexpectedServerError)
                throw error
            }
            // A cancelled task ends the inbound messages early: that side is going away.
            await finish(writer, code: Task.isCancelled ? .goingAway : .normalClosure)
            return result
        }
    }

    /// Closes with `code` unless a close is under way already, and waits until the connection
    /// is gone: the peer answered, or the close timeout passed. Pending messages go first.
    private func finish(_ writer: WebSocketOutboundWriter, code: WebSocketErrorCode) async {
        let channel = self.channel.channel
        await closing {
            // A cancelled task's writes are refused by the writer: then the close goes straight
            // to the channel (messages still held in the writer may be overtaken: the task was
            // cancelled), instead of never going out and the peer waiting for it.
            if Task.isCancelled {
                channel.writeAndFlush(WebSocketOutbound.close(code, reason: ""), promise: nil)
            } else {
                try? await writer.writer.write(.close(code, reason: ""))
            }
        }
    }

    /// For a server whose handler returned without ``run(_:)``: closes with `code` unless the
    /// connection is closed already, and waits (bounded) until it is gone.
    func closeIfOpen(code: WebSocketErrorCode) async {
        let channel = self.channel.channel
        await closing { channel.writeAndFlush(WebSocketOutbound.close(code, reason: ""), promise: nil) }
    }

    /// Runs `sendClose`, then waits for the channel to close. Whatever happens (a peer that
    /// never reads holds the writer back), the channel is closed within the close timeout; the
    /// protocol handler's own timer normally comes first.
    private func closing(_ sendClose: () async -> Void) async {
        let channel = self.channel.channel
        let deadline = channel.eventLoop.scheduleTask(in: TimeAmount(configuration.closeTimeout)) {
            channel.close(promise: nil)
        }
        await sendClose()
        try? await channel.closeFuture.get()
        deadline.cancel()
    }
}

/// The messages a peer sends, in order. Ends when the connection ends: ``closeCode`` and
/// ``closeReason`` then tell what the peer said, ``closeError`` why this side ended it, if it did.
public struct WebSocketInboundMessages: AsyncSequence, Sendable {
    public typealias Element = WebSocketMessage

    private let inbound: NIOAsyncChannelInboundStream<WebSocketInbound>
    private let ending = NIOLockedValueBox<WebSocketEnding?>(nil)

    init(_ inbound: NIOAsyncChannelInboundStream<WebSocketInbound>) {
        self.inbound = inbound
    }

    /// The code of the peer's close frame, once the sequence has ended; `nil` if the peer sent
    /// none (the connection dropped, or this side failed it) or has not closed yet.
    public var closeCode: WebSocketErrorCode? { ending.withLockedValue { $0?.peerClose?.code } }

    /// The reason in the peer's close frame (often empty), once the sequence has ended.
    public var closeReason: String? { ending.withLockedValue { $0?.peerClose?.reason } }

    /// Why this side ended the connection, once the sequence has ended: the peer broke the
    /// protocol (``WebSocketError/Reason-swift.struct/protocolViolation``, with the close code it
    /// was sent), did not answer a ping (`pongTimeout`), or the connection dropped
    /// (`connectionLost`). `nil` after a clean close handshake.
    public var closeError: WebSocketError? { ending.withLockedValue { $0?.error } }

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: NIOAsyncChannelInboundStream<WebSocketInbound>.AsyncIterator
        let ending: NIOLockedValueBox<WebSocketEnding?>

        public mutating func next() async throws -> WebSocketMessage? {
            let next: WebSocketInbound?
            do {
                next = try await base.next()
            } catch {
                // The protocol handler reports every failure as an ending; anything else is the
                // channel going away underneath.
                ending.withLockedValue { $0 = $0 ?? WebSocketEnding(error: .lost(error)) }
                return nil
            }
            switch next {
            case .message(let message):
                return message
            case .closed(let end):
                ending.withLockedValue { $0 = end }
                return nil
            case nil:
                // The stream also ends when this task is cancelled: that is no lost connection.
                if !Task.isCancelled { ending.withLockedValue { $0 = $0 ?? WebSocketEnding(error: .lost(nil)) } }
                return nil
            }
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: inbound.makeAsyncIterator(), ending: ending)
    }
}

/// Sends messages on a connection, pings it, and closes it. Every error it throws is a
/// ``WebSocketError``.
public struct WebSocketOutboundWriter: Sendable {
    let writer: NIOAsyncChannelOutboundWriter<WebSocketOutbound>
    let channel: any Channel

    public func send(_ message: WebSocketMessage) async throws {
        try await write(.message(message))
    }

    public func send(text: String) async throws {
        try await send(.text(text))
    }

    public func send(binary: ByteBuffer) async throws {
        try await send(.binary(binary))
    }

    /// Starts the close handshake; the inbound messages end when the peer answers (or the close
    /// timeout passes).
    ///
    /// - Parameters:
    ///   - code: one that may be sent: 1000–1003, 1007–1014 or 3000–4999.
    ///   - reason: at most 123 bytes of UTF-8.
    /// - Throws: ``WebSocketError`` (`invalidCloseFrame`) for a code or reason that may not be
    ///   sent, `connectionClosed` if the connection is gone.
    public func close(_ code: WebSocketErrorCode = .normalClosure, reason: String = "") async throws {
        guard code.isAllowedOnWire else {
            throw WebSocketError(.invalidCloseFrame, detail: "close code \(code.code) may not be sent")
        }
        guard reason.utf8.count <= CloseFramePayload.maxReasonBytes else {
            throw WebSocketError(.invalidCloseFrame, detail: "a close reason is at most 123 bytes of UTF-8")
        }
        try await write(.close(code, reason: reason))
    }

    /// Sends a ping and returns when its pong arrives.
    ///
    /// - Throws: ``WebSocketError`` (`connectionClosed`) if the connection closes first.
    public func ping() async throws {
        let pong = channel.eventLoop.makePromise(of: Void.self)
        // Straight to the channel: a ping need not queue behind messages the writer holds back.
        // A write that never reaches the handler (the channel is gone) fails the pong too.
        channel.writeAndFlush(WebSocketOutbound.ping(pong)).cascadeFailure(to: pong)
        do {
            try await pong.futureResult.get()
        } catch {
            throw WebSocketError.closed
        }
    }

    private func write(_ outbound: WebSocketOutbound) async throws {
        do {
            try await writer.write(outbound)
        } catch let error as WebSocketError {
            throw error
        } catch let error as CancellationError {
            throw error
        } catch {
            throw WebSocketError.closed
        }
    }
}
