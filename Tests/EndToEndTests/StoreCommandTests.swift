import Foundation
import TestSupport
import Testing
import WSEventCore

/// The store's command-line side with the built binary: an unreachable store, and the reset
/// command.
@Suite(.timeLimit(.minutes(3)))
struct StoreCommandTests {
    @Test func aStoreNeverReachedRefusesWith503AndSaysSoOnHealthz() async throws {
        let closed = try RawSocketPortProbe.freePort()
        let service = try await ServiceProcess([
            "-serve-address", "127.0.0.1:0", "-no-produce", "-publish-token", "t",
            "-store", "postgres://wsevent:secret@127.0.0.1:\(closed)/wsevent",
        ])
        let health = try await HTTPExchange.send(port: service.port, "GET", "/healthz")
        #expect(health.status == 503)
        #expect(health.body.contains("\"reason\":\"/events has not reached its store yet: "), "the reason says why: \(health.body)")
        #expect(health.body.contains("postgres://wsevent:***@127.0.0.1:\(closed)/wsevent"), "the password is never shown: \(health.body)")
        #expect(!health.body.contains("secret"))
        let publish = try await StoreService.publish("x", port: service.port)
        #expect(publish.status == 503)
        let subscribe = try await HTTPExchange.send(port: service.port, "GET", "/events", headers: ["Accept": "text/event-stream"])
        #expect(subscribe.status == 503)
        #expect(subscribe.body.contains("store that has not been reached yet"), "\(subscribe.body)")
    }

    @Test(.enabled(if: TestStore.enabled, Comment(rawValue: TestStore.skipReason)))
    func theResetCommandStartsANewEpochThatARunningReplicaFollows() async throws {
        let database = try await TestStore.freshDatabase()
        let replica = try await StoreService.start(store: database.urlString)
        for n in 1...3 { _ = try await StoreService.publish("old \(n)", port: replica.port) }
        let old = try #require(try await StoreService.health(replica.port).events?.epoch)
        let reset = try ManagedProcess(Binaries.service, ["-store", database.urlString, "-store-reset"])
        #expect(try await reset.waitForExit(timeout: 60) == 0, "\(reset.stderr)")
        #expect(reset.stdout.hasPrefix("reset /events in postgres://postgres:***@"), "\(reset.stdout)")
        try await eventually("the replica to follow the new epoch", timeout: 20) {
            (try? await StoreService.health(replica.port).events?.epoch).map { $0 != old } ?? false
        }
        #expect(try await StoreService.publish("new", port: replica.port).published?.id == 1)

        let missing = try ManagedProcess(Binaries.service, ["-store", database.urlString, "-serve-path", "nothing", "-store-reset"])
        #expect(try await missing.waitForExit(timeout: 60) == 1)
        #expect(missing.stderr.contains("the store has no stream at /nothing"), "\(missing.stderr)")
    }
}
