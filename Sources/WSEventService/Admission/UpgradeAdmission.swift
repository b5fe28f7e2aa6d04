import NIOConcurrencyHelpers

/// A WebSocket request's admission, carried on its channel from the upgrader's decision to
/// whatever acts on it: the upgraded pipeline takes an admitted subscription, the HTTP handler
/// answers a refused one. So the checks run once per upgrade request.
final class UpgradeAdmission: Sendable {
    private let outcome = NIOLockedValueBox<Result<AdmittedSubscription, Refusal>?>(nil)

    func put(_ result: Result<AdmittedSubscription, Refusal>) {
        outcome.withLockedValue { $0 = result }
    }

    /// The outcome, once; `nil` when the upgrader never asked (the request's WebSocket headers
    /// were invalid).
    func take() -> Result<AdmittedSubscription, Refusal>? {
        outcome.withLockedValue { outcome in
            defer { outcome = nil }
            return outcome
        }
    }
}
