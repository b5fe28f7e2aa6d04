import WSEventAuth

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Who may subscribe and publish, as one decision over what the server has configured and
/// what the request presents. How the three kinds of authorization combine (docs/AUTH.md,
/// "Which one wins"):
///
/// 1. the static token of the action (`-publish-token`, `-subscribe-token`), when presented,
///    lets the request in and nothing else is asked: it is the operator's own key;
/// 2. else, with JWT on, the request must carry a valid token (401) that grants the action on
///    the path (403);
/// 3. then the backend hook, when there is one, is asked too (after the other checks, see
///    ``BackendCheck``): it may only refuse or narrow what the token allowed;
/// 4. with neither JWT nor a hook, a configured static token not presented is 401, a publish
///    with nothing configured is 403 (publishing is off), a subscribe is open.
enum AccessRules {
    struct Configured: Sendable {
        var staticToken: String?
        var verifier: JWTVerifier?
        var hook: Bool
    }

    static func decide(
        _ action: AccessAction,
        path: String,
        credentials: PresentedCredentials,
        configured: Configured,
        now: Date
    ) -> Result<Access, Refusal> {
        if let staticToken = configured.staticToken {
            // The static tokens keep their sources: a subscribe token may also come as ?token=.
            let presented = credentials.bearer ?? (action == .subscribe ? credentials.query : nil)
            if BearerToken.matches(presented, staticToken) { return .success(.staticToken) }
        }
        if let verifier = configured.verifier {
            let settings = verifier.settings
            guard let token = credentials.jwt(allowsQuery: settings.allowsQueryToken) else {
                // The static subscribe token may come as ?token=; the publish token may not.
                let staticQuery = action == .subscribe && configured.staticToken != nil
                return .failure(.missingToken(action, sources: sources(settings, staticQuery: staticQuery)))
            }
            switch verifier.verify(Substring(token), now: now) {
            case .failure(let rejection):
                return .failure(.invalidToken(rejection))
            case .success(let verified):
                guard verified.grants.allows(action, on: path) else { return .failure(.insufficientScope(action, path: path)) }
                return .success(.token(verified))
            }
        }
        if configured.hook { return .success(.backend) }
        if configured.staticToken != nil {
            return .failure(
                .unauthorized(
                    action == .subscribe
                        ? "subscribing needs the subscribe token: Authorization: Bearer TOKEN, or ?token=TOKEN"
                        : "publishing needs Authorization: Bearer <the -publish-token>"
                )
            )
        }
        guard action == .subscribe else {
            return .failure(
                Refusal(
                    status: .forbidden,
                    message:
                        "publishing is off: start the server with -publish-token TOKEN (or WSEVENT_PUBLISH_TOKEN) and send Authorization: Bearer TOKEN, or authorize publishers with -jwt-key-file or -authorize-url",
                    reason: .token
                )
            )
        }
        return .success(.open)
    }

    /// Where a token may come from, for the 401 that says none came.
    private static func sources(_ settings: JWTSettings, staticQuery: Bool) -> String {
        var places = ["Authorization: Bearer TOKEN"]
        if let cookie = settings.cookieName { places.append("the cookie \(cookie)") }
        if settings.allowsQueryToken || staticQuery { places.append("?token=TOKEN") }
        return places.joined(separator: ", or ")
    }
}

/// The check subscribes and publishes share: who may do this here (``AccessRules``).
extension AdmissionStep where Request: CheckedRequest {
    /// The static token, the JWT and its grant (401, 403); notes how the request got in.
    static var access: Self {
        Self("access") { request, context in
            let configuration = context.configuration
            let action = request.action
            let credentials = PresentedCredentials(head: request.head, target: request.target, cookieName: configuration.jwt?.cookieName)
            let configured = AccessRules.Configured(
                staticToken: action == .subscribe ? configuration.subscribeToken : configuration.publishToken,
                verifier: context.authorization.verifier,
                hook: context.authorization.hook != nil
            )
            switch AccessRules.decide(action, path: request.target.path, credentials: credentials, configured: configured, now: context.authorization.now()) {
            case .success(let access):
                request.access = access
                return nil
            case .failure(let refusal):
                return refusal
            }
        }
    }
}
