import NIOConcurrencyHelpers
import NIOCore
import WSEventStreams

/// Hands a broker's messages to the stream they feed, at the stream's pace, from the broker
/// client's own thread: what every bridge's message callback calls.
///
/// A broker client (nats.c, rabbitmq-c) delivers on threads of its own, outside the Swift
/// concurrency pool. ``take(kind:payload:)`` blocks that thread until the stream took the event:
/// at once while the stream has room (the in-memory publish is a lock and a few appends), else
/// until ``EventStream/waitForRoom()`` returns, and for a durable stream until its log
/// committed the event (retried with backoff while the log is down, holding the broker). So a
/// broker that can be slowed (JetStream's flow control, an AMQP prefetch) is slowed, and one
/// that cannot (a core NATS subscription) queues in its client up to the client's pending
/// limits and drops past them, which the bridge counts. Never call it on the concurrency pool
/// or an event loop: it waits.
///
/// ``stop()`` releases every thread waiting in it (they return false) and makes later calls
/// return false at once, so a bridge can close its client while a callback was waiting.
public final class SourceFeed<Element: StreamElement>: Sendable {
    public let stream: EventStream<Element>
    private let state = NIOLockedValueBox(State())

    private struct State {
        var stopped = false
        /// Tasks a blocked broker thread waits on, cancelled by ``stop()``.
        var waits: [UInt64: Task<Void, Never>] = [:]
        var nextWait: UInt64 = 0
    }

    public init(stream: EventStream<Element>) {
        self.stream = stream
    }

    /// Adds a message's payload to the stream with the stream's next id (an origin's, or its
    /// log's); blocks the calling thread until it is taken. False once stopped (or the stream
    /// closed for shutdown): the message was not taken.
    @discardableResult
    public func take(kind: EventKind, payload: ByteBuffer) -> Bool {
        if isStopped { return false }
        if stream.durableLog == nil, stream.hasRoom {
            do {
                try stream.publish(kind: kind, payload: payload)
                return true
            } catch StreamPublishError.closed {
                return false
            } catch {
                // No room after all, or not an origin any more: the slow path says which.
            }
        }
        return wait { [stream] in await Self.append(kind: kind, payload: payload, to: stream) }
    }

    /// Blocks the calling thread until the stream has room (at once when it has); false once
    /// stopped. For a bridge that mirrors a log's ids (``EventStream/mirror(_:)``) itself.
    @discardableResult
    public func waitForRoom() -> Bool {
        if isStopped { return false }
        if stream.hasRoom { return true }
        return wait { [stream] in
            await stream.waitForRoom()
            return !Task.isCancelled
        }
    }

    /// Releases every thread waiting here; later calls return false at once.
    public func stop() {
        let waits = state.withLockedValue { state in
            state.stopped = true
            defer { state.waits.removeAll() }
            return Array(state.waits.values)
        }
        for wait in waits { wait.cancel() }
    }

    public var isStopped: Bool { state.withLockedValue { $0.stopped } }

    /// Runs `operation` in a task and blocks the calling thread until it returns.
    private func wait(_ operation: @escaping @Sendable () async -> Bool) -> Bool {
        let done = ConditionLock(value: false)
        let result = NIOLockedValueBox(false)
        let ticket = state.withLockedValue { state -> UInt64? in
            guard !state.stopped else { return nil }
            state.nextWait += 1
            return state.nextWait
        }
        guard let ticket else { return false }
        let task = Task {
            let taken = await operation()
            result.withLockedValue { $0 = taken }
            done.lock()
            done.unlock(withValue: true)
        }
        state.withLockedValue { state in
            if state.stopped { task.cancel() } else { state.waits[ticket] = task }
        }
        done.lock(whenValue: true)
        done.unlock()
        state.withLockedValue { _ = $0.waits.removeValue(forKey: ticket) }
        return result.withLockedValue { $0 }
    }

    /// Publishes at the stream's pace, retrying with backoff while its log cannot commit; false
    /// when it never will (closed for shutdown, or cancelled by ``stop()``).
    private static func append(kind: EventKind, payload: ByteBuffer, to stream: EventStream<Element>) async -> Bool {
        var backoff = Backoff(maximum: .seconds(1))
        while !Task.isCancelled {
            await stream.waitForRoom()
            do {
                try await stream.append(kind: kind, payload: .bytes(payload))
                return true
            } catch StreamPublishError.closed {
                return false
            } catch StreamPublishError.full {
                continue
            } catch {
                do { try await Task.sleep(for: backoff.next()) } catch { return false }
            }
        }
        return false
    }
}
