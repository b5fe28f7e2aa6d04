import NIOWebSocket

extension WebSocketErrorCode {
    /// 1012: the server restarts (here: a relay's upstream began a new epoch); reconnect.
    public static let serviceRestart = WebSocketErrorCode(codeNumber: 1012)
    /// 1013: try again later (here: the subscriber fell too far behind); reconnect and resume.
    public static let tryAgainLater = WebSocketErrorCode(codeNumber: 1013)

    /// The numeric close code, as sent on the wire.
    public var code: UInt16 { UInt16(webSocketErrorCode: self) }

    /// Whether this code may appear in a close frame (RFC 6455 §7.4 and the IANA registry).
    ///
    /// 1000–1003 and 1007–1014 are defined for the wire; 1004 is reserved, 1005, 1006 and 1015
    /// only describe a close locally and must never be sent; 3000–4999 belong to libraries and
    /// applications. Everything else (0–999, 1016–2999, 5000 and up) is invalid, and a close
    /// frame carrying it is a protocol error.
    public var isAllowedOnWire: Bool {
        switch code {
        case 1000...1003, 1007...1014, 3000...4999: true
        default: false
        }
    }
}
