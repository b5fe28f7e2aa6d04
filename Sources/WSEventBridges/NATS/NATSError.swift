/// Why a call to the NATS client failed, in one line: what was being done and nats.c's own
/// text for it.
public struct NATSError: Error, Sendable, CustomStringConvertible {
    /// What failed (`connecting to nats://h:4222`).
    public var doing: String
    /// nats.c's text (`No server available for connection`).
    public var reason: String
    /// JetStream's error code, when it gave one (10059: stream not found).
    public var code: Int

    public init(doing: String, reason: String, code: Int = 0) {
        self.doing = doing
        self.reason = reason
        self.code = code
    }

    public var description: String { "\(doing): \(reason)" }

    /// JetStream's "stream not found".
    public var isStreamNotFound: Bool { code == 10059 }
    /// JetStream's "no message found" (deleted, or past the stream's end).
    public var isMessageNotFound: Bool { code == 10037 }
}
