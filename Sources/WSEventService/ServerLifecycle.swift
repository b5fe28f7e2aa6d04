import NIOConcurrencyHelpers

/// Whether a server has begun to shut down, as `/healthz` tells it: once draining, the instance
/// no longer counts as able to serve, though connections already open are still answered.
package final class ServerLifecycle: Sendable {
    private let draining = NIOLockedValueBox(false)

    package init() {}

    /// True from the moment shutdown begins.
    package var isDraining: Bool { draining.withLockedValue { $0 } }

    /// Marks the server as draining; it never goes back.
    package func beginDraining() {
        draining.withLockedValue { $0 = true }
    }
}
