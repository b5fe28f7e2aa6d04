import NIOConcurrencyHelpers

/// Whether a server has begun to shut down, and the publishes still in flight.
///
/// `/healthz` tells the first: once draining, the instance no longer counts as able to serve,
/// though connections already open are still answered. The second lets shutdown finish the
/// publishes whose requests had begun before it closes the streams: a publish begins only
/// while not draining, both decided under one lock, so once draining the count only falls.
package final class ServerLifecycle: Sendable {
    private struct State {
        var draining = false
        var publishesInFlight = 0
    }

    private let state = NIOLockedValueBox(State())

    package init() {}

    /// True from the moment shutdown begins.
    package var isDraining: Bool { state.withLockedValue { $0.draining } }

    /// Publishes begun and not yet answered.
    package var publishesInFlight: Int { state.withLockedValue { $0.publishesInFlight } }

    /// Marks the server as draining; it never goes back.
    package func beginDraining() {
        state.withLockedValue { $0.draining = true }
    }

    /// A publish request begins; `false` once draining (refuse it: 503, retry elsewhere).
    package func beginPublish() -> Bool {
        state.withLockedValue { state in
            guard !state.draining else { return false }
            state.publishesInFlight += 1
            return true
        }
    }

    /// A publish begun with ``beginPublish()`` was answered, refused or abandoned.
    package func endPublish() {
        state.withLockedValue { $0.publishesInFlight -= 1 }
    }
}
