import NIOConcurrencyHelpers
import NIOCore
import WSEventStore

/// A named consumer's claim, decided before a connection becomes a subscription: the lease
/// (its position and the name, held until the connection closes), or the refusal (`409` for a
/// name in use elsewhere, `503` while the store cannot be reached).
///
/// A WebSocket's claim is made while the upgrade is decided, and a refused one is answered by
/// the HTTP handler: this box carries the outcome from the one to the other, on one channel.
final class ConsumerClaimBox: Sendable {
    private let outcome = NIOLockedValueBox<Result<ConsumerLease, Refusal>?>(nil)

    func put(_ result: Result<ConsumerLease, Refusal>) {
        outcome.withLockedValue { $0 = result }
    }

    /// The outcome, once.
    func take() -> Result<ConsumerLease, Refusal>? {
        outcome.withLockedValue { outcome in
            defer { outcome = nil }
            return outcome
        }
    }
}

extension SubscribeRequest {
    /// Claims ``consumer`` in the store; succeeds with `nil` for a request without one.
    func claimConsumer(context: ServiceContext, on eventLoop: any EventLoop) -> EventLoopFuture<Result<ConsumerLease?, Refusal>> {
        guard let consumer, let store = context.store else { return eventLoop.makeSucceededFuture(.success(nil)) }
        let path = stream.path
        return eventLoop.makeFutureWithTask {
            do {
                switch try await store.cursors.claim(path: path, name: consumer) {
                case .claimed(let lease):
                    return .success(lease)
                case .busy:
                    return .failure(
                        Refusal(status: .conflict, message: "consumer '\(consumer)' is connected already: one connection per consumer name")
                    )
                }
            } catch {
                return .failure(.storeUnavailable(error, doing: "consumer '\(consumer)' cannot be looked up"))
            }
        }
    }
}
