import Foundation
import TestSupport
import Testing

/// The seed's chain with the built binaries: producer -> relay -> relay, on free ports.
@Suite(.serialized) struct ChainTests {
    func startChain() async throws -> (head: ServiceProcess, middle: ServiceProcess, tail: ServiceProcess) {
        // Buffers large enough that a slow machine never pushes the first events out.
        let head = try await ServiceProcess(["-serve-address", "127.0.0.1:0", "-interval", "20ms", "-buffer", "100000"])
        let middle = try await ServiceProcess([
            "-no-produce", "-buffer", "100000", "-serve-address", "127.0.0.1:0", "-serve-path", "proxy-events",
            "-consume-address", "127.0.0.1:\(head.port)", "-consume-path", "events",
        ])
        let tail = try await ServiceProcess([
            "-no-produce", "-buffer", "100000", "-serve-address", "127.0.0.1:0", "-serve-path", "the-end",
            "-consume-address", "127.0.0.1:\(middle.port)", "-consume-path", "proxy-events",
        ])
        return (head, middle, tail)
    }

    @Test func tailSeesTheHeadsIdsAndPayloads() async throws {
        let chain = try await startChain()
        let onTail = try ManagedProcess(Binaries.client, ["\(chain.tail.port)", "the-end", "--json", "--since", "0", "--count", "30", "--timeout", "60s"])
        let onHead = try ManagedProcess(Binaries.client, ["\(chain.head.port)", "events", "--json", "--since", "0", "--count", "30", "--timeout", "60s"])
        #expect(try await onTail.waitForExit(timeout: 90) == 0, "\(onTail.stderr)")
        #expect(try await onHead.waitForExit(timeout: 90) == 0, "\(onHead.stderr)")
        let tailEvents = try JSONEvent.parseLines(onTail.stdout)
        let headEvents = try JSONEvent.parseLines(onHead.stdout)
        #expect(tailEvents.count == 30)
        #expect(tailEvents == headEvents)
        #expect(tailEvents.map(\.id) == Array(1...30))
        #expect(tailEvents.allSatisfy { $0.payload?.hasPrefix("\($0.id!): 127.0.0.1:\(chain.head.port): ") == true })
        #expect(chain.middle.process.stderr.contains("consuming ws://127.0.0.1:\(chain.head.port)/events"))
    }

    @Test func killedMiddleRelayRestartsAndTheTailLosesNothing() async throws {
        let chain = try await startChain()
        let count = 200
        let onTail = try ManagedProcess(Binaries.client, ["\(chain.tail.port)", "the-end", "--json", "--since", "0", "--count", "\(count)", "--timeout", "120s"])
        // Let events flow through, then kill the middle relay hard and bring it back on its port.
        try await eventually("the tail client to receive events") { onTail.stdout.split(separator: "\n").count >= 20 }
        chain.middle.process.signal(SIGKILL)
        _ = try await chain.middle.process.waitForExit()
        try await Task.sleep(for: .milliseconds(500))
        let restarted = try await ServiceProcess([
            "-no-produce", "-buffer", "100000", "-serve-address", "127.0.0.1:\(chain.middle.port)", "-serve-path", "proxy-events",
            "-consume-address", "127.0.0.1:\(chain.head.port)", "-consume-path", "events",
        ])
        #expect(try await onTail.waitForExit(timeout: 150) == 0, "\(onTail.stderr)")
        let ids = try JSONEvent.parseLines(onTail.stdout).compactMap(\.id)
        #expect(ids == Array(1...UInt64(count)), "holes or duplicates: \(ids)")
        // The tail had to reconnect to get them all; its log line may trail the last event.
        try await chain.tail.process.waitForLog("upstream is back", timeout: 30)
        _ = restarted
    }
}
