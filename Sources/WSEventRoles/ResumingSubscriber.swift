import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import WSEventStreams
import WSEventTransports
import WSEventWebSocket

/// A client subscription that survives disconnects: it offers `wsevent.v1`, remembers the
/// epoch and last id it saw, and reconnects with exponential backoff and jitter, resuming with
/// `since`/`epoch` so nothing still in the server's buffer is lost or seen twice.
///
/// Used by relays and fan-in (``UpstreamConsumer``) and by `wsclient`. Against a server that
/// does not speak `wsevent.v1` it still works, without ids and without resume.
public struct ResumingSubscriber: Sendable {
    /// What happens on the subscription, in order.
    public enum Update: Sendable {
        /// A connection is up; `speaksV1` tells whether ids and resume are available.
        case connected(speaksV1: Bool)
        /// The server's `hello`: its epoch and last id.
        case hello(epoch: Epoch, lastID: UInt64)
        /// A new event. `id` is `nil` from a plain server.
        case event(id: UInt64?, kind: EventKind, payload: ByteBuffer)
        /// Ids `first...last` are lost (`first == 0`: the epoch changed).
        case gap(first: UInt64, last: UInt64)
        /// The connection ended; a reconnect follows unless reconnecting is off.
        case disconnected(reason: String)
    }

    /// Whether to go on after an update. Either way, an event whose update returned counts as
    /// taken: a reconnect resumes after it. A consumer that could not take it throws instead.
    public enum Decision: Sendable {
        case proceed
        case stop
    }

    /// How to subscribe: WebSocket (offering `wsevent.v1` unless ``offersV1`` is off) or SSE.
    public typealias Transport = StreamURL.Transport

    public var url: WebSocketURL
    public var transport: Transport = .webSocket
    /// Reconnect after a lost connection (otherwise the first loss ends ``run(from:onUpdate:)``).
    public var reconnect: Bool = true
    /// Keep retrying when the server refuses the upgrade with a 4xx status or its certificate
    /// does not verify (a relay should: its upstream may be fixed; an interactive client should
    /// not).
    public var retryRefusals: Bool = false
    /// Offer `wsevent.v1` (ids, resume). Off, the server sends bare payloads, as to a browser.
    public var offersV1 = true
    /// Take the events a server with `-first-message` replays after its `hello` to a
    /// subscription that starts without a position (``run(from:onUpdate:)`` with `nil`). Off:
    /// from the `hello` on only, what a fan-in wants (it would republish them after every
    /// restart). Over SSE, which has no `hello`, they cannot be told from live events.
    public var takesFirstMessages = true
    public var headers: HTTPHeaders = [:]
    /// Connection limits; the default takes messages of up to 64 MiB, so a client does not
    /// refuse what a server with a larger `-max-message-size` accepted.
    public var configuration = WebSocketConfiguration(maxMessageSize: 64 << 20)
    public var group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton

    public init(url: WebSocketURL) {
        self.url = url
    }

    /// Subscribes to `stream` over its transport.
    public init(_ stream: StreamURL) {
        self.url = stream.address
        self.transport = stream.transport
    }

    /// Subscribes until `onUpdate` says stop, the task is cancelled, or (without reconnect)
    /// the connection ends.
    ///
    /// - Parameter start: where to resume the first connection; `nil` for live events only.
    /// - Throws: the connect error when reconnecting is off, or a ``StreamClientError`` for a
    ///   refused upgrade or request that is not worth retrying.
    public func run(from start: ResumePoint?, onUpdate: (Update) async throws -> Decision) async throws {
        var tracker = ResumeTracker(position: start, takesFirstMessages: takesFirstMessages)
        var backoff = Backoff()
        let clock = ContinuousClock()
        while !Task.isCancelled {
            let reason: String
            let attempt = clock.now
            do {
                let ended: String?
                switch transport {
                case .webSocket: ended = try await runWebSocket(&tracker, onUpdate: onUpdate)
                case .sse: ended = try await runSSE(&tracker, onUpdate: onUpdate)
                }
                guard let ended else { return }
                reason = ended
            } catch let error as any StreamClientError {
                if let status = error.refusedStatus, !(retryRefusals || Self.isTransient(status)) { throw error }
                if error.isTLSFailure, !retryRefusals { throw error }
                if !reconnect { throw error }
                reason = "\(error)"
            } catch {
                if !reconnect { throw error }
                reason = "\(StreamURL(url, transport: transport)): \(error)"
            }
            if Task.isCancelled { return }
            // Start the backoff over only after a connection that lasted: one the server drops
            // at once (an event it cannot take, say) must not become a tight reconnect loop.
            if clock.now - attempt > Self.healthyConnection { backoff.reset() }
            if try await onUpdate(.disconnected(reason: reason)) == .stop || !reconnect { return }
            do { try await Task.sleep(for: backoff.next()) } catch { return }
        }
    }

    /// One WebSocket connection; the reason it ended, or `nil` when told to stop.
    private func runWebSocket(
        _ tracker: inout ResumeTracker,
        onUpdate: (Update) async throws -> Decision
    ) async throws -> String? {
        let connection = try await WebSocketClient.connect(
            to: url.addingResume(tracker.position),
            subprotocols: offersV1 ? [WireMode.v1Subprotocol] : [],
            headers: headers,
            configuration: configuration,
            group: group
        )
        let speaksV1 = connection.subprotocol == WireMode.v1Subprotocol
        // Everything inside `run`, `.connected` included: whatever ends it (a stop, a throw,
        // the task's cancellation), the connection is closed, never left open behind us.
        return try await connection.run { inbound, outbound in
            if try await onUpdate(.connected(speaksV1: speaksV1)) == .stop { return nil }
            for try await message in inbound {
                let update: Update?
                if speaksV1 {
                    do {
                        update = try tracker.receive(message)
                    } catch {
                        try? await outbound.close(.protocolError, reason: "an id past the largest")
                        throw error
                    }
                } else {
                    update = .event(id: nil, kind: EventKind(message.kind), payload: message.data)
                }
                if let update, try await Self.hand(update, to: onUpdate, tracker: &tracker) == .stop { return nil }
            }
            return Self.ending(of: inbound)
        }
    }

    /// Hands `update` to `onUpdate`. An event counts as taken, and the position moves past it,
    /// only once `onUpdate` has returned: a consumer that throws or is cancelled while holding
    /// it (a store that is down) resumes from before it on the next connection.
    private static func hand(
        _ update: Update,
        to onUpdate: (Update) async throws -> Decision,
        tracker: inout ResumeTracker
    ) async throws -> Decision {
        let decision = try await onUpdate(update)
        tracker.took(update)
        return decision
    }

    /// Why a connection ended, in one line for the log: the server's close code and reason, or
    /// why this side ended it ("the peer sent invalid UTF-8 in a text message (1007)").
    static func ending(of inbound: WebSocketInboundMessages) -> String {
        if let error = inbound.closeError { return error.description }
        guard let code = inbound.closeCode else { return "connection lost" }
        let reason = inbound.closeReason.flatMap { $0.isEmpty ? nil : ": \($0)" } ?? ""
        return "closed by the server with code \(code.code)\(reason)"
    }

    /// One SSE response; the reason it ended, or `nil` when told to stop.
    private func runSSE(
        _ tracker: inout ResumeTracker,
        onUpdate: (Update) async throws -> Decision
    ) async throws -> String? {
        // The same limits as over WebSocket: a line or event only as large as the largest
        // message, the response head within the handshake timeout.
        let limits = SSEClientConfiguration(
            maxMessageSize: configuration.maxMessageSize,
            tls: configuration.tls,
            connectTimeout: configuration.connectTimeout,
            responseTimeout: configuration.handshakeTimeout
        )
        let connection = try await SSEClient.connect(
            to: StreamURL(url, transport: .sse),
            lastEventID: tracker.lastEventID,
            headers: headers,
            configuration: limits,
            group: group
        )
        return try await connection.run { events in
            if try await onUpdate(.connected(speaksV1: true)) == .stop { return nil }
            for try await message in events {
                for update in try tracker.receive(message) where try await Self.hand(update, to: onUpdate, tracker: &tracker) == .stop {
                    return nil
                }
            }
            return "the server ended the event stream"
        }
    }

    /// How long a connection must have lasted for the next reconnect to start the backoff over.
    static let healthyConnection = RoleTiming.lastingConnection

    /// 5xx, 408 and 429 may pass; other 4xx (404, 401, 403, ...) will not by waiting.
    static func isTransient(_ status: HTTPResponseStatus) -> Bool {
        status.code >= 500 || status == .requestTimeout || status == .tooManyRequests
    }
}

/// Where a v1 subscription stands: the epoch and the last id the consumer took. Turns raw v1
/// messages into updates and drops events already seen (a resume that overlaps). Pure logic.
///
/// The position moves past an event only when the consumer says it took it (``took(_:)``), not
/// when it arrives: what the consumer could not take is asked for again after a reconnect.
/// A subscription that started without a position takes what a server's `-first-message`
/// replays after the `hello` (ids at or below the hello's), and resumes after the last it took.
/// An id past ``Event/maxID`` (which would leave no id after it) is the server breaking the
/// protocol: ``receive(_:)`` throws ``UpstreamIDOutOfRange`` rather than pass it on.
struct ResumeTracker {
    private(set) var position: ResumePoint?
    /// Whether events a server replays after its hello to a subscription without a position
    /// (its `-first-message`) are taken.
    let takesFirstMessages: Bool
    /// The position came from a hello, not from an event taken: what follows on this connection
    /// may be the server's first messages, older than the position.
    private var fromHello = false

    init(position: ResumePoint?, takesFirstMessages: Bool = true) {
        self.position = position
        self.takesFirstMessages = takesFirstMessages
    }

    mutating func receive(_ message: WebSocketMessage) throws(UpstreamIDOutOfRange) -> ResumingSubscriber.Update? {
        guard let (header, payload) = V1Header.parse(message.data) else { return nil }
        switch header {
        case .hello(let epoch, let lastID):
            try Self.check(lastID, "hello")
            enter(epoch, liveAfter: lastID)
            return .hello(epoch: epoch, lastID: lastID)
        case .event(let id):
            try Self.check(id, "event")
            guard isNew(id) else { return nil }
            return .event(id: id, kind: EventKind(message.kind), payload: payload)
        case .gap(let first, let last):
            try Self.check(last, "gap")
            noteGap(first: first)
            return .gap(first: first, last: last)
        }
    }

    /// The consumer took `update`: if it is an event, a reconnect resumes after it.
    mutating func took(_ update: ResumingSubscriber.Update) {
        guard case .event(let id?, _, _) = update, let current = position, id > current.since || fromHello else { return }
        position?.since = id
        fromHello = false
    }

    /// The server names its epoch. With no position yet, live events follow `liveAfter`. No
    /// epoch given: the server took ours to be its own. Another epoch: the server replays its
    /// whole buffer after a gap, so count from zero.
    private mutating func enter(_ epoch: Epoch, liveAfter: UInt64) {
        guard let current = position else {
            position = ResumePoint(since: liveAfter, epoch: epoch)
            fromHello = takesFirstMessages
            return
        }
        // A reconnect resumes from the position: the server replays nothing at or below it.
        fromHello = false
        if current.epoch == nil {
            position = ResumePoint(since: current.since, epoch: epoch)
        } else if current.epoch != epoch {
            position = ResumePoint(since: 0, epoch: epoch)
        }
    }

    /// Whether event `id` is past what the consumer took.
    private func isNew(_ id: UInt64) -> Bool {
        guard let current = position else { return false }
        return id > current.since || fromHello
    }

    /// `gap 0 N`: our position was from another life of the stream; count from zero.
    private mutating func noteGap(first: UInt64) {
        if first == 0, let epoch = position?.epoch { position = ResumePoint(since: 0, epoch: epoch) }
    }

    /// Refuses an id past ``Event/maxID``: no stream of this protocol has one.
    static func check(_ id: UInt64, _ what: String) throws(UpstreamIDOutOfRange) {
        guard id <= Event.maxID else { throw UpstreamIDOutOfRange(id: id, in: what) }
    }
}

/// The server sent an id past ``Event/maxID``, the largest an event may have: it broke the
/// protocol. The subscription ends (WebSocket: close code 1002) and, for a relay, reconnects
/// with backoff, resuming after the last id it took.
public struct UpstreamIDOutOfRange: Error, Sendable, Hashable, CustomStringConvertible {
    /// The id the server sent.
    public let id: UInt64
    /// Where: `event`, `hello` or `gap`.
    public let header: String

    public init(id: UInt64, in header: String) {
        self.id = id
        self.header = header
    }

    public var description: String {
        "the server broke wsevent.v1: \(header == "event" ? "event id" : "its \(header) names id") \(id), past the largest id \(Event.maxID)"
    }
}

extension ResumeTracker {
    /// `Last-Event-ID` for resuming over SSE.
    var lastEventID: String? {
        guard let position else { return nil }
        return position.epoch.map { SSEFormat.eventID(epoch: $0, id: position.since) } ?? String(position.since)
    }

    /// Turns one SSE event into updates: a new epoch shows as a `hello`, repeats are dropped.
    mutating func receive(_ message: SSEParser.Message) throws(UpstreamIDOutOfRange) -> [ResumingSubscriber.Update] {
        if message.event == "gap" {
            let numbers = message.data.split { !$0.isNumber }.compactMap { UInt64($0) }
            guard numbers.count == 2 else { return [] }
            try Self.check(numbers[1], "gap")
            noteGap(first: numbers[0])
            return [.gap(first: numbers[0], last: numbers[1])]
        }
        guard let id = message.id, let point = SSEFormat.resumePoint(lastEventID: id), let epoch = point.epoch else {
            return []
        }
        try Self.check(point.since, "event")
        var updates: [ResumingSubscriber.Update] = []
        // SSE has no hello: an event of an epoch not seen yet stands for one.
        if position?.epoch != epoch {
            updates.append(.hello(epoch: epoch, lastID: point.since))
            enter(epoch, liveAfter: max(point.since, 1) - 1)
        }
        guard isNew(point.since) else { return updates }
        let payload: ByteBuffer
        let kind: EventKind
        if message.event == "binary" {
            kind = .binary
            payload = ByteBuffer(bytes: Base64.decode(message.data) ?? [])
        } else {
            kind = .text
            payload = ByteBuffer(string: message.data)
        }
        updates.append(.event(id: point.since, kind: kind, payload: payload))
        return updates
    }
}

extension WebSocketURL {
    /// This URL with `since` and `epoch` added for resuming at `point`.
    func addingResume(_ point: ResumePoint?) -> WebSocketURL {
        guard let point else { return self }
        var items = [("since", String(point.since))]
        if let epoch = point.epoch { items.append(("epoch", epoch.rawValue)) }
        return addingQuery(items)
    }
}

extension EventKind {
    init(_ kind: WebSocketMessage.Kind) {
        self = kind == .text ? .text : .binary
    }
}
