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
        public var schema_version: Int
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

    /// `wsclient --json` on `port`'s /events (a query may follow the path), exiting after
    /// `count` events.
    public static func client(port: Int, count: Int, _ extra: [String] = [], query: String = "") throws -> ManagedProcess {
        try ManagedProcess(
            Binaries.client,
            ["ws://127.0.0.1:\(port)/events\(query)", "--json", "--count", "\(count)", "--timeout", "150s"] + extra
        )
    }
}
