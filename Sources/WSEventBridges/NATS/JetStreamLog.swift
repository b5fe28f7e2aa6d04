#if Bridges
import Logging
import NIOConcurrencyHelpers
import NIOCore
import WSEventStorage
import WSEventStreams

/// One served stream's JetStream log, as this instance sees it: it subscribes the ordered
/// consumer and hands each message to the stream (``EventStream/mirror(_:)`` with the sequence
/// as the id, or a local id with a narrower filter), publishes POSTs to the stream
/// (``append(kind:payload:)``, answered with the sequence once JetStream acknowledged it), and
/// reads older events by sequence for subscribers resuming past memory.
///
/// Messages reach the stream on the subscription's delivery thread (nats.c's), under this log's
/// lock, so a new epoch (``refresh()``) never interleaves with a hand-over; that thread waits for
/// the stream's room first (``SourceFeed``), which holds the consumer through JetStream's flow
/// control.
final class JetStreamLog<Element: StreamElement>: DurableLog, JetStreamFollowing, @unchecked Sendable {
    let stream: EventStream<Element>
    let feed: SourceFeed<Element>
    unowned let store: JetStreamStore
    private let state = NIOLockedValueBox(State())

    private struct State {
        var cursor = JetStreamCursor()
        var subscription: NATSSubscription?
        /// What the last refresh could not do (the stream does not exist, ...); cleared by the
        /// next that reads the stream.
        var problem: String?
        /// Why `-publish-to` cannot reach the stream, from its last info.
        var publishProblem: String?
        /// Once the stream's first info was read.
        var opened = false
        var stopped = false
        var refused = 0
    }

    init(stream: EventStream<Element>, store: JetStreamStore) {
        self.stream = stream
        self.feed = SourceFeed(stream: stream)
        self.store = store
    }

    private var client: NATSClient { store.client }
    private var name: String { store.configuration.consume.stream ?? "" }

    var isOpen: Bool { state.withLockedValue { $0.opened } }
    var isSubscribed: Bool { state.withLockedValue { $0.cursor.isSubscribed } }
    var problem: String? { state.withLockedValue { $0.problem ?? $0.publishProblem } }

    var idsDescription: String? {
        switch state.withLockedValue({ $0.cursor.ids }) {
        case .sequence: "stream sequence"
        case .local(let reason): "local: \(reason)"
        case nil: nil
        }
    }

    // MARK: Following

    /// Reads the stream's info; opens or follows a new epoch, and subscribes when not yet.
    func refresh() async {
        let info: JetStreamView.Info
        do {
            info = try await client.streamInfo(name)
        } catch let error as NATSError where error.isStreamNotFound {
            note(problem: "stream \(name) does not exist on \(client.url.host):\(client.url.port): make it (nats stream add \(name)), and the instance follows it")
            return
        } catch {
            note(problem: "\(error)")
            return
        }
        noteRead(info)
        let view = JetStreamView(info: info, filter: store.configuration.consume.subject, asLog: store.configuration.asLog)
        let plan = state.withLockedValue { state -> JetStreamCursor.Plan in
            let plan = state.cursor.learned(info, view: view)
            if case .subscribe(_, let opens) = plan, opens {
                switch view.ids {
                case .sequence: stream.followStore(self, epoch: view.epoch, lastID: state.cursor.applied)
                case .local: stream.becomeOrigin()
                }
                state.opened = true
            }
            if case .sequence = view.ids { stream.noteStoreHead(state.cursor.head, epoch: view.epoch) }
            return plan
        }
        guard case .subscribe(let start, let opens) = plan else { return }
        if opens {
            store.logger.info(
                "following JetStream stream",
                metadata: ["stream": "\(name)", "epoch": "\(view.epoch)", "last_sequence": "\(info.lastSequence)", "ids": "\(idsDescription ?? "")"]
            )
        }
        let old = state.withLockedValue { state in
            defer { state.subscription = nil }
            return state.subscription
        }
        await old?.close()
        await subscribe(from: start, subjects: info.subjects)
    }

    private func subscribe(from start: UInt64, subjects: [String]) async {
        let generation = state.withLockedValue { $0.cursor.subscribed() }
        // The whole stream: its one subject, or every subject (a filter of `>`).
        let filter = store.configuration.consume.subject ?? (subjects.count == 1 ? subjects[0] : ">")
        let handler = NATSMessageHandler(copyLimit: store.maxMessageSize) { [self] message in
            take(message, generation: generation)
        }
        do {
            let subscription = try await client.subscribeOrdered(stream: name, filter: filter, startSequence: start, handler: handler)
            let kept = state.withLockedValue { state -> Bool in
                guard !state.stopped, state.cursor.generation == generation else { return false }
                state.subscription = subscription
                state.problem = nil
                return true
            }
            if !kept { await subscription.close() }
        } catch {
            state.withLockedValue { state in
                if state.cursor.generation == generation { state.cursor.unsubscribed() }
            }
            note(problem: "\(error)")
        }
    }

    /// The stream was read: what kept it from being read is over; says (once) a `-publish-to`
    /// subject the stream does not take.
    private func noteRead(_ info: JetStreamView.Info) {
        let publishProblem = store.configuration.publishTo?.subject.flatMap { JetStreamView.publishProblem(subject: $0, info: info) }
        let changed = state.withLockedValue { state -> Bool in
            defer {
                state.problem = nil
                state.publishProblem = publishProblem
            }
            return state.publishProblem != publishProblem
        }
        if changed, let publishProblem { store.logger.error("\(publishProblem)") }
    }

    private func note(problem: String) {
        let changed = state.withLockedValue { state -> Bool in
            defer { state.problem = problem }
            return state.problem != problem
        }
        if changed { store.logger.warning("cannot follow the JetStream stream yet; retrying", metadata: ["reason": "\(problem)"]) }
    }

    /// A message of subscription `generation`, on its delivery thread.
    private func take(_ message: NATSMessage, generation: Int) {
        guard let sequence = message.sequence, feed.waitForRoom() else { return }
        let outcome = state.withLockedValue { state -> TakeOutcome in
            if let pending = message.pending { state.cursor.noteHead(sequence + pending) }
            guard state.cursor.take(sequence, generation: generation) else { return .skipped }
            if message.isOversize {
                state.refused += 1
                return .refused
            }
            guard case .sequence = state.cursor.ids, let epoch = state.cursor.epoch else { return .local }
            let kind = NATSPayload.kind(of: message.payload, contentType: message.contentType)
            stream.mirror(Event(id: sequence, kind: kind, payload: message.payload))
            stream.noteStoreHead(state.cursor.head, epoch: epoch)
            return .mirrored
        }
        switch outcome {
        case .skipped:
            return
        case .refused:
            refuse(message, sequence: sequence)
        case .mirrored:
            store.metrics.events.increment()
        case .local:
            let kind = NATSPayload.kind(of: message.payload, contentType: message.contentType)
            if feed.take(kind: kind, payload: message.payload) { store.metrics.events.increment() }
        }
    }

    /// What became of a message.
    private enum TakeOutcome { case skipped, refused, mirrored, local }

    private func refuse(_ message: NATSMessage, sequence: UInt64) {
        store.metrics.refused.increment()
        if state.withLockedValue({ $0.refused }) == 1 {
            store.logger.warning(
                "refused a message larger than -max-message-size: subscribers see a gap over its sequence (counted in wsevent_source_refused_total)",
                metadata: ["sequence": "\(sequence)", "bytes": "\(message.size)", "max": "\(store.maxMessageSize)"]
            )
        }
    }

    /// Stops taking messages and closes the subscription.
    func stop() async {
        feed.stop()
        let subscription = state.withLockedValue { state in
            state.stopped = true
            state.cursor.unsubscribed()
            defer { state.subscription = nil }
            return state.subscription
        }
        await subscription?.close()
        client.publishes.failPublishes(NATSError(doing: "publishing to \(name)", reason: "the bridge is shutting down"))
    }

    // MARK: DurableLog

    func append(kind: EventKind, payload: DurablePayload) async throws -> (id: UInt64, epoch: Epoch) {
        guard let target = store.configuration.publishTo, let subject = target.subject else {
            throw NATSError(doing: "publishing", reason: "no -publish-to: publish to the stream's subjects in NATS")
        }
        let epoch = state.withLockedValue { $0.cursor.epoch }
        guard let epoch else { throw NATSError(doing: "publishing", reason: "stream \(name) was not read yet") }
        let bytes: ByteBuffer
        switch payload {
        case .bytes(let buffer): bytes = buffer
        case .idPrefixed(let rest): bytes = rest
        }
        let sequence = try await client.publish(subject: subject, stream: name, kind: kind, payload: bytes)
        state.withLockedValue { $0.cursor.noteHead(sequence) }
        return (sequence, epoch)
    }

    func events(after id: UInt64, through: UInt64, epoch: Epoch, limit: Int, maxBytes: Int) async throws -> [Event] {
        guard state.withLockedValue({ $0.cursor.epoch == epoch }), through > id else { return [] }
        // Sequences below the stream's first are gone: start there (the reader tells a gap).
        let first = (try? await client.streamInfo(name).firstSequence) ?? 0
        var sequence = max(id + 1, first)
        var events: [Event] = []
        var bytes = 0
        var tries = 0
        while sequence <= through, events.count < limit, tries < limit * 2 {
            tries += 1
            if let message = try await client.message(stream: name, sequence: sequence, limit: store.maxMessageSize), !message.isOversize {
                if !events.isEmpty, bytes + message.size > maxBytes { break }
                bytes += message.size
                events.append(Event(id: sequence, kind: NATSPayload.kind(of: message.payload, contentType: message.contentType), payload: message.payload))
            }
            sequence += 1
        }
        return events
    }

    func catchUp() async throws {
        let info = try await client.streamInfo(name)
        let epoch = state.withLockedValue { state -> Epoch? in
            state.cursor.noteHead(info.lastSequence)
            return state.cursor.epoch
        }
        if let epoch { stream.noteStoreHead(info.lastSequence, epoch: epoch) }
        let deadline = ContinuousClock.now + NATSTiming.catchUpWait
        while ContinuousClock.now < deadline {
            if state.withLockedValue({ $0.cursor.applied >= info.lastSequence }) { return }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}
#endif
