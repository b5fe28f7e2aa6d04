/// One subscriber's account, kept by its connection's handler and read at the end of a run.
/// Touched only on the subscriber's event loop.
final class SubscriberRecord {
    var tally = SequenceTally()
    /// The close code of the server's close frame, if it sent one.
    var closeCode: UInt16?
    /// The connection ended without our asking: by a close frame (``closeCode``), the end of
    /// an SSE response, or the TCP connection going away.
    var closedByServer = false
    /// What ended it, for the report: `"1013"` (a close code), `"eof"` (no close frame), ...
    var closeReason: String?

    init() {}

    /// Notes that the server ended the connection, once.
    func serverClosed(_ reason: String) {
        guard !closedByServer else { return }
        closedByServer = true
        closeReason = reason
    }
}
