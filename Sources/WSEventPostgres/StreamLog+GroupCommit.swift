import PostgresNIO
import WSEventStreams

/// Publishing: publishes that arrive while a commit is in flight wait and go together in the
/// next transaction (group commit), one statement each (``StoreSQL/publish``).
extension StreamLog {
    func append(kind: EventKind, payload: DurablePayload) async throws -> (id: UInt64, epoch: Epoch) {
        // Refused at once while the store is down: a publisher should not wait for it.
        do { _ = try connections.writer.current() } catch { metrics.failedPublishes.increment(); throw error }
        return try await withCheckedThrowingContinuation { continuation in
            let queued = state.withLockedValue { state -> Bool in
                guard !state.stopped else { return false }
                state.queue.append(Pending(kind: kind, payload: payload, continuation: continuation))
                return true
            }
            guard queued else {
                return continuation.resume(throwing: PostgresStoreError.unavailable("the store is shutting down"))
            }
            commits.continuation.yield()
        }
    }

    /// Commits what is queued, one transaction per batch, until the queue is empty: while one
    /// batch commits, the next gathers.
    func commitQueued() async {
        while let batch = nextBatch() {
            do {
                let (lastID, epoch) = try await commit(batch)
                let firstID = lastID - UInt64(batch.count) + 1
                metrics.commits.increment()
                metrics.committed.increment(by: batch.count)
                let events = batch.enumerated().map { offset, pending in
                    let id = firstID + UInt64(offset)
                    return Event(id: id, kind: pending.kind, payload: pending.payload.bytes(for: id))
                }
                // Kept to hand to the stream without reading them back.
                state.withLockedValue { $0.follower.batchAnswered(events, epoch: epoch) }
                learned(head: lastID, epoch: epoch)
                for (offset, pending) in batch.enumerated() {
                    pending.continuation.resume(returning: (firstID + UInt64(offset), epoch))
                }
            } catch {
                state.withLockedValue { $0.follower.batchAnswered(nil) }
                follow()
                let reason = StoreConnection.describe(error)
                metrics.failedPublishes.increment(by: batch.count)
                for pending in batch {
                    pending.continuation.resume(throwing: PostgresStoreError.unavailable(reason))
                }
            }
        }
    }

    /// The next batch, bounded by count and bytes, marked as sent; `nil` (and the loop ends)
    /// when nothing is queued.
    private func nextBatch() -> [Pending]? {
        state.withLockedValue { state -> [Pending]? in
            guard !state.queue.isEmpty else { return nil }
            var count = 0
            var bytes = 0
            for pending in state.queue {
                let size = pending.payload.byteCount
                if count > 0, count >= configuration.maxBatchEvents || bytes + size > configuration.maxBatchBytes { break }
                count += 1
                bytes += size
            }
            let batch = Array(state.queue.prefix(count))
            state.queue.removeFirst(count)
            state.follower.batchSent()
            return batch
        }
    }

    /// One transaction: takes the ids under the stream row's lock, inserts the events, and
    /// notifies every instance, in one statement (one round trip).
    private func commit(_ batch: [Pending]) async throws -> (lastID: UInt64, epoch: Epoch) {
        let connection = try connections.writer.current()
        var binds = PostgresBindings(capacity: 5)
        binds.append(streamID)
        binds.append(Int64(batch.count))
        binds.append(batch.map { $0.kind.code })
        binds.append(batch.map { $0.payload.storedBytes })
        binds.append(batch.map { $0.payload.isNumbered })
        let rows = try await connection.query(PostgresQuery(unsafeSQL: StoreSQL.publish, binds: binds), logger: logger)
        for try await (lastID, epochText) in rows.decode((Int64, String).self) {
            guard let epoch = Epoch(epochText) else { throw PostgresStoreError.unavailable("the store holds an invalid epoch '\(epochText)'") }
            return (UInt64(lastID), epoch)
        }
        throw PostgresStoreError.noSuchStream(path)
    }
}

extension EventKind {
    /// How the `kind` column stores it.
    var code: Int16 { self == .text ? 0 : 1 }
}

extension DurablePayload {
    /// What the `payload` column gets: the bytes, or the part after the id.
    var storedBytes: ByteBuffer {
        switch self {
        case .bytes(let bytes), .idPrefixed(let bytes): bytes
        }
    }

    var isNumbered: Bool {
        if case .idPrefixed = self { return true }
        return false
    }

    var byteCount: Int { storedBytes.readableBytes + (isNumbered ? 20 : 0) }

    /// The event's payload once its id is known, as the statement builds it too.
    func bytes(for id: UInt64) -> ByteBuffer {
        switch self {
        case .bytes(let bytes): return bytes
        case .idPrefixed(var rest):
            var buffer = ByteBuffer(string: String(id))
            buffer.writeBuffer(&rest)
            return buffer
        }
    }
}
