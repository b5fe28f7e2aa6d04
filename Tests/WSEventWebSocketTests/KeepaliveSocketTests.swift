import NIOCore
import TestSupport
import Testing
import WSEventCore

/// Keepalive on real sockets, with short intervals: a peer that answers stays, a silent one goes.
/// Each test brings its own event loops (see ``withOwnEventLoops``).
@Suite struct KeepaliveSocketTests {
    @Test func aRawPeerThatAnswersStaysAndIsClosedWith1011OnceItStops() async throws {
        try await withOwnEventLoops { group in
            try await withEventServer(group: group, {
                // Short pings; the peer answers from a thread of its own (`answerPings`): when it
                // answered from the concurrency pool, a loaded run of the suite held its answer
                // past a 15 s pong timeout. The timeout is what the test waits at its end.
                $0.pingInterval = .milliseconds(50)
                $0.pongTimeout = .seconds(5)
            }) { server in
                let socket = try RawSocket(port: server.port, receiveTimeout: 40)
                let (head, rest) = try await socket.upgrade("/events")
                #expect(head.hasPrefix("HTTP/1.1 101"))
                // Answer 20 pings at once; then stop answering and read until the server hangs up.
                let frames = await socket.answerPings(20, after: rest)
                let pings = frames.filter { $0.opcode == 0x9 }.count
                let closeCodes = frames.compactMap(\.closeCode)
                #expect(pings == 21)
                #expect(closeCodes == [1011])
            }
        }
    }

    @Test func libraryClientAndServerPingingEachOtherStayConnected() async throws {
        try await withOwnEventLoops { group in
            let configuration = WebSocketConfiguration(pingInterval: .milliseconds(20), pongTimeout: .seconds(5))
            let server = try await WebSocketServer.bind(host: "127.0.0.1", port: 0, configuration: configuration, group: group) { connection in
                try await connection.run { inbound, outbound in
                    for try await message in inbound { try await outbound.send(message) }
                }
            }
            let running = Task { try await server.run() }
            defer { running.cancel() }
            let url = WebSocketURL(host: "127.0.0.1", port: server.port, path: "/echo")
            let connection = try await WebSocketClient.connect(to: url, configuration: configuration, group: group)
            let outcome = try await withTimeout(20, "quiet connection") {
                try await connection.run { inbound, outbound in
                    // Quiet for 50 ping intervals of both sides, then prove the connection is alive.
                    try await Task.sleep(for: .seconds(1))
                    try await outbound.ping()
                    try await outbound.send(text: "still here")
                    var iterator = inbound.makeAsyncIterator()
                    let echo = try await iterator.next()
                    return (echo?.string, inbound.closeError)
                }
            }
            #expect(outcome.0 == "still here")
            #expect(outcome.1 == nil)
            running.cancel()
            _ = try? await running.value
        }
    }
}
