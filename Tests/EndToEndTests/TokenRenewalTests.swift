import Foundation
import Testing

import TestSupport

/// `wsclient --token-file` across a token's expiry, with the built binaries: the server closes
/// the subscription at `exp` (WebSocket 4401, SSE ended), wsclient reads the file again (which
/// the test rewrote meanwhile, as a renewal would), reconnects with the new token and resumes:
/// ids stay consecutive while events flow at 50/s.
@Suite struct TokenRenewalTests {
    /// When the file is rewritten.
    enum Renewal: String, CaseIterable, CustomStringConvertible {
        /// Before the first token ends: the reconnect after the expiry finds the new token.
        case beforeTheExpiry
        /// Only once a reconnect with the expired token was refused (401), which wsclient with a
        /// token file retries: the retry after the rewrite gets in.
        case afterARefusal

        var description: String { rawValue }
    }

    @Test(arguments: ["ws", "sse"], Renewal.allCases)
    func wsclientRenewsFromItsFileAndLosesNothing(_ transport: String, renewal: Renewal) async throws {
        let keys = try await TestJWTKeys()
        let hub = try await ServiceProcess([
            "-no-produce", "-publish-token", "P", "-serve-address", "127.0.0.1:0",
            "-jwt-key-file", keys.hsSecretFile, "-jwt-audience", TestJWTKeys.audience, "-jwt-issuer", TestJWTKeys.issuer,
        ])
        let port = hub.port
        let tokenFile = keys.directory.appendingPathComponent("client.jwt")
        try Data(try await keys.token(.hs256, subscribe: ["/events"], expiresIn: 2).utf8).write(to: tokenFile)
        let count = 150
        let scheme = transport == "ws" ? "ws" : "http"
        let client = try ManagedProcess(Binaries.client, ["\(scheme)://127.0.0.1:\(port)/events", "--json", "--count", "\(count)", "--token-file", tokenFile.path])
        let subscribed: @Sendable () async throws -> Bool = {
            try await HTTPExchange.send(port: port, "GET", "/healthz").body.contains(#""subscribers":1"#)
        }
        let renew: @Sendable () async throws -> Void = {
            try Data(try await keys.token(.hs256, subscribe: ["/events"], expiresIn: 600).utf8).write(to: tokenFile, options: .atomic)
        }
        try await eventually("wsclient subscribed, or refused", timeout: 60) {
            try await subscribed() || hub.process.stderr.contains("refused subscribe with 401")
        }
        // On a machine too loaded for wsclient to get in within the first token's two seconds,
        // it is refused with it: renewed now, it gets in with the next (and what follows tests
        // the renewal after a refusal only).
        let firstTokenGotIn = !hub.process.stderr.contains("refused subscribe with 401")
        if !firstTokenGotIn {
            try await renew()
            try await eventually("wsclient subscribed with the renewed token", timeout: 60) { try await subscribed() }
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            if renewal == .afterARefusal {
                group.addTask {
                    try await hub.process.waitForLog("refused subscribe with 401")
                    try await renew()
                }
            }
            // 50 events a second, by the clock: each publish at its own instant, however long
            // the ones before it took.
            let start = ContinuousClock.now
            for index in 1...count {
                try await Task.sleep(until: start + .milliseconds(20 * (index - 1)))
                let answer = try await HTTPExchange.send(
                    port: port, "POST", "/events", headers: ["Authorization": "Bearer P", "Content-Type": "text/plain"], body: Array("event \(index)".utf8)
                )
                #expect(answer.status == 200)
                if renewal == .beforeTheExpiry, index == 25 { try await renew() }
            }
            try await group.waitForAll()
        }
        #expect(try await client.waitForExit() == 0, "\(client.stderr)")
        let events = try JSONEvent.parseLines(client.stdout)
        #expect(events.map(\.id) == Array(1...UInt64(count)), "\(client.stderr)")
        // It did go through an expiry: the server ended the first subscription.
        if firstTokenGotIn {
            let ended = transport == "ws" ? "closed by the server with code 4401" : "the server ended the event stream"
            #expect(client.stderr.contains(ended), "\(client.stderr)")
            #expect(client.stderr.contains("reconnected"), "\(client.stderr)")
        }
    }

    @Test func aRelayPresentsItsTokenFileUpstream() async throws {
        let keys = try await TestJWTKeys()
        let origin = try await ServiceProcess([
            "-interval", "20ms", "-serve-address", "127.0.0.1:0",
            "-jwt-key-file", keys.ecPublicFile, "-jwt-audience", TestJWTKeys.audience, "-jwt-issuer", TestJWTKeys.issuer,
        ])
        let tokenFile = keys.directory.appendingPathComponent("relay.jwt")
        try Data(try await keys.token(.es256, subscribe: ["/events"], expiresIn: 2).utf8).write(to: tokenFile)
        let relay = try await ServiceProcess([
            "-no-produce", "-serve-address", "127.0.0.1:0", "-consume", "127.0.0.1:\(origin.port)/events", "-consume-token-file", tokenFile.path,
        ])
        // The renewal comes once the relay is in with the first token, or (on a machine too
        // loaded for it to get in within two seconds) once the origin refused it as expired.
        try await eventually("the relay reached its upstream, or was refused", timeout: 60) {
            let health = try await HTTPExchange.send(port: relay.port, "GET", "/healthz")
            return health.status == 200 || origin.process.stderr.contains("refused subscribe with 401")
        }
        let refusedFirst = origin.process.stderr.contains("refused subscribe with 401")
        try Data(try await keys.token(.es256, subscribe: ["/events"], expiresIn: 600).utf8).write(to: tokenFile, options: .atomic)
        // Across the first token's expiry the relay reconnects with the new one and mirrors on.
        let client = try ManagedProcess(Binaries.client, ["\(relay.port)", "events", "--json", "--count", "150"])
        #expect(try await client.waitForExit() == 0, "\(client.stderr)")
        let ids = try JSONEvent.parseLines(client.stdout).compactMap(\.id)
        #expect(ids == Array(ids[0]..<(ids[0] + 150)), "consecutive through the relay")
        if !refusedFirst {
            #expect(try await relay.process.waitForLog("closed by the server with code 4401").contains("4401"))
        }
    }
}
