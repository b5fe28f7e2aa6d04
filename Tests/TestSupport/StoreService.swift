import Foundation
import WSEventCore

/// `wsevent-service` instances on a store, as the store's end-to-end tests run them: a hub
/// fed by POST (token `t`), kept in a test database.
public enum StoreService {
    public static let token = "t"

    public struct StreamHealth: Decodable, Sendable {
        public var path: String
        public var epoch: String
        public var last_id: UInt64
        public var source: String
        public var subscribers: Int
    }

    public struct StoreHealth: Decodable, Sendable {
        public var state: String
        /// Absent for a store without a schema (a JetStream log).
        public var schema_version: Int?
        public var last_error: String?
    }

    public struct Health: Decodable, Sendable {
        public var status: String
        public var streams: [StreamHealth]
        public var store: StoreHealth?

        public var events: StreamHealth? { streams.first { $0.path == "/events" } }
    }

    /// A publish a test needed taken that was not.
    public struct PublishRefused: Error, CustomStringConvertible {
        public var description: String
    }

    public struct Published: Decodable, Sendable {
        public var id: UInt64
        public var epoch: String
    }

    /// Starts an instance on `store` (a `-store` URL), on `port` (0: any), and waits until it
    /// serves the stream from the store.
    public static func start(store: String, port: Int = 0, _ extra: [String] = []) async throws -> ServiceProcess {
        let service = try await ServiceProcess(
            ["-serve-address", "127.0.0.1:\(port)", "-no-produce", "-publish-token", token, "-store", store] + extra
        )
        try await eventually("the instance on port \(service.port) to serve /events from the store", timeout: 60) {
            let health = try? await Self.health(service.port)
            return health?.events?.source == "store" && health?.store?.state == "connected"
        }
        return service
    }

    public static func health(_ port: Int) async throws -> Health {
        let reply = try await HTTPExchange.send(port: port, "GET", "/healthz")
        return try JSONDecoder().decode(Health.self, from: Data(reply.body.utf8))
    }

    /// POSTs `text`; the status and, for a 200, the id and epoch.
    public static func publish(_ text: String, port: Int, path: String = "/events") async throws -> (status: Int, published: Published?) {
        let reply = try await HTTPExchange.send(
            port: port,
            "POST",
            path,
            headers: ["Authorization": "Bearer \(token)", "Content-Type": "text/plain"],
            body: Array(text.utf8)
        )
        let published = reply.status == 200 ? try JSONDecoder().decode(Published.self, from: Data(reply.body.utf8)) : nil
        return (reply.status, published)
    }

    /// POSTs `text` until one is answered 200 (the store or broker behind the instance is back),
    /// for at most `timeout` seconds; returns its id.
    public static func publishOnceTaken(_ text: String, port: Int, timeout: Double) async throws -> UInt64 {
        try await withTimeout(timeout, "publishes to be taken again") {
            while true {
                if let published = try await publish(text, port: port).published { return published.id }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    /// POSTs `"\(prefix) N"` for each N from `acknowledged.count + 1` to `total`, adding each
    /// answered id to `acknowledged`; throws at a publish not answered 200.
    public static func publishUpTo(_ total: Int, prefix: String, port: Int, acknowledged: inout [UInt64]) async throws {
        while acknowledged.count < total {
            let n = acknowledged.count + 1
            let (status, published) = try await publish("\(prefix) \(n)", port: port)
            guard let published else { throw PublishRefused(description: "publish \(n) to port \(port) was answered \(status), not 200") }
            acknowledged.append(published.id)
        }
    }

    /// What ``publishThroughAnOutage(port:stop:start:isLost:)`` saw.
    public struct Outage: Sendable {
        /// The ids answered, in the order published: 20 before the outage, 20 after.
        public var acknowledged: [UInt64]
        /// The answer to a POST while the backend was down.
        public var refused: HTTPExchange
        /// A subscriber from id 0 there all along, exited after 40 events (or its timeout).
        public var client: ManagedProcess
        public var clientStatus: Int32
    }

    /// The outage a durable stream's backend (the PostgreSQL store, a JetStream log) must come
    /// through: a subscriber from id 0 on `port`, 20 publishes (`up N`), `stop` the backend, one
    /// POST while `isLost` is not yet known to hold, wait until `/healthz` `isLost`, `start` it,
    /// publish until one is taken, then up to 40 (`back N`). The test asserts what it expects.
    public static func publishThroughAnOutage(
        port: Int,
        stop: () async throws -> Void,
        start: () async throws -> Void,
        isLost: @escaping @Sendable () async throws -> Bool
    ) async throws -> Outage {
        let total = 40
        let client = try Self.client(port: port, count: total, ["--since", "0"])
        try await eventually("the subscriber", timeout: 30) { (try? await Self.health(port).events?.subscribers) == 1 }
        var acknowledged: [UInt64] = []
        try await publishUpTo(20, prefix: "up", port: port, acknowledged: &acknowledged)
        try await stop()
        let refused = try await HTTPExchange.send(
            port: port, "POST", "/events",
            headers: ["Authorization": "Bearer \(token)", "Content-Type": "text/plain"], body: Array("down".utf8)
        )
        try await eventually("/healthz to show the backend lost", timeout: 30, isLost)
        try await start()
        acknowledged.append(try await publishOnceTaken("back 21", port: port, timeout: 90))
        try await publishUpTo(total, prefix: "back", port: port, acknowledged: &acknowledged)
        let status = try await client.waitForExit(timeout: 90)
        return Outage(acknowledged: acknowledged, refused: refused, client: client, clientStatus: status)
    }

    /// `wsclient --json` on `port`'s /events (a query may follow the path), exiting after
    /// `count` events.
    public static func client(port: Int, count: Int, _ extra: [String] = [], query: String = "") throws -> ManagedProcess {
        try ManagedProcess(
            Binaries.client,
            ["ws://127.0.0.1:\(port)/events\(query)", "--json", "--count", "\(count)", "--timeout", "150s"] + extra
        )
    }
}
