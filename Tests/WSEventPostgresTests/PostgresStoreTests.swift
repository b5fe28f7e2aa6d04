import Foundation
import NIOCore
import NIOPosix
import TestSupport
import Testing
import WSEventCore
import WSEventPostgres

/// The store on a real PostgreSQL (scripts/test starts one): schema, replicas sharing ids
/// and epoch, restart, reset, history, retention, consumer cursors.
@Suite(.enabled(if: TestStore.enabled, Comment(rawValue: TestStore.skipReason)), .timeLimit(.minutes(3)))
struct PostgresStoreTests {
    @Test func theSchemaIsCreatedOnFirstStartAndVersioned() async throws {
        let database = try await TestStore.freshDatabase()
        let first = try await StoreReplica(database)
        let second = try await StoreReplica(database)
        #expect(first.store.status.schemaVersion == 1)
        #expect(second.store.status.schemaVersion == 1)
        let rows = try await database.query("SELECT version::text, description FROM wsevent_schema_migrations ORDER BY version")
        #expect(rows == [["1", "streams, events, consumers"]])
        #expect(try await database.integer("SELECT count(*)::text FROM wsevent_streams WHERE path = '/events'") == 1)
    }

    @Test func replicasOnOneDatabaseServeOneStreamEveryEventOnceInOrder() async throws {
        let database = try await TestStore.freshDatabase()
        let a = try await StoreReplica(database)
        let b = try await StoreReplica(database)
        #expect(a.stream.status.epoch == b.stream.status.epoch)
        let count = 300
        let onA = a.collect(count)
        let onB = b.collect(count)
        // Concurrent publishers on both replicas: ids come from the database, gapless.
        let acknowledged = try await withThrowingTaskGroup(of: [UInt64].self) { group in
            for publisher in 0..<6 {
                group.addTask {
                    var ids: [UInt64] = []
                    for n in 0..<(count / 6) {
                        let replica = (publisher + n) % 2 == 0 ? a : b
                        ids.append(try await replica.publish("p\(publisher)-\(n)").id)
                    }
                    return ids
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(acknowledged.sorted() == Array(1...UInt64(count)))
        #expect(try await onA.value == Array(1...UInt64(count)))
        #expect(try await onB.value == Array(1...UInt64(count)))
        // Group commit: fewer transactions than events under concurrency is not asserted (it
        // depends on timing); every event is in the table once.
        #expect(try await database.integer("SELECT count(*)::text FROM wsevent_events") == Int64(count))
    }

    @Test func aRestartedReplicaKeepsTheEpochAndContinuesTheIds() async throws {
        let database = try await TestStore.freshDatabase()
        let first = try await StoreReplica(database)
        let epoch = first.stream.status.epoch
        for n in 1...5 { try await first.publish("before \(n)") }
        await first.stop()
        let again = try await StoreReplica(database)
        #expect(again.stream.status.epoch == epoch)
        #expect(again.stream.status.lastID == 5)
        let published = try await again.publish("after")
        #expect(published.id == 6)
        #expect(published.epoch == epoch)
    }

    @Test func historyIsReadByIdRangeAndPrunedPastTheRetention() async throws {
        let database = try await TestStore.freshDatabase()
        let replica = try await StoreReplica(database) { configuration in
            configuration.retention = Retention(count: 10)
            configuration.pruneInterval = .milliseconds(100)
        }
        for n in 1...30 { try await replica.publish("event \(n)") }
        let log = try #require(replica.stream.durableLog)
        let epoch = replica.stream.status.epoch
        // Only the newest 10 remain once pruning ran.
        try await eventually("pruning to keep 10 events", timeout: 20) {
            try await database.integer("SELECT min(id)::text FROM wsevent_events") == 21
        }
        let history = try await log.events(after: 0, through: 30, epoch: epoch, limit: 100, maxBytes: .max)
        #expect(history.map(\.id) == Array(21...30))
        #expect(history.first.map { String(buffer: $0.payload) } == "event 21")
        #expect(try await log.events(after: 0, through: 30, epoch: Epoch.random(), limit: 100, maxBytes: .max).isEmpty)
    }

    /// A read asks for at most so many payload bytes (but always the first event), so a reader
    /// of a long history of large events holds a page, not the history; a replica that follows
    /// another by reading pages cut short by bytes still gets every event, in order.
    @Test func readsAreBoundedByBytesAndAFollowerReadsOnPastACutPage() async throws {
        let database = try await TestStore.freshDatabase()
        let a = try await StoreReplica(database)
        // b reads what a commits from the table, 2500 bytes at a time: pages of 3 events of 1000.
        let b = try await StoreReplica(database) { $0.maxBatchBytes = 2500 }
        let onB = b.collect(30)
        let payload = String(repeating: "p", count: 1000)
        // At once, so commits go in groups and b learns of several ids per notification.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 1...30 { group.addTask { try await a.publish(payload) } }
            try await group.waitForAll()
        }
        #expect(try await onB.value == Array(1...30))
        let log = try #require(a.stream.durableLog)
        let epoch = a.stream.status.epoch
        #expect(try await log.events(after: 0, through: 30, epoch: epoch, limit: 100, maxBytes: 2500).map(\.id) == [1, 2, 3])
        #expect(try await log.events(after: 10, through: 30, epoch: epoch, limit: 100, maxBytes: 1).map(\.id) == [11])
        #expect(try await log.events(after: 10, through: 30, epoch: epoch, limit: 2, maxBytes: .max).map(\.id) == [11, 12])
    }

    /// A replica reads what other replicas committed only while its stream's event loops keep
    /// up: held back, it waits before the next event instead of piling them up in memory.
    @Test func aFollowerReadsOnlyWhileItsStreamHasRoom() async throws {
        let database = try await TestStore.freshDatabase()
        let a = try await StoreReplica(database)
        // Every event fills b's queue: the next waits until the loop has written it.
        let b = try await StoreReplica(database, maxQueuedBytes: 1)
        try await withOwnEventLoops { group in
            let loop = group.next()
            let subscription = b.stream.updates(on: loop)
            try await eventually("the subscriber to join") { b.stream.status.subscribers == 1 }
            let hold = DispatchSemaphore(value: 0)
            defer { hold.signal() }  // on every path: the loop group must shut down
            loop.execute { hold.wait() }
            for n in 1...5 { try await a.publish("e\(n)") }
            try await eventually("b's follower to wait for room") { b.stream.waitingForRoom == 1 }
            #expect(b.stream.status.lastID < 5, "it waits before taking them all")
            hold.signal()
            try await eventually("b to take the rest") { b.stream.status.lastID == 5 }
            withExtendedLifetime(subscription) {}
        }
    }

    @Test func aResetStartsANewEpochThatRunningReplicasFollow() async throws {
        let database = try await TestStore.freshDatabase()
        let replica = try await StoreReplica(database)
        for n in 1...3 { try await replica.publish("old \(n)") }
        let old = replica.stream.status.epoch
        let epoch = try await PostgresStore.resetStream(path: "/events", url: database.url)
        #expect(epoch != old)
        try await eventually("the replica to follow the new epoch") { replica.stream.status.epoch == epoch }
        #expect(try await replica.publish("new").id == 1)
        await #expect(throws: PostgresStoreError.self) {
            _ = try await PostgresStore.resetStream(path: "/nothing-here", url: database.url)
        }
    }

    @Test func aConsumerNameIsHeldByOneConnectionAndKeepsItsPosition() async throws {
        let database = try await TestStore.freshDatabase()
        let a = try await StoreReplica(database)
        let b = try await StoreReplica(database)
        for n in 1...4 { try await a.publish("e\(n)") }
        guard case .claimed(let lease) = try await a.positions.claim(path: "/events", name: "billing") else {
            Issue.record("a new name is free")
            return
        }
        #expect(lease.resume == nil)
        // The same name elsewhere, while held: busy, on either replica.
        guard case .busy = try await b.positions.claim(path: "/events", name: "billing") else {
            Issue.record("a held name must be busy on another replica")
            return
        }
        lease.written(3)
        lease.release()
        let epoch = a.stream.status.epoch
        try await eventually("the name to be free again with position 3") {
            guard case .claimed(let again) = try await b.positions.claim(path: "/events", name: "billing") else { return false }
            defer { again.release() }
            return again.resume == ResumePoint(since: 3, epoch: epoch)
        }
    }

    @Test func consumerPositionsExpireAfterTheTTL() async throws {
        let database = try await TestStore.freshDatabase()
        let replica = try await StoreReplica(database) { configuration in
            configuration.consumerTTL = .seconds(1)
        }
        guard case .claimed(let lease) = try await replica.positions.claim(path: "/events", name: "gone") else {
            Issue.record("a new name is free")
            return
        }
        lease.written(0)
        lease.release()
        try await eventually("the position to be dropped after the TTL", timeout: 20) {
            try await database.integer("SELECT count(*)::text FROM wsevent_consumers") == 0
        }
    }
}
