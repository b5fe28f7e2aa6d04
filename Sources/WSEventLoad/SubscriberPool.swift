import Histogram
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// Opens subscribers to one URL, spread evenly over the event loops, with a bounded number of
/// handshakes in flight (a server is measured serving subscribers, not fending off a SYN flood),
/// keeps them, and closes them at the end.
package final class SubscriberPool: Sendable {
    package let url: LoadURL
    package let transport: Transport
    /// One per event loop; subscriber `i` lives on loop `i % stats.count`.
    package let stats: [LoopStats]
    private let channels = NIOLockedValueBox<[any Channel]>([])
    private let opened = NIOLockedValueBox(0)

    /// What opening a batch of subscribers gave.
    package struct Ramp: Sendable {
        /// Upgrades (WebSocket) or `200` answers (SSE) received.
        package var connected = 0
        /// Those that did not subscribe, by reason: a status code (`"503"`) or what happened
        /// instead (`"connect: ..."`, `"timeout"`).
        package var refused: [String: Int] = [:]
        /// From the first connect to the last answer.
        package var seconds = 0.0
        /// Connect to answer, nanoseconds, of those that subscribed.
        package var latency = Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: LoopStats.highestLatency, numberOfSignificantValueDigits: .three)

        /// Subscriptions completed per second.
        package var perSecond: Double { seconds > 0 ? Double(connected) / seconds : 0 }
    }

    private enum Outcome: Sendable {
        case connected(UInt64)
        case refused(String)
    }

    package init(url: LoadURL, transport: Transport, stats: [LoopStats]) {
        precondition(!stats.isEmpty, "at least one event loop")
        self.url = url
        self.transport = transport
        self.stats = stats
    }

    /// Subscribers open now (those the server closed since included).
    package var count: Int { channels.withLockedValue { $0.count } }

    /// Opens `count` subscribers with at most `inFlight` handshakes at once, and stops starting
    /// new ones at `deadline`. With `keep` false each closes (1000) as soon as it is answered:
    /// that measures the handshake rate alone.
    package func open(
        count: Int,
        inFlight: Int,
        deadline: NIODeadline,
        keep: Bool = true,
        handshakeTimeout: TimeAmount = .seconds(10)
    ) async -> Ramp {
        var ramp = Ramp()
        let started = NIODeadline.now()
        await withTaskGroup(of: Outcome.self) { group in
            var running = 0
            func take(_ outcome: Outcome) {
                switch outcome {
                case .connected(let nanoseconds):
                    ramp.connected += 1
                    ramp.latency.record(min(nanoseconds, LoopStats.highestLatency))
                case .refused(let reason):
                    ramp.refused[reason, default: 0] += 1
                }
            }
            for _ in 0..<count {
                if NIODeadline.now() >= deadline { break }
                if running >= max(1, inFlight), let outcome = await group.next() {
                    running -= 1
                    take(outcome)
                }
                let index = opened.withLockedValue { value in
                    defer { value += 1 }
                    return value
                }
                running += 1
                group.addTask { await self.connect(index: index, keep: keep, timeout: handshakeTimeout) }
            }
            while let outcome = await group.next() { take(outcome) }
        }
        ramp.seconds = Double((NIODeadline.now() - started).nanoseconds) / 1e9
        return ramp
    }

    private func connect(index: Int, keep: Bool, timeout: TimeAmount) async -> Outcome {
        let stats = self.stats[index % self.stats.count]
        let loop = stats.loop
        let promise = loop.makePromise(of: Void.self)
        let transport = self.transport
        let url = self.url
        let request = Self.upgradeRequest(for: url)
        let started = NIODeadline.now()
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(timeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let outcome = HandshakeOutcome(promise: promise)
                    switch transport {
                    case .webSocket:
                        try channel.pipeline.syncOperations.addHandler(
                            WebSocketLoadSubscriber(request: request, stats: stats, outcome: outcome, closeAfterHandshake: !keep))
                    case .sse:
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        try channel.pipeline.syncOperations.addHandler(
                            SSELoadSubscriber(head: SSELoadSubscriber.requestHead(for: url), stats: stats, outcome: outcome, closeAfterHandshake: !keep))
                    }
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: url.host, port: url.port).get()
        } catch {
            promise.fail(error)  // no handler answered it: the connection never opened
            return .refused("connect: \(Self.shortDescription(of: error))")
        }
        // A failure of any kind closes the connection; the timer fails it only if nothing
        // answered first (a completed promise ignores later completions).
        promise.futureResult.whenFailure { _ in channel.close(promise: nil) }
        let timer = loop.scheduleTask(in: timeout) { promise.fail(HandshakeOutcome.Failure.refused("timeout")) }
        defer { timer.cancel() }
        do {
            try await promise.futureResult.get()
        } catch HandshakeOutcome.Failure.refused(let reason) {
            return .refused(reason)
        } catch {
            return .refused(Self.shortDescription(of: error))
        }
        if keep { channels.withLockedValue { $0.append(channel) } }
        return .connected(UInt64((NIODeadline.now() - started).nanoseconds))
    }

    /// Closes every subscriber: a close frame (1000) for WebSocket, then the connection.
    /// Connections that end from now on are not counted as closed by the server.
    package func closeAll() async {
        for stats in stats { try? await stats.beginClosing() }
        let all = channels.withLockedValue { channels in
            defer { channels.removeAll() }
            return channels
        }
        let closeFrame = transport == .webSocket ? ClientFrame.close() : nil
        var closing: [EventLoopFuture<Void>] = []
        closing.reserveCapacity(all.count)
        for channel in all {
            if let closeFrame { channel.writeAndFlush(closeFrame, promise: nil) }
            closing.append(channel.close())
        }
        for future in closing { try? await future.get() }
    }

    /// The upgrade request every WebSocket subscriber sends, the same bytes for all (the key
    /// need not be random: the generator is the only client that checks nothing with it).
    static func upgradeRequest(for url: LoadURL) -> ByteBuffer {
        ByteBuffer(
            string: "GET \(url.target) HTTP/1.1\r\nHost: \(url.hostHeader)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
    }

    /// An error in a few words, for the refusal counts (`Connection refused (errno: 111)`).
    static func shortDescription(of error: any Error) -> String {
        if let error = error as? IOError { return "\(error.description)" }
        if let error = error as? NIOConnectionError, let first = error.connectionErrors.first {
            return shortDescription(of: first.error)
        }
        if error is ChannelError { return "\(error)" }
        return String(describing: error)
    }
}
