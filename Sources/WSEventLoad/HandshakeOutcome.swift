import NIOCore

/// How one subscriber's subscription went: completed once, by whichever comes first of the
/// server's answer, an error and the connection's end.
final class HandshakeOutcome {
    enum Failure: Error, Sendable {
        /// Not upgraded: the status code, or what went wrong instead.
        case refused(String)
    }

    private let promise: EventLoopPromise<Void>
    private var completed = false

    init(promise: EventLoopPromise<Void>) {
        self.promise = promise
    }

    var futureResult: EventLoopFuture<Void> { promise.futureResult }

    func succeed() {
        guard !completed else { return }
        completed = true
        promise.succeed(())
    }

    func fail(_ failure: Failure) {
        guard !completed else { return }
        completed = true
        promise.fail(failure)
    }
}
