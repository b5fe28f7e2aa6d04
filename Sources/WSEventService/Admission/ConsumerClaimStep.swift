import NIOCore
import WSEventStorage

/// Claims a named consumer (`?consumer=NAME`) for one connection, the last step of admitting
/// its subscription: the lease (the consumer's position, and the name held until the
/// connection closes), or the refusal.
enum ConsumerClaimStep {
    /// Claims `name` on the stream at `path`; the lease is released when `channel` closes
    /// (at once if it has closed already). `409` for a name in use elsewhere, `503` while the
    /// store cannot be reached.
    static func claim(
        _ name: String,
        on path: String,
        in positions: any ConsumerPositions,
        channel: any Channel
    ) -> EventLoopFuture<Result<any ConsumerLease, Refusal>> {
        channel.eventLoop.makeFutureWithTask {
            do {
                switch try await positions.claim(path: path, name: name) {
                case .claimed(let lease):
                    channel.closeFuture.whenComplete { _ in lease.release() }
                    return .success(lease)
                case .busy:
                    return .failure(
                        Refusal(status: .conflict, message: "consumer '\(name)' is connected already: one connection per consumer name")
                    )
                }
            } catch {
                return .failure(.storeUnavailable(error, doing: "consumer '\(name)' cannot be looked up"))
            }
        }
    }
}
