import WSEventAuth

/// How a request passed the access step (``AdmissionStep/access``), and so what is still to
/// ask: the backend hook, unless the operator's own static token let it in.
enum Access: Sendable, Equatable {
    /// Not checked yet.
    case unchecked
    /// Nothing guards this action here (no token configured for it, no JWT, no hook).
    case open
    /// The static `-publish-token`/`-subscribe-token`: the operator's own key; it wins, and
    /// nothing else is asked.
    case staticToken
    /// A verified JWT that grants this action on this path.
    case token(VerifiedToken)
    /// No JWT is configured: the backend hook decides alone.
    case backend

    /// The verified token, if any.
    var token: VerifiedToken? {
        if case .token(let token) = self { return token }
        return nil
    }

    /// Whether the backend hook, when there is one, is still to be asked.
    var asksBackend: Bool {
        switch self {
        case .token, .backend: true
        case .unchecked, .open, .staticToken: false
        }
    }
}
