import Metrics
import NIOCore
import WSEventStreams
import WSEventTransports
import WSEventWebSocket

/// The seed's producer: every `interval`, an event `"<id>: <serve-address>: <10 letters>\n"`.
public struct Producer: Sendable {
    public let stream: WireEventStream
    public let interval: Duration
    /// Written into each message, as the seed does (`localhost:8080`).
    public let serveAddress: String
    /// Counts each event produced (`/metrics`); counts nothing unless set.
    package var published = Counter(label: "wsevent_events_published_total", factory: NOOPMetricsHandler.instance)

    public init(stream: WireEventStream, interval: Duration, serveAddress: String) {
        self.stream = stream
        self.interval = interval
        self.serveAddress = serveAddress
    }

    /// The message of event `id`.
    public static func message<R: RandomNumberGenerator>(id: UInt64, serveAddress: String, using generator: inout R) -> String {
        let letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8
        let random = (0..<10).map { _ in letters.randomElement(using: &generator)! }
        return "\(id): \(serveAddress): \(String(decoding: random, as: UTF8.self))\n"
    }

    /// Produces until the task is cancelled. Ticks are on a fixed schedule, so a slow tick does
    /// not shift the ones after it.
    public func run() async {
        let clock = ContinuousClock()
        var generator = SystemRandomNumberGenerator()
        var next = clock.now + interval
        while !Task.isCancelled {
            do { try await clock.sleep(until: next) } catch { return }
            // While the stream's loops are behind, ticks wait (and those that passed meanwhile
            // are skipped below) instead of being refused one by one.
            await stream.waitForRoom()
            // The message after its id, which a durable stream's store gives only at commit.
            let message = Producer.message(id: 0, serveAddress: serveAddress, using: &generator).dropFirst(1)
            if (try? await stream.append(kind: .text, payload: .idPrefixed(ByteBuffer(string: String(message))))) != nil {
                published.increment()
            }
            next += interval
            if next < clock.now { next = clock.now + interval }
        }
    }
}
