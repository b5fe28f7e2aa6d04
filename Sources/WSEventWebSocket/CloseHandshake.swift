/// The close handshake of RFC 6455 §7, as a value: which close frame to send and when the TCP
/// connection may go. Pure logic, driven by ``WebSocketProtocolHandler`` and tested without I/O.
///
/// - A *close* (the application, or shutdown) sends our frame and waits, bounded, for the peer's.
/// - A peer's valid close frame is answered (echoing its code, 1000 if it had none) and the
///   handshake is complete.
/// - A *failure* (§7.1.7: the peer broke the protocol, or stopped answering pings) sends our
///   frame and drops the connection at once: there is no point waiting on such a peer.
struct CloseHandshake {
    enum State: Equatable {
        case open
        /// We sent a close frame and wait for the peer's.
        case closeSent
        /// Both frames are exchanged, or the connection was failed: only the TCP close is left.
        case closed
    }

    enum Action: Equatable {
        case none
        /// Send this close frame, then wait (bounded) for the peer's.
        case sendClose(CloseFramePayload)
        /// Answer the peer's close with this frame: the handshake is then complete, see
        /// ``disconnect``.
        case answerClose(CloseFramePayload)
        /// Fail the connection: send this close frame, then disconnect once it is written.
        case sendCloseAndDisconnect(CloseFramePayload)
        /// The handshake is complete: the server disconnects now; a client waits (bounded) for
        /// the server to do it, as RFC 6455 §7.1.1 asks.
        case disconnect
        /// Close the TCP connection now, on either side.
        case drop
    }

    private(set) var state = State.open

    /// Whether data frames may still be sent and received.
    var isOpen: Bool { state == .open }

    /// The application or the server starts the close.
    mutating func close(_ payload: CloseFramePayload) -> Action {
        guard state == .open else { return .none }
        state = .closeSent
        return .sendClose(payload)
    }

    /// This side fails the connection with `payload`'s code.
    mutating func fail(_ payload: CloseFramePayload) -> Action {
        switch state {
        case .open:
            state = .closed
            return .sendCloseAndDisconnect(payload)
        case .closeSent:
            // Our close frame is out already; nothing more may be sent.
            state = .closed
            return .drop
        case .closed:
            return .none
        }
    }

    /// The TCP connection is gone, whatever the state was.
    mutating func connectionClosed() {
        state = .closed
    }

    /// The peer's close frame arrived, parsed (or found malformed).
    mutating func peerClosed(_ frame: Result<CloseFramePayload, WebSocketError>) -> Action {
        switch (state, frame) {
        case (.open, .success(let payload)):
            state = .closed
            return .answerClose(CloseFramePayload(code: payload.code ?? .normalClosure))
        case (.open, .failure(let violation)):
            state = .closed
            return .sendCloseAndDisconnect(CloseFramePayload(code: violation.closeCode ?? .protocolError))
        case (.closeSent, _):
            state = .closed
            return .disconnect
        case (.closed, _):
            return .none
        }
    }
}
