#if Bridges
import CNATS
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import WSEventStorage

/// One connection to a NATS server through nats.c, Synadia's C client (Debian's libnats).
///
/// Threads: nats.c runs its own (a reader, a flusher, a delivery thread per subscription,
/// one for connection callbacks). Every nats.c call that may wait (connect, a JetStream
/// request, a publish that may write to the socket, close) runs on this client's own thread
/// (``worker``), never on the Swift concurrency pool or an event loop; callers `await` it.
/// nats.c's callbacks run on its threads and only record what happened (``status``); message
/// callbacks are the subscriptions' (``NATSSubscription``).
///
/// The connection reconnects for ever with ``NATSTiming/reconnectDelay(attempt:)``, and the
/// first connect is retried the same way in the background (nats.c's retry on failed connect),
/// so a broker that is down when the instance starts is reached when it comes.
final class NATSClient: @unchecked Sendable {
    let url: NATSURL
    let logger: Logger
    /// The thread every waiting nats.c call runs on.
    let worker: NIOThreadPool
    /// Set once by ``start()`` on the worker, read by calls after it (under ``state``).
    private let state = NIOLockedValueBox(State())
    /// What nats.c's connection callbacks see (their `closure`); retained for nats.c until
    /// its closed callback.
    private let callbacks: NATSConnectionCallbacks

    /// nats.c's handles: its connection and JetStream context are safe to use from any thread.
    private struct State: @unchecked Sendable {
        var connection: OpaquePointer?
        var jetStream: OpaquePointer?
        var closed = false
    }

    /// - Parameter observe: told every change of ``status`` (the old, the new), on nats.c's
    ///   thread, outside any lock: what keeps a bridge's metrics current without polling.
    init(url: NATSURL, logger: Logger, observe: @escaping @Sendable (SourceStatus, SourceStatus) -> Void = { _, _ in }) {
        self.url = url
        self.logger = logger
        self.worker = NIOThreadPool(numberOfThreads: 2)
        self.callbacks = NATSConnectionCallbacks(url: url, logger: logger, observe: observe)
        worker.start()
    }

    /// Where the link stands.
    var status: SourceStatus { callbacks.status.withLockedValue { $0 } }

    var isConnected: Bool {
        guard let connection = state.withLockedValue({ $0.connection }) else { return false }
        return natsConnection_Status(connection) == NATS_CONN_STATUS_CONNECTED
    }

    /// Runs `body` on the worker thread with the connection (and the JetStream context).
    /// - Throws: ``NATSError`` when the client is not started or is closed, or what `body` throws.
    func onWorker<T: Sendable>(_ doing: String, _ body: @escaping @Sendable (OpaquePointer, OpaquePointer?) throws -> T) async throws -> T {
        try await worker.runIfActive { [state] in
            let handles = state.withLockedValue { state in state.closed ? nil : state.connection.map { ($0, state.jetStream) } }
            guard let (connection, jetStream) = handles else { throw NATSError(doing: doing, reason: "the connection is closed") }
            return try body(connection, jetStream)
        }
    }

    /// Connects, on the worker; returns once the first attempt is over, whether it reached the
    /// server or not (later attempts go on in the background).
    func start() async throws {
        try await worker.runIfActive { [self] in try connect() }
    }

    private func connect() throws {
        var options: OpaquePointer?
        try check(natsOptions_Create(&options), "setting up the connection to \(url)")
        defer { natsOptions_Destroy(options) }
        let closure = Unmanaged.passRetained(callbacks).toOpaque()
        var settings = [
            natsOptions_SetURL(options, url.server),
            natsOptions_SetName(options, "wsevent"),
            natsOptions_SetTimeout(options, NATSTiming.milliseconds(NATSTiming.connectTimeout)),
            natsOptions_SetPingInterval(options, NATSTiming.milliseconds(NATSTiming.pingInterval)),
            natsOptions_SetMaxPingsOut(options, Int32(NATSTiming.maxPingsOut)),
            natsOptions_SetAllowReconnect(options, true),
            natsOptions_SetMaxReconnect(options, -1),
            natsOptions_SetCustomReconnectDelay(options, natsReconnectDelay, nil),
            natsOptions_SetRetryOnFailedConnect(options, true, natsConnected, closure),
            natsOptions_SetDisconnectedCB(options, natsDisconnected, closure),
            natsOptions_SetReconnectedCB(options, natsReconnected, closure),
            natsOptions_SetClosedCB(options, natsClosed, closure),
            natsOptions_SetErrorHandler(options, natsAsyncError, closure),
        ]
        // Publishes are refused while disconnected (503), so nothing needs nats.c's buffer for
        // them; a small one keeps a burst from piling up there.
        settings.append(natsOptions_SetReconnectBufSize(options, 1 << 20))
        if let failed = settings.first(where: { $0 != NATS_OK }) {
            Unmanaged<NATSConnectionCallbacks>.fromOpaque(closure).release()
            try check(failed, "setting up the connection to \(url)")
        }
        var connection: OpaquePointer?
        let status = natsConnection_Connect(&connection, options)
        guard status == NATS_OK || status == NATS_NOT_YET_CONNECTED, let connection else {
            Unmanaged<NATSConnectionCallbacks>.fromOpaque(closure).release()
            try check(status, "connecting to \(url)")
            return
        }
        var jetStream: OpaquePointer?
        var options2 = jsOptions()
        jsOptions_Init(&options2)
        options2.Wait = NATSTiming.milliseconds(NATSTiming.requestTimeout)
        options2.PublishAsync.AckHandler = natsPublishAcknowledged
        options2.PublishAsync.AckHandlerClosure = Unmanaged.passUnretained(callbacks).toOpaque()
        let js = natsConnection_JetStream(&jetStream, connection, &options2)
        state.withLockedValue { state in
            state.connection = connection
            state.jetStream = js == NATS_OK ? jetStream : nil
        }
        if status == NATS_OK {
            callbacks.report { $0.connected() }
        } else {
            // nats.c says only "Not Yet Connected" here: say what that means.
            let reason = "no NATS server answers at \(url.host):\(url.port) yet; retrying with backoff"
            callbacks.report { $0.lost(reason) }
            logger.warning("cannot reach the NATS server yet; retrying with backoff", metadata: ["nats": "\(url)"])
        }
    }

    /// Closes the connection (nats.c's threads end; callbacks stop after its closed callback)
    /// and the worker. Publishes still waiting for their acknowledgement are refused.
    func close() async {
        let (connection, jetStream) = state.withLockedValue { state -> (OpaquePointer?, OpaquePointer?) in
            state.closed = true
            defer {
                state.connection = nil
                state.jetStream = nil
            }
            return (state.connection, state.jetStream)
        }
        callbacks.failPublishes(NATSError(doing: "publishing to \(url)", reason: "the bridge is shutting down"))
        let handles = (connection.map(UncheckedPointer.init), jetStream.map(UncheckedPointer.init))
        if handles.0 != nil || handles.1 != nil {
            try? await worker.runIfActive {
                if let jetStream = handles.1 { jsCtx_Destroy(jetStream.value) }
                if let connection = handles.0 { natsConnection_Destroy(connection.value) }
            }
        }
        try? await worker.shutdownGracefully()
    }

    /// Throws a ``NATSError`` with nats.c's text unless `status` is `NATS_OK`; call on the
    /// thread that made the call (nats.c keeps its error text per thread).
    func check(_ status: natsStatus, _ doing: @autoclosure () -> String, code: jsErrCode = jsErrCode(rawValue: 0)) throws {
        guard status != NATS_OK else { return }
        throw NATSError(doing: doing(), reason: Self.lastError(status), code: Int(code.rawValue))
    }

    /// nats.c's text for the last error on this thread, or for `status`.
    static func lastError(_ status: natsStatus) -> String {
        var ignored = natsStatus(rawValue: 0)
        if let text = nats_GetLastError(&ignored), text.pointee != 0 {
            return String(cString: text)
        }
        return String(cString: natsStatus_GetText(status))
    }

    /// The publishes waiting for their acknowledgement (JetStream).
    var publishes: NATSConnectionCallbacks { callbacks }
}

/// What nats.c's connection callbacks update: the link's status and the publishes waiting for
/// their acknowledgement. Reached from nats.c's threads through an
/// unmanaged pointer, retained for nats.c until the closed callback.
final class NATSConnectionCallbacks: @unchecked Sendable {
    let url: NATSURL
    let logger: Logger
    let status: NIOLockedValueBox<SourceStatus>
    /// Publishes in flight, by the address of their nats.c message (what the ack handler gets).
    let pending = NIOLockedValueBox<[UInt: CheckedContinuation<UInt64, any Error>]>([:])
    /// Messages dropped by a slow-consumer subscription: said once per episode.
    let slowConsumer = NIOLockedValueBox(false)

    init(url: NATSURL, logger: Logger, observe: @escaping @Sendable (SourceStatus, SourceStatus) -> Void) {
        self.url = url
        self.logger = logger
        self.observe = observe
        self.status = NIOLockedValueBox(SourceStatus(url: url.description))
    }

    /// What is told of every change of ``status``.
    let observe: @Sendable (SourceStatus, SourceStatus) -> Void

    /// Changes the status, tells ``observe``, and returns the status before and after.
    @discardableResult
    func report(_ change: (inout SourceStatus) -> Void) -> (old: SourceStatus, new: SourceStatus) {
        let (old, new) = status.withLockedValue { status in
            let old = status
            change(&status)
            return (old, status)
        }
        if old != new { observe(old, new) }
        return (old, new)
    }

    func failPublishes(_ error: NATSError) {
        let waiting = pending.withLockedValue { pending in
            defer { pending.removeAll() }
            return Array(pending.values)
        }
        for continuation in waiting { continuation.resume(throwing: error) }
    }
}

// nats.c's callbacks: C functions, so they capture nothing; `closure` is the callbacks object.

private func callbacks(_ closure: UnsafeMutableRawPointer?) -> NATSConnectionCallbacks? {
    closure.map { Unmanaged<NATSConnectionCallbacks>.fromOpaque($0).takeUnretainedValue() }
}

private let natsConnected: natsConnectionHandler = { _, closure in
    guard let callbacks = callbacks(closure) else { return }
    callbacks.report { $0.connected() }
    callbacks.logger.info("connected to the NATS server", metadata: ["nats": "\(callbacks.url)"])
}

private let natsDisconnected: natsConnectionHandler = { connection, closure in
    guard let callbacks = callbacks(closure) else { return }
    var reason = "the connection to the server was lost"
    if let connection {
        var text: UnsafePointer<CChar>?
        let status = natsConnection_GetLastError(connection, &text)
        if status != NATS_OK, let text, text.pointee != 0 { reason = String(cString: text) }
    }
    let (old, new) = callbacks.report { $0.lost(reason) }
    if new.reconnects > old.reconnects {
        callbacks.logger.warning("lost the NATS server; reconnecting with backoff", metadata: ["nats": "\(callbacks.url)", "reason": "\(reason)"])
    }
}

private let natsReconnected: natsConnectionHandler = { _, closure in
    guard let callbacks = callbacks(closure) else { return }
    callbacks.report { $0.connected() }
    callbacks.logger.info("the NATS server is back", metadata: ["nats": "\(callbacks.url)"])
}

private let natsClosed: natsConnectionHandler = { _, closure in
    guard let closure else { return }
    // The last connection callback: nats.c holds the callbacks no more.
    Unmanaged<NATSConnectionCallbacks>.fromOpaque(closure).release()
}

private let natsAsyncError: natsErrHandler = { _, _, error, closure in
    guard let callbacks = callbacks(closure) else { return }
    if error == NATS_SLOW_CONSUMER {
        // nats.c posts this once each time a subscription starts dropping; the source counts
        // the drops (natsSubscription_GetDropped) and logs the episode once.
        let first = callbacks.slowConsumer.withLockedValue { seen in
            defer { seen = true }
            return !seen
        }
        if first {
            callbacks.logger.warning(
                "the stream has no room and NATS does not wait: messages past the client's pending limits are dropped (counted in wsevent_source_dropped_total)",
                metadata: ["nats": "\(callbacks.url)"]
            )
        }
        return
    }
    callbacks.logger.debug("NATS client error", metadata: ["nats": "\(callbacks.url)", "error": "\(String(cString: natsStatus_GetText(error)))"])
}

private let natsReconnectDelay: natsCustomReconnectDelayHandler = { _, attempts, _ in
    NATSTiming.milliseconds(NATSTiming.reconnectDelay(attempt: Int(attempts)))
}

/// JetStream's answer to an asynchronous publish: resumes the publish waiting for it.
private let natsPublishAcknowledged: jsPubAckHandler = { _, message, ack, failure, closure in
    guard let callbacks = callbacks(closure), let message else { return }
    let key = UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(message)))
    let continuation = callbacks.pending.withLockedValue { $0.removeValue(forKey: key) }
    // The ack handler owns the original message.
    natsMsg_Destroy(message)
    guard let continuation else { return }
    if let ack {
        continuation.resume(returning: ack.pointee.Sequence)
    } else {
        let reason: String
        if let failure, let text = failure.pointee.ErrText, text.pointee != 0 {
            reason = String(cString: text)
        } else if let failure {
            reason = String(cString: natsStatus_GetText(failure.pointee.Err))
        } else {
            reason = "no acknowledgement"
        }
        let code = failure.map { Int($0.pointee.ErrCode.rawValue) } ?? 0
        continuation.resume(throwing: NATSError(doing: "JetStream did not acknowledge the publish", reason: reason, code: code))
    }
}
#endif
