import NIOCore

/// Where one HTTP server connection stands between requests and responses, and so which of the
/// ``HTTPTimeouts`` runs, if any. Pure value logic: ``RequestTimeoutHandler`` feeds it what
/// passes through the pipeline and acts on what ``expire(at:)`` returns.
///
/// No timer runs while the application holds a complete request or writes a response: an SSE
/// response never ends, and a subscription is never timed out here.
package struct RequestPhase: Sendable, Equatable {
    package enum State: Sendable, Equatable {
        /// No request yet. `idle`: a keep-alive connection between requests, not a byte seen.
        case awaitingHead(deadline: NIODeadline, idle: Bool)
        /// A head arrived and its body has not ended. `answered`: its response is complete.
        case readingBody(deadline: NIODeadline, answered: Bool)
        /// The request is complete; the application has not started its response.
        case handling
        /// A response is going out. `requestEnded`: the request's body has ended too.
        case responding(requestEnded: Bool)
    }

    /// What to do when the deadline passes.
    package enum Expiry: Sendable, Equatable {
        case none
        /// Answer 408 Request Timeout, then close.
        case requestTimeout
        /// Close without a word: no request is waiting for an answer.
        case close
    }

    package let timeouts: HTTPTimeouts
    package private(set) var state: State

    /// A new connection: its first head is due within the header timeout.
    package init(timeouts: HTTPTimeouts, now: NIODeadline) {
        self.timeouts = timeouts
        self.state = .awaitingHead(deadline: now + TimeAmount(timeouts.header), idle: false)
    }

    /// When the running timeout expires; `nil` when none runs.
    package var deadline: NIODeadline? {
        switch state {
        case .awaitingHead(let deadline, _), .readingBody(let deadline, _): deadline
        case .handling, .responding: nil
        }
    }

    /// Bytes arrived (a read completed). The first bytes after an idle spell start a request:
    /// its head is due within the header timeout.
    package mutating func bytesArrived(at now: NIODeadline) {
        if case .awaitingHead(_, idle: true) = state {
            state = .awaitingHead(deadline: now + TimeAmount(timeouts.header), idle: false)
        }
    }

    package mutating func headReceived(at now: NIODeadline) {
        state = .readingBody(deadline: now + TimeAmount(timeouts.bodyOrHeader), answered: false)
    }

    package mutating func endReceived(at now: NIODeadline) {
        switch state {
        case .readingBody(_, answered: false): state = .handling
        case .readingBody(_, answered: true): state = .awaitingHead(deadline: now + TimeAmount(timeouts.idle), idle: true)
        case .responding: state = .responding(requestEnded: true)
        case .awaitingHead, .handling: break
        }
    }

    /// A final (not informational) response head went out.
    package mutating func responseStarted() {
        switch state {
        case .readingBody(_, answered: false): state = .responding(requestEnded: false)
        case .readingBody(_, answered: true), .responding: break
        case .awaitingHead, .handling: state = .responding(requestEnded: true)
        }
    }

    /// A response's end went out: the next request may come, within the idle timeout, or the
    /// rest of this one's body within the body timeout.
    package mutating func responseEnded(at now: NIODeadline) {
        guard case .responding(let requestEnded) = state else { return }
        state =
            requestEnded
            ? .awaitingHead(deadline: now + TimeAmount(timeouts.idle), idle: true)
            : .readingBody(deadline: now + TimeAmount(timeouts.bodyOrHeader), answered: true)
    }

    /// What the timer firing at `now` means; a deadline moved since it was set means nothing.
    package func expire(at now: NIODeadline) -> Expiry {
        guard let deadline, now >= deadline else { return .none }
        switch state {
        case .awaitingHead(_, idle: true), .readingBody(_, answered: true): return .close
        case .awaitingHead(_, idle: false), .readingBody(_, answered: false): return .requestTimeout
        case .handling, .responding: return .none
        }
    }
}
