import NIOCore

/// Publishes events by HTTP `POST` over several keep-alive connections, one request in flight
/// on each (no pipelining: the next is sent when the answer to the last arrived), either at a
/// fixed total rate or as fast as the server answers. Each payload carries a
/// ``PayloadHeader``: the connection, its sequence number there, and the time it was sent.
package final class Publisher: Sendable {
    /// What to publish, where, how fast.
    package struct Options: Sendable {
        package var url: LoadURL
        /// Keep-alive connections.
        package var connections: Int
        /// Events per second over all connections; 0 means as fast as the server answers.
        package var rate: Double
        /// Bytes per payload, the 40-byte header included.
        package var payloadSize: Int
        /// Sent with every publish: `Content-Type: text/plain` and `Content-Length` come on
        /// top, and e.g. `Authorization: Bearer T` from here.
        package var headers: [(name: String, value: String)]
        package var run: UInt16

        package init(url: LoadURL, connections: Int, rate: Double, payloadSize: Int, headers: [(name: String, value: String)] = [], run: UInt16) {
            self.url = url
            self.connections = connections
            self.rate = rate
            self.payloadSize = payloadSize
            self.headers = headers
            self.run = run
        }
    }

    /// What the publishers did, summed over connections.
    package struct Tally: Sendable {
        /// Requests written.
        package var sent = 0
        /// Answered with a 2xx status: the server took the event.
        package var acknowledged = 0
        /// Not acknowledged, by status code or what happened instead.
        package var failed: [String: Int] = [:]
        /// Sends that went out more than one interval after their due time (fixed rate only):
        /// the server answered too slowly to keep the rate.
        package var late = 0
        /// Connections the server closed that were opened again.
        package var reconnects = 0

        mutating func add(_ other: Tally) {
            sent += other.sent
            acknowledged += other.acknowledged
            failed.merge(other.failed, uniquingKeysWith: +)
            late += other.late
            reconnects += other.reconnects
        }
    }

    private let connections: [PublishConnection]

    /// One connection per `options.connections`, spread over `loops` round robin; none is
    /// opened yet.
    package init(options: Options, loops: [any EventLoop]) {
        precondition(options.connections > 0 && !loops.isEmpty)
        connections = (0..<options.connections).map { index in
            PublishConnection(index: index, options: options, loop: loops[index % loops.count])
        }
    }

    /// Opens every connection; throws the first failure.
    package func connect() async throws {
        for connection in connections { try await connection.connect() }
    }

    /// Starts publishing: connection `i` sends its first event at `start + i / rate` and then
    /// one every `connections / rate`, so the total rate is even.
    package func start(at start: NIODeadline) {
        for connection in connections { connection.start(at: start) }
    }

    /// Stops sending and waits for the answers still due, at most `timeout`; then returns what
    /// was done. A request still unanswered by then counts as failed (`"no answer"`).
    package func stop(timeout: TimeAmount = .seconds(5)) async -> Tally {
        var tally = Tally()
        for connection in connections {
            tally.add(await connection.stop(timeout: timeout))
        }
        return tally
    }
}
