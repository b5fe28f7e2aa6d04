#if Bridges
import CNATS
import NIOConcurrencyHelpers

/// One nats.c subscription with a message callback: nats.c calls ``NATSMessageHandler/deliver``
/// on the subscription's own delivery thread, one message at a time, in order; the handler may
/// block that thread (it waits for the stream's room there).
final class NATSSubscription: @unchecked Sendable {
    /// nats.c's `natsSubscription *`: safe to use from any thread.
    let pointer: OpaquePointer
    private let client: NATSClient

    init(pointer: OpaquePointer, client: NATSClient) {
        self.pointer = pointer
        self.client = client
    }

    /// Messages nats.c dropped past the pending limits (a slow consumer), since the start.
    var dropped: Int64 {
        var count: Int64 = 0
        return natsSubscription_GetDropped(pointer, &count) == NATS_OK ? count : 0
    }

    /// Unsubscribes and frees the subscription, on the client's worker.
    func close() async {
        let pointer = UncheckedPointer(pointer)
        _ = try? await client.worker.runIfActive {
            natsSubscription_Unsubscribe(pointer.value)
            natsSubscription_Destroy(pointer.value)
        }
    }
}

/// A pointer carried to the worker thread (nats.c's objects are thread-safe).
struct UncheckedPointer: @unchecked Sendable {
    let value: OpaquePointer
    init(_ value: OpaquePointer) { self.value = value }
}

/// What a subscription's callback hands each message to. Retained for nats.c until the
/// subscription's completion callback (after its last message callback).
final class NATSMessageHandler: Sendable {
    /// Payloads larger than this are measured, not copied (they are refused anyway).
    let copyLimit: Int
    let deliver: @Sendable (NATSMessage) -> Void

    init(copyLimit: Int, deliver: @escaping @Sendable (NATSMessage) -> Void) {
        self.copyLimit = copyLimit
        self.deliver = deliver
    }

    /// The closure pointer nats.c gets, retained once.
    func retainedForNATS() -> UnsafeMutableRawPointer {
        Unmanaged.passRetained(self).toOpaque()
    }
}

let natsDeliver: natsMsgHandler = { _, _, message, closure in
    guard let message, let closure else { return }
    let handler = Unmanaged<NATSMessageHandler>.fromOpaque(closure).takeUnretainedValue()
    let copied = NATSMessage(message, limit: handler.copyLimit)
    natsMsg_Destroy(message)
    handler.deliver(copied)
}

let natsSubscriptionComplete: natsOnCompleteCB = { closure in
    guard let closure else { return }
    Unmanaged<NATSMessageHandler>.fromOpaque(closure).release()
}

extension NATSClient {
    /// Subscribes to a core NATS subject (every instance its own subscription, never a queue
    /// group), with nats.c's pending limits: past them nats.c drops, and ``NATSSubscription/dropped``
    /// counts. nats.c subscribes again by itself after each reconnect.
    func subscribe(_ subject: String, pendingMessages: Int32, pendingBytes: Int32, handler: NATSMessageHandler) async throws -> NATSSubscription {
        let pointer = try await onWorker("subscribing to \(subject) on \(url)") { [self] connection, _ -> UncheckedPointer in
            var subscription: OpaquePointer?
            let closure = handler.retainedForNATS()
            let status = natsConnection_Subscribe(&subscription, connection, subject, natsDeliver, closure)
            guard status == NATS_OK, let subscription else {
                Unmanaged<NATSMessageHandler>.fromOpaque(closure).release()
                try check(status, "subscribing to \(subject) on \(url)")
                throw NATSError(doing: "subscribing to \(subject) on \(url)", reason: "no subscription")
            }
            natsSubscription_SetOnCompleteCB(subscription, natsSubscriptionComplete, closure)
            natsSubscription_SetPendingLimits(subscription, pendingMessages, pendingBytes)
            // When connected, wait until the server has the subscription (a round trip), so
            // that what is published once this returns reaches it; when not, nats.c sends it
            // once connected.
            if natsConnection_Status(connection) == NATS_CONN_STATUS_CONNECTED {
                _ = natsConnection_FlushTimeout(connection, NATSTiming.milliseconds(NATSTiming.requestTimeout))
            }
            return UncheckedPointer(subscription)
        }
        return NATSSubscription(pointer: pointer.value, client: self)
    }
}
#endif
