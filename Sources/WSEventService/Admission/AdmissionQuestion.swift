import NIOCore

/// A step of an admission that waits for an answer from elsewhere (the backend hook,
/// `-authorize-url`). It runs once, after every ``AdmissionStep`` has passed (so a request
/// refused anyway costs the other side nothing) and before anything is opened or claimed (so a
/// request it refuses has changed nothing). Like a step it refuses, or passes with what the
/// answer said noted on the request for what follows.
struct AdmissionQuestion<Request: Sendable>: Sendable {
    /// What the step asks, for tests and logs.
    let name: String
    /// The answer for `request`, completed on the channel's event loop; `nil` when there is
    /// nothing to ask for it (the step passes at once, without a hop).
    let ask: @Sendable (Request, ServiceContext, any Channel) -> EventLoopFuture<Result<Request, Refusal>>?

    init(_ name: String, _ ask: @escaping @Sendable (Request, ServiceContext, any Channel) -> EventLoopFuture<Result<Request, Refusal>>?) {
        self.name = name
        self.ask = ask
    }
}
