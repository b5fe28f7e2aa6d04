import NIOWebSocket

extension WebSocketErrorCode {
    /// 1012: the server restarts (here: a relay's upstream began a new epoch); reconnect.
    public static let serviceRestart = WebSocketErrorCode(codeNumber: 1012)
    /// 1013: try again later (here: the subscriber fell too far behind); reconnect and resume.
    public static let tryAgainLater = WebSocketErrorCode(codeNumber: 1013)

    /// The numeric close code, as sent on the wire.
    public var code: UInt16 { UInt16(webSocketErrorCode: self) }
}
