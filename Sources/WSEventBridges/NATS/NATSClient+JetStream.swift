#if Bridges
import CNATS
import NIOCore
import WSEventStreams

/// JetStream through the client's connection: stream info, an ordered consumer, messages by
/// sequence, publishes acknowledged by the stream. Each request runs on the client's worker.
extension NATSClient {
    /// The stream's info: name, creation time, subjects, first and last sequence.
    func streamInfo(_ name: String) async throws -> JetStreamView.Info {
        try await onWorker("reading stream \(name) on \(url)") { [self] _, jetStream in
            guard let jetStream else { throw NATSError(doing: "reading stream \(name) on \(url)", reason: "no JetStream context") }
            var info: UnsafeMutablePointer<jsStreamInfo>?
            var code = jsErrCode(rawValue: 0)
            try check(js_GetStreamInfo(&info, jetStream, name, nil, &code), "reading stream \(name) on \(url)", code: code)
            guard let info, let config = info.pointee.Config else {
                throw NATSError(doing: "reading stream \(name) on \(url)", reason: "no answer")
            }
            defer { jsStreamInfo_Destroy(info) }
            var subjects: [String] = []
            for index in 0..<Int(config.pointee.SubjectsLen) {
                if let subject = config.pointee.Subjects[index] { subjects.append(String(cString: subject)) }
            }
            return JetStreamView.Info(
                name: name,
                created: info.pointee.Created,
                subjects: subjects,
                firstSequence: info.pointee.State.FirstSeq,
                lastSequence: info.pointee.State.LastSeq
            )
        }
    }

    /// An ordered, ephemeral push consumer on `stream` from `startSequence`, filtered by
    /// `filter`: messages in sequence order, with flow control and heartbeats; after a lost
    /// connection or a missed heartbeat nats.c makes it again from the last sequence received.
    ///
    /// Its pending limits are off on purpose: nats.c checks the order when a message arrives
    /// and drops past the limits only after that, so a drop would be a silent hole. What is
    /// pending is bounded by JetStream's flow control instead: nats.c answers a flow-control
    /// message only once the messages before it were handed to the callback, and the server
    /// sends no more until it is answered, so a callback that waits for room holds the stream.
    func subscribeOrdered(stream: String, filter: String, startSequence: UInt64, handler: NATSMessageHandler) async throws -> NATSSubscription {
        let doing = "consuming stream \(stream) (\(filter)) on \(url)"
        let pointer = try await onWorker(doing) { [self] _, jetStream -> UncheckedPointer in
            guard let jetStream else { throw NATSError(doing: doing, reason: "no JetStream context") }
            var options = jsSubOptions()
            jsSubOptions_Init(&options)
            options.Ordered = true
            var subscription: OpaquePointer?
            var code = jsErrCode(rawValue: 0)
            let closure = handler.retainedForNATS()
            let status = stream.withCString { name in
                options.Stream = name
                if startSequence > 1 {
                    options.Config.DeliverPolicy = js_DeliverByStartSequence
                    options.Config.OptStartSeq = startSequence
                } else {
                    options.Config.DeliverPolicy = js_DeliverAll
                }
                return js_Subscribe(&subscription, jetStream, filter, natsDeliver, closure, nil, &options, &code)
            }
            guard status == NATS_OK, let subscription else {
                Unmanaged<NATSMessageHandler>.fromOpaque(closure).release()
                try check(status, doing, code: code)
                throw NATSError(doing: doing, reason: "no subscription")
            }
            natsSubscription_SetOnCompleteCB(subscription, natsSubscriptionComplete, closure)
            natsSubscription_SetPendingLimits(subscription, -1, -1)
            return UncheckedPointer(subscription)
        }
        return NATSSubscription(pointer: pointer.value, client: self)
    }

    /// The message at `sequence` of `stream`, copied (payloads over `limit` only measured);
    /// `nil` when the stream holds none there (deleted, or older than what it keeps).
    func message(stream: String, sequence: UInt64, limit: Int) async throws -> NATSMessage? {
        let doing = "reading message \(sequence) of stream \(stream) on \(url)"
        return try await onWorker(doing) { [self] _, jetStream -> NATSMessage? in
            guard let jetStream else { throw NATSError(doing: doing, reason: "no JetStream context") }
            var message: OpaquePointer?
            var code = jsErrCode(rawValue: 0)
            let status = js_GetMsg(&message, jetStream, stream, sequence, nil, &code)
            if status == NATS_NOT_FOUND || code.rawValue == 10037 { return nil }
            try check(status, doing, code: code)
            guard let message else { return nil }
            defer { natsMsg_Destroy(message) }
            return NATSMessage(message, limit: limit, sequence: sequence)
        }
    }

    /// Publishes to `subject`, expecting `stream` to store it, and returns the stream sequence
    /// once JetStream acknowledged it; throws when it did not (refused, or no answer within
    /// ``NATSTiming/publishAckTimeout``) or while the connection is down (refused at once:
    /// nothing waits in nats.c's reconnect buffer).
    func publish(subject: String, stream: String, kind: EventKind, payload: ByteBuffer) async throws -> UInt64 {
        let doing = "publishing to \(subject) (stream \(stream)) on \(url)"
        guard isConnected else { throw NATSError(doing: doing, reason: "not connected to the server") }
        let full = publishes.pending.withLockedValue { $0.count >= NATSTiming.maxPublishesInFlight }
        if full { throw NATSError(doing: doing, reason: "\(NATSTiming.maxPublishesInFlight) publishes wait for their acknowledgement already") }
        let pending = publishes.pending
        return try await withCheckedThrowingContinuation { continuation in
            Task { [self] in
                do {
                    try await onWorker(doing) { [self] _, jetStream in
                        guard let jetStream else { throw NATSError(doing: doing, reason: "no JetStream context") }
                        var message: OpaquePointer?
                        let made = payload.withUnsafeReadableBytes { bytes in
                            natsMsg_Create(&message, subject, nil, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(bytes.count))
                        }
                        try check(made, doing)
                        guard let created = message else { throw NATSError(doing: doing, reason: "no message") }
                        natsMsgHeader_Set(created, NATSPayload.contentTypeHeader, NATSPayload.contentType(of: kind))
                        // Registered before the publish: the acknowledgement may come first.
                        let key = UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(created)))
                        pending.withLockedValue { $0[key] = continuation }
                        var options = jsPubOptions()
                        jsPubOptions_Init(&options)
                        options.MaxWait = NATSTiming.milliseconds(NATSTiming.publishAckTimeout)
                        let status = stream.withCString { name in
                            options.ExpectStream = name
                            return js_PublishMsgAsync(jetStream, &message, &options)
                        }
                        guard status != NATS_OK else { return }
                        // Not taken: ours to free, and nobody will acknowledge it.
                        if let message { natsMsg_Destroy(message) }
                        let ours = pending.withLockedValue { $0.removeValue(forKey: key) } != nil
                        // Resumed meanwhile by a shutdown: nothing more to say.
                        if ours { try check(status, doing) }
                    }
                } catch {
                    // The continuation is not in the table: it was never put there, or the
                    // failed publish took it out again.
                    continuation.resume(throwing: error)
                }
            }
        }
    }
}
#endif
