import Foundation
import TestSupport
import Testing

/// `wsclient --sse` against servers that never end what they send.
@Suite struct SSEClientBoundsTests {
    /// One line that never ends: the client gives up at its limit (an event of its largest
    /// message, base64) with one line, instead of holding the line as it grows.
    @Test func anEndlessLineFailsWithOneLine() async throws {
        let server = try await ScriptedHTTPServer.start(.endlessLine)
        let client = try ManagedProcess(Binaries.client, ["http://127.0.0.1:\(server.port)/events", "--sse", "--no-reconnect"])
        #expect(try await client.waitForExit(timeout: 120) == 1)
        #expect(client.stderr == "wsclient: http://127.0.0.1:\(server.port)/events: the server sent a line or event larger than the 89479512-byte limit\n")
        await server.stop()
    }
}
