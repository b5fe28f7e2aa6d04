import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import NIOHTTP1
import TestSupport
import Testing

@testable import WSEventTransports
import WSEventCore

/// The handler that replays a durable stream's history from its log: pages bounded by bytes,
/// one at a time, the next read only once the previous one reached the socket, so a slow
/// reader of a long history holds one page, not the history.
@Suite struct HistoryReplayHandlerTests {
    /// A log of `count` events of `size` bytes each that records what it was asked for.
    final class RecordingLog: DurableLog, Sendable {
        struct Request: Equatable {
            var after: UInt64
            var maxBytes: Int
            var returned: Int
        }

        let epoch: Epoch
        private let events: [Event]
        private let requests = NIOLockedValueBox<[Request]>([])

        init(epoch: Epoch, count: Int, size: Int) {
            self.epoch = epoch
            events = (1...UInt64(count)).map { id in
                Event(id: id, kind: .text, payload: ByteBuffer(string: String(repeating: "x", count: size - 1) + "\(id % 10)"))
            }
        }

        var asked: [Request] { requests.withLockedValue { $0 } }

        func append(kind: EventKind, payload: DurablePayload) async throws -> (id: UInt64, epoch: Epoch) {
            throw CancellationError()
        }

        func events(after id: UInt64, through: UInt64, epoch: Epoch, limit: Int, maxBytes: Int) async throws -> [Event] {
            var page: [Event] = []
            var bytes = 0
            for event in events where event.id > id && event.id <= through {
                guard page.count < limit, page.isEmpty || bytes < maxBytes else { break }
                page.append(event)
                bytes += event.payload.readableBytes
            }
            // As the store's statement: payloads before an event come to less than maxBytes.
            if page.count > 1, bytes - page.last!.payload.readableBytes >= maxBytes { page.removeLast() }
            requests.withLockedValue { $0.append(Request(after: id, maxBytes: maxBytes, returned: page.count)) }
            return page
        }

        func catchUp() async throws {}
    }

    @Test func pagesAreBoundedByBytesAndReadOneAtATimeAsTheSocketTakesThem() async throws {
        let epoch = Epoch("e1")!
        let log = RecordingLog(epoch: epoch, count: 40, size: 1024)
        let stream = WireEventStream(path: "/events", bufferSize: 4, source: .awaitingUpstream)
        stream.followStore(log, epoch: epoch, lastID: 40)

        let channel = NIOAsyncTestingChannel()
        let valve = FlushValve()
        valve.isShut = true
        try await channel.testingEventLoop.executeInContext {
            let pipeline = channel.pipeline.syncOperations
            try pipeline.addHandler(valve)
            try pipeline.addHandler(HTTPResponseEncoder())
            channel.write(HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: .ok)), promise: nil)
            let format = SubscriberFormat.sse(retry: 1000, heartbeat: .seconds(60))
            let settings = SubscriberSettings(format: format, maxPendingBytes: 1 << 20, logger: .init(label: "test"))
            try pipeline.addHandler(
                HistoryReplayHandler(
                    stream: stream,
                    log: log,
                    format: format,
                    resume: ResumePoint(since: 0, epoch: epoch),
                    pageBytes: 4096,
                    logger: .init(label: "test")
                ) { resume, greets in
                    StreamSubscriberHandler(stream: stream, resume: resume, settings: settings, greets: greets)
                }
            )
        }

        // The first page is read and written, but the peer reads nothing: no second page.
        try await eventually("the first page") { log.asked.count == 1 }
        for _ in 0..<20 {
            await Task.yield()
            try await channel.testingEventLoop.executeInContext {}
        }
        #expect(log.asked.count == 1, "the next page waits for the first to reach the socket")
        #expect(log.asked[0] == .init(after: 0, maxBytes: 4096, returned: 4))

        // The peer reads: pages follow one another to the stream's last id (its replay buffer
        // is empty, as on an instance that just started).
        try await channel.testingEventLoop.executeInContext { valve.open() }
        try await eventually("the pages up to the last id", timeout: 60) { log.asked.last.map { $0.after + UInt64($0.returned) } == 40 }
        #expect(log.asked.allSatisfy { $0.maxBytes == 4096 && $0.returned == 4 })
        #expect(log.asked.map(\.after) == Array(stride(from: 0, to: 40, by: 4)))
    }
}
