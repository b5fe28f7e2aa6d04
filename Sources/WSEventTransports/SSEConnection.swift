import NIOCore

/// An SSE response being received: its events, parsed as they are taken.
public struct SSEConnection: Sendable {
    let channel: NIOAsyncChannel<ByteBuffer, Never>
    /// The URL requested.
    public let url: StreamURL
    let maxEventBytes: Int

    /// Runs `body` with the events, then closes the connection (also when `body` throws).
    public func run<Result: Sendable>(_ body: (SSEEvents) async throws -> Result) async throws -> Result {
        try await channel.executeThenClose { inbound in
            try await body(SSEEvents(inbound: inbound, url: url, maxEventBytes: maxEventBytes))
        }
    }

    /// Closes a connection that will not be run.
    public func close() async {
        try? await channel.channel.close()
    }
}

/// The events of an SSE response, in order. Ends when the server ends the response.
///
/// - Throws: ``SSEClientError``: `eventTooLarge` for a line or event past the client's limit,
///   `connectionLost` when the connection drops.
public struct SSEEvents: AsyncSequence, Sendable {
    public typealias Element = SSEParser.Message

    let inbound: NIOAsyncChannelInboundStream<ByteBuffer>
    let url: StreamURL
    let maxEventBytes: Int

    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
        var parser: SSEParser
        let url: StreamURL
        /// Events parsed from the last chunk and not yet taken; a chunk is one read of the
        /// socket, so this holds at most what one read completes.
        var ready: [SSEParser.Message] = []
        var taken = 0

        public mutating func next() async throws -> SSEParser.Message? {
            while taken == ready.count {
                let chunk: ByteBuffer?
                do {
                    chunk = try await base.next()
                } catch {
                    throw SSEClientError.lost(error, url: url)
                }
                guard let chunk else { return nil }
                do {
                    ready = try parser.feed(chunk.readableBytesView)
                } catch let error as SSEParser.TooLarge {
                    throw SSEClientError(.eventTooLarge, url: url, detail: error.description)
                }
                taken = 0
            }
            defer { taken += 1 }
            return ready[taken]
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: inbound.makeAsyncIterator(), parser: SSEParser(maxEventBytes: maxEventBytes), url: url)
    }
}
