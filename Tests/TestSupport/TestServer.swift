import Logging
import NIOCore
import NIOPosix
import WSEventCore

/// Runs an in-process ``EventServer`` on 127.0.0.1 with a free port for the duration of `body`,
/// then shuts it down (subscribers get 1001).
///
/// - Parameter group: the event loops to serve on; by default the process-wide ones, which
///   every in-process test shares (a test whose timing matters brings its own).
public func withEventServer<T: Sendable>(
    group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
    _ configure: (inout ServiceConfiguration) -> Void = { _ in },
    _ body: @Sendable (EventServer) async throws -> T
) async throws -> T {
    let (server, running) = try await startEventServer(group: group, configure)
    do {
        let result = try await body(server)
        running.cancel()
        _ = try? await running.value
        return result
    } catch {
        running.cancel()
        _ = try? await running.value
        throw error
    }
}

/// Binds an in-process ``EventServer`` on 127.0.0.1 with a free port, quiet logs and otherwise the
/// library's defaults (a hub: no producer, no demo page),
/// and runs it; cancel the task to shut it down (as a test of shutdown does itself).
public func startEventServer(
    group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
    _ configure: (inout ServiceConfiguration) -> Void = { _ in }
) async throws -> (server: EventServer, running: Task<Void, any Error>) {
    var configuration = ServiceConfiguration()
    configuration.serveHost = "127.0.0.1"
    configuration.servePort = 0
    configure(&configuration)
    var logger = Logger(label: "test-server")
    logger.logLevel = .warning
    let server = try await EventServer.bind(configuration: configuration, group: group, logger: logger)
    return (server, Task { try await server.run() })
}

extension EventServer {
    /// The stream's URL with a query.
    public func url(query: String = "") -> WebSocketURL {
        var url = self.url
        url.query = query
        return url
    }

    /// The URL of another stream on this server.
    public func url(path: String, query: String = "") -> WebSocketURL {
        var url = self.url
        url.path = path
        url.query = query
        return url
    }

    /// Publishes `count` text events `"<prefix><i>"` at the origin.
    public func publish(_ count: Int, prefix: String = "event ") throws {
        for i in 0..<count {
            try stream.publish(kind: .text, payload: ByteBuffer(string: "\(prefix)\(i)"))
        }
    }
}
