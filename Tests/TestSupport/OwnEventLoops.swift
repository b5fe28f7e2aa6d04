import NIOCore
import NIOPosix

/// Runs `body` with an event loop group of its own, shut down after.
///
/// In-process tests share the process-wide loops. A test that fans a burst out to many
/// subscribers holds those loops for seconds in a debug build, and a test whose timing matters
/// (keepalive) would be stalled by it: heavy tests and timing tests bring their own loops.
public func withOwnEventLoops<T: Sendable>(
    threads: Int = 1,
    _ body: @Sendable (any EventLoopGroup) async throws -> T
) async throws -> T {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
    do {
        let result = try await body(group)
        try await group.shutdownGracefully()
        return result
    } catch {
        try? await group.shutdownGracefully()
        throw error
    }
}
