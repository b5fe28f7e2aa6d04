import Foundation
import NIOCore
import NIOPosix
import TestSupport
import Testing
import WSEventCore
import WSEventPostgres

/// An in-process replica: a stream made durable by a store of its own on a test database, as
/// an `EventServer` does, without the sockets.
final class StoreReplica: @unchecked Sendable {
    let store: PostgresStore
    let stream: WireEventStream
    private let task: Task<Void, Never>

    init(
        _ database: TestDatabase,
        path: String = "/events",
        bufferSize: Int = 16,
        maxQueuedBytes: Int? = nil,
        configure: (inout PostgresStoreConfiguration) -> Void = { _ in }
    ) async throws {
        var configuration = PostgresStoreConfiguration(url: database.url)
        configure(&configuration)
        stream = WireEventStream(path: path, bufferSize: bufferSize, source: .awaitingUpstream, maxQueuedBytes: maxQueuedBytes)
        store = PostgresStore(configuration: configuration)
        store.serve(stream)
        let store = self.store
        task = Task { await store.run() }
        let stream = self.stream
        try await eventually("the store to open \(path)", timeout: 30) {
            stream.source == .store && store.status.isConnected
        }
    }

    /// The store's named consumers.
    var positions: any ConsumerPositions {
        get throws { try #require(store.consumers) }
    }

    /// Stops the store (its connections close).
    func stop() async {
        task.cancel()
        await task.value
    }

    deinit { task.cancel() }

    /// Publishes `text` through the store; the id and epoch it was given.
    @discardableResult
    func publish(_ text: String) async throws -> (id: UInt64, epoch: Epoch) {
        try await stream.append(kind: .text, payload: .bytes(ByteBuffer(string: text)))
    }

    /// Subscribes in process and collects events until `count` arrived (bounded); ids in order.
    func collect(_ count: Int, resume: ResumePoint? = nil, timeout: Double = 60) -> Task<[UInt64], any Error> {
        let updates = stream.updates(resume: resume, on: MultiThreadedEventLoopGroup.singleton.next(), maxBuffered: 100_000)
        return Task {
            try await withTimeout(timeout, "\(count) events") {
                var ids: [UInt64] = []
                for try await update in updates {
                    switch update {
                    case .event(let event): ids.append(event.id)
                    case .gap(let first, let last): throw UnexpectedGap(first: first, last: last, after: ids.count)
                    case .hello: continue
                    }
                    if ids.count == count { break }
                }
                return ids
            }
        }
    }
}

/// A gap where every event was expected.
struct UnexpectedGap: Error, CustomStringConvertible {
    var first: UInt64
    var last: UInt64
    var after: Int
    var description: String { "no gap expected, got gap \(first) \(last) after \(after) events" }
}
