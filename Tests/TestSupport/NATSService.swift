import Foundation

/// `wsevent-service` instances fed by NATS, as the bridge's end-to-end tests run them, and what
/// they read of them: `/healthz` with its `store` and `sources`, a metric's value.
public enum NATSService {
    public struct Link: Decodable, Sendable {
        public var url: String
        public var state: String
        public var reconnects: Int
        public var last_error: String?
        public var ids: String?
    }

    public struct Health: Decodable, Sendable {
        public var status: String
        public var reason: String?
        public var role: String
        public var streams: [StoreService.StreamHealth]
        public var store: Link?
        public var sources: [Link]?

        public var events: StoreService.StreamHealth? { streams.first { $0.path == "/events" } }
    }

    /// `/healthz`, with its HTTP status.
    public static func health(_ port: Int) async throws -> (status: Int, health: Health) {
        let reply = try await HTTPExchange.send(port: port, "GET", "/healthz")
        return (reply.status, try JSONDecoder().decode(Health.self, from: Data(reply.body.utf8)))
    }

    /// Starts `wsevent-service` with `arguments` on 127.0.0.1 (any port unless `port`), and
    /// waits until `/healthz` answers 200 (its brokers reached) unless `waitHealthy` is false.
    public static func start(_ arguments: [String], port: Int = 0, waitHealthy: Bool = true) async throws -> ServiceProcess {
        let service = try await ServiceProcess(["-serve-address", "127.0.0.1:\(port)"] + arguments)
        if waitHealthy {
            try await eventually("the instance on port \(service.port) to reach its broker", timeout: 60) {
                (try? await Self.health(service.port).status) == 200
            }
        }
        return service
    }

    /// The sum of the samples of `metric` in `/metrics` (any labels).
    public static func metric(_ metric: String, port: Int) async throws -> Double {
        let reply = try await HTTPExchange.send(port: port, "GET", "/metrics")
        return reply.body.split(separator: "\n").filter { $0.hasPrefix(metric + "{") || $0.hasPrefix(metric + " ") }
            .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }
            .reduce(0, +)
    }

    /// Subscribers on the instances' `/events`, in all.
    public static func subscribers(_ ports: [Int]) async -> Int {
        var total = 0
        for port in ports { total += (try? await health(port).health.events?.subscribers) ?? 0 }
        return total
    }
}
