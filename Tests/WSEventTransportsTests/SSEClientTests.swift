import NIOCore
import TestSupport
import Testing
import WSEventCore

/// The SSE client against servers that misbehave: what it holds and how long it waits are
/// bounded, and each failure is one line with the URL.
@Suite struct SSEClientTests {
    func url(_ server: ScriptedHTTPServer) -> StreamURL {
        StreamURL("http://127.0.0.1:\(server.port)/events")!
    }

    /// One line that never ends: refused at the limit that follows from the largest message.
    @Test func anEndlessLineFailsAtTheLimit() async throws {
        let server = try await ScriptedHTTPServer.start(.endlessLine)
        defer { Task { await server.stop() } }
        let configuration = SSEClientConfiguration(maxMessageSize: 48 << 10)
        let connection = try await SSEClient.connect(to: url(server), lastEventID: nil, configuration: configuration)
        let error = await #expect(throws: SSEClientError.self) {
            try await connection.run { events in
                for try await _ in events {}
            }
        }
        #expect(error?.reason == .eventTooLarge)
        #expect(error?.description == "http://127.0.0.1:\(server.port)/events: the server sent a line or event larger than the 66564-byte limit")
        #expect(SSEParser.maxEventBytes(forMessageSize: 48 << 10) == 66564)
    }

    /// A consumer that does not take its events: the socket is not read past a few reads, so the
    /// server's writes back up instead of the client's memory growing.
    @Test func eventsNotTakenStopTheReading() async throws {
        let server = try await ScriptedHTTPServer.start(.endlessEvents)
        defer { Task { await server.stop() } }
        let connection = try await SSEClient.connect(to: url(server), lastEventID: nil)
        try await connection.run { events in
            var iterator = events.makeAsyncIterator()
            #expect(try await iterator.next()?.data == "x")
            // The server blocks once the socket buffers and the few reads the client holds are
            // full: what it sent stops growing.
            try await withTimeout(30, "the server's writes to back up") {
                var last = -1
                while server.bytesSent != last {
                    last = server.bytesSent
                    try await Task.sleep(for: .milliseconds(300))
                }
            }
            #expect(server.bytesSent < 32 << 20)
        }
    }

    @Test func aRefusalIsOneLineWithTheFirstKiBOfItsEndlessBody() async throws {
        let server = try await ScriptedHTTPServer.start(.endlessRefusal)
        defer { Task { await server.stop() } }
        let error = await #expect(throws: SSEClientError.self) {
            _ = try await SSEClient.connect(to: url(server), lastEventID: nil)
        }
        #expect(error?.refusedStatus == .forbidden)
        #expect(error?.description == "http://127.0.0.1:\(server.port)/events: refused with 403 Forbidden: go away")
    }

    @Test func aSilentServerFailsWithinTheResponseTimeout() async throws {
        let server = try await ScriptedHTTPServer.start(.silence)
        defer { Task { await server.stop() } }
        let configuration = SSEClientConfiguration(responseTimeout: .milliseconds(200))
        let error = await #expect(throws: SSEClientError.self) {
            _ = try await SSEClient.connect(to: url(server), lastEventID: nil, configuration: configuration)
        }
        #expect(error?.reason == .responseTimedOut)
        #expect(error?.description == "http://127.0.0.1:\(server.port)/events: no response to the event-stream request")
    }

    @Test func aPageIsNoEventStream() async throws {
        let server = try await ScriptedHTTPServer.start(.page)
        defer { Task { await server.stop() } }
        let error = await #expect(throws: SSEClientError.self) {
            _ = try await SSEClient.connect(to: url(server), lastEventID: nil)
        }
        #expect(error?.description == "http://127.0.0.1:\(server.port)/events: the response is not an event stream (text/html)")
    }
}
