import Foundation
import TestSupport
import Testing

/// `wsclient` as a user runs it.
@Suite struct WSClientTests {
    @Test func printsPayloadsUnchangedAndStopsAtCount() async throws {
        let service = try await ServiceProcess(["-serve-address", "127.0.0.1:0", "-interval", "10ms"])
        let client = try ManagedProcess(Binaries.client, ["\(service.port)", "--count", "5"])
        #expect(try await client.waitForExit() == 0)
        let lines = client.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 6)  // five lines, each ending in the payload's own newline
        #expect(lines.last == "")
        #expect(lines.dropLast().allSatisfy { $0.contains(": 127.0.0.1:\(service.port): ") })
    }

    /// Payloads without a trailing newline (every `curl -d` publish) still print one per line;
    /// one that ends in a newline gets no second one; `--raw` writes the bytes exactly.
    @Test func printsOneEventPerLineUnlessRaw() async throws {
        let service = try await ServiceProcess(["-serve-address", "127.0.0.1:0", "-no-produce", "-publish-token", "t"])
        for (body, type) in [("hello", "text/plain"), ("second", "text/plain"), ("third\n", "text/plain"), ("bytes", "application/octet-stream")] {
            let answer = try await HTTPExchange.send(
                port: service.port, "POST", "/events", headers: ["Authorization": "Bearer t", "Content-Type": type], body: Array(body.utf8)
            )
            #expect(answer.status == 200)
        }
        for transport in [[], ["--sse"]] {
            let lines = try ManagedProcess(Binaries.client, ["\(service.port)", "--since", "0", "--count", "4"] + transport)
            #expect(try await lines.waitForExit() == 0, "\(lines.stderr)")
            #expect(lines.stdout == "hello\nsecond\nthird\nbytes\n", "\(transport)")
            let raw = try ManagedProcess(Binaries.client, ["\(service.port)", "--since", "0", "--count", "4", "--raw"] + transport)
            #expect(try await raw.waitForExit() == 0, "\(raw.stderr)")
            #expect(raw.stdout == "hellosecondthird\nbytes", "\(transport)")
        }
    }

    @Test func sseGivesTheSameEventsAsWebSocket() async throws {
        let service = try await ServiceProcess(["-serve-address", "127.0.0.1:0", "-interval", "10ms", "-buffer", "100000"])
        let overSSE = try ManagedProcess(Binaries.client, ["\(service.port)", "--sse", "--json", "--since", "0", "--count", "20"])
        let overWebSocket = try ManagedProcess(Binaries.client, ["\(service.port)", "--json", "--since", "0", "--count", "20"])
        #expect(try await overSSE.waitForExit() == 0, "\(overSSE.stderr)")
        #expect(try await overWebSocket.waitForExit() == 0, "\(overWebSocket.stderr)")
        let sseEvents = try JSONEvent.parseLines(overSSE.stdout)
        #expect(sseEvents.map(\.id) == Array(1...20))
        #expect(sseEvents == (try JSONEvent.parseLines(overWebSocket.stdout)))
    }

    @Test func refusedUpgradeIsOneLineWithTheStatus() async throws {
        let service = try await ServiceProcess(["-serve-address", "127.0.0.1:0"])
        let client = try ManagedProcess(Binaries.client, ["\(service.port)", "nope"])
        #expect(try await client.waitForExit() == 1)
        #expect(client.stderr.hasPrefix("wsclient: ws://127.0.0.1:\(service.port)/nope: upgrade refused with 404 Not Found"))
        #expect(client.stderr.split(separator: "\n").count == 1)
    }

    @Test func connectionRefusedWithoutReconnect() async throws {
        let socket = try RawSocketPortProbe.freePort()
        let client = try ManagedProcess(Binaries.client, ["\(socket)", "--no-reconnect"])
        #expect(try await client.waitForExit() == 1)
        #expect(client.stderr == "wsclient: ws://127.0.0.1:\(socket)/events: connection refused\n")
    }

    @Test func brokenPipeExitsQuietly() async throws {
        let service = try await ServiceProcess(["-serve-address", "127.0.0.1:0", "-interval", "10ms"])
        let shell = try ManagedProcess(
            "/bin/bash",
            ["-c", "'\(Binaries.client)' \(service.port) | head -n 3; echo \"status=${PIPESTATUS[0]}\" >&2"]
        )
        #expect(try await shell.waitForExit() == 0)
        #expect(shell.stdout.split(separator: "\n").count == 3)
        #expect(shell.stderr == "status=0\n")
    }

    @Test func stopsOnSigterm() async throws {
        let service = try await ServiceProcess(["-serve-address", "127.0.0.1:0", "-interval", "10ms"])
        let client = try ManagedProcess(Binaries.client, ["\(service.port)"])
        try await eventually("the client to print events") { !client.stdout.isEmpty }
        client.signal(SIGTERM)
        #expect(try await client.waitForExit() == 143)
    }

    @Test func timeoutBeforeCountFails() async throws {
        let service = try await ServiceProcess(["-serve-address", "127.0.0.1:0", "-interval", "1s"])
        let client = try ManagedProcess(Binaries.client, ["\(service.port)", "--count", "1000", "--timeout", "300ms"])
        #expect(try await client.waitForExit() == 1)
        #expect(client.stderr.contains("timed out"))
    }
}
