import Foundation
import NIOHTTP1
import Testing

import TestSupport
import WSEventCore
@testable import WSEventService

/// How static tokens, JWTs and the backend hook combine (docs/AUTH.md, "Which one wins"), and
/// where a request's token is read from.
@Suite struct AccessRulesTests {
    static func credentials(_ headers: HTTPHeaders, _ uri: String = "/rooms/1", cookie: String? = "wsevent_token") -> PresentedCredentials {
        PresentedCredentials(head: HTTPRequestHead(version: .http1_1, method: .GET, uri: uri, headers: headers), target: RequestTarget(uri), cookieName: cookie)
    }

    @Test func theTokenIsReadFromTheHeaderThenTheCookieThenTheQueryIfAllowed() {
        let all = Self.credentials(["Authorization": "Bearer H", "Cookie": "a=1; wsevent_token=C; b=2"], "/rooms/1?token=Q")
        #expect(all.jwt(allowsQuery: true) == "H")
        let noHeader = Self.credentials(["Cookie": "wsevent_token=C"], "/rooms/1?token=Q")
        #expect(noHeader.jwt(allowsQuery: true) == "C")
        let queryOnly = Self.credentials([:], "/rooms/1?token=Q")
        #expect(queryOnly.jwt(allowsQuery: true) == "Q")
        #expect(queryOnly.jwt(allowsQuery: false) == nil, "the query only when allowed")
        #expect(Self.credentials(["Cookie": "wsevent_token=C"], cookie: nil).jwt(allowsQuery: false) == nil, "no cookie named: none read")
    }

    @Test func cookiesAreParsedAsBrowsersSendThem() {
        let cookie = { (headers: [String]) in PresentedCredentials.cookie(named: "t", in: headers) }
        #expect(cookie(["t=abc"]) == "abc")
        #expect(cookie(["x=1;t=abc;y=2"]) == "abc")
        #expect(cookie(["x=1", "t=abc"]) == "abc", "several Cookie headers")
        #expect(cookie(["t=\"abc\""]) == "abc")
        #expect(cookie(["tt=abc; t2=x"]) == nil, "names compare whole")
        #expect(cookie(["t="]) == nil)
        #expect(cookie(["t=a=b"]) == "a=b")
    }

    @Test func theStaticTokenWinsThenTheJWTThenTheBackend() async throws {
        let keys = try await TestJWTKeys()
        let verifier = try await JWTVerifier(settings: keys.settings(cookie: "wsevent_token"))
        let granted = try await keys.token(.hs256, subscribe: ["/rooms/*"], publish: ["/rooms/1"])
        let ungranted = try await keys.token(.hs256, subscribe: ["/other"])
        let expired = try await keys.token(.hs256, subscribe: ["/rooms/*"], expiresIn: -5)
        func decide(
            _ action: AccessAction,
            _ headers: HTTPHeaders,
            _ uri: String = "/rooms/1",
            staticToken: String? = nil,
            jwt: Bool = true,
            hook: Bool = false
        ) -> Result<Access, Refusal> {
            AccessRules.decide(
                action,
                path: RequestTarget(uri).path,
                credentials: Self.credentials(headers, uri),
                configured: AccessRules.Configured(staticToken: staticToken, verifier: jwt ? verifier : nil, hook: hook),
                now: Date()
            )
        }
        func status(_ result: Result<Access, Refusal>) -> Int? {
            if case .failure(let refusal) = result { return Int(refusal.status.code) }
            return nil
        }
        // The static token: in, nothing else asked (not the JWT, not the backend).
        #expect(try decide(.publish, ["Authorization": "Bearer S"], staticToken: "S", hook: true).get() == .staticToken)
        #expect(try decide(.subscribe, [:], "/rooms/1?token=S", staticToken: "S", hook: true).get() == .staticToken)
        // Else the JWT: valid and granted, then the backend is still asked.
        let access = try decide(.subscribe, ["Authorization": "Bearer \(granted)"], staticToken: "S", hook: true).get()
        #expect(access.token != nil && access.asksBackend)
        #expect(try decide(.subscribe, ["Cookie": "wsevent_token=\(granted)"]).get().token != nil)
        #expect(status(decide(.publish, ["Authorization": "Bearer \(granted)"], "/rooms/2")) == 403)
        #expect(status(decide(.subscribe, ["Authorization": "Bearer \(ungranted)"])) == 403)
        #expect(status(decide(.subscribe, ["Authorization": "Bearer \(expired)"])) == 401)
        #expect(status(decide(.subscribe, ["Authorization": "Bearer junk"])) == 401)
        #expect(status(decide(.subscribe, [:], hook: true)) == 401, "with JWT on, the backend alone does not let in a request with no token")
        // Without JWT: the backend decides alone.
        #expect(try decide(.publish, [:], jwt: false, hook: true).get() == .backend)
        #expect(try decide(.publish, ["Authorization": "Bearer wrong"], staticToken: "S", jwt: false, hook: true).get() == .backend)
        // Neither: the static token or nothing.
        #expect(status(decide(.publish, [:], staticToken: "S", jwt: false)) == 401)
        #expect(status(decide(.publish, [:], jwt: false)) == 403)
        #expect(try decide(.subscribe, [:], jwt: false).get() == .open)
    }

    /// The 401 for a request with no token names the places this server reads one from for
    /// that action: the static subscribe token may come as `?token=`, the publish token not.
    @Test func aMissingTokenIsToldWhereTokensGo() async throws {
        let keys = try await TestJWTKeys()
        let verifier = try await JWTVerifier(settings: keys.settings(cookie: "wsevent_token"))
        func message(_ action: AccessAction, staticToken: String?) -> String? {
            let decided = AccessRules.decide(
                action,
                path: "/rooms/1",
                credentials: PresentedCredentials(),
                configured: AccessRules.Configured(staticToken: staticToken, verifier: verifier, hook: false),
                now: Date()
            )
            guard case .failure(let refusal) = decided else { return nil }
            return refusal.message
        }
        #expect(message(.subscribe, staticToken: nil) == "subscribing needs a token: Authorization: Bearer TOKEN, or the cookie wsevent_token")
        #expect(message(.subscribe, staticToken: "S") == "subscribing needs a token: Authorization: Bearer TOKEN, or the cookie wsevent_token, or ?token=TOKEN")
        #expect(message(.publish, staticToken: "P") == "publishing needs a token: Authorization: Bearer TOKEN, or the cookie wsevent_token")
    }

    @Test func theAnswersSayWhatRFC6750Asks() async throws {
        let keys = try await TestJWTKeys()
        let verifier = try await JWTVerifier(settings: keys.settings())
        let expired = try await keys.token(.rs256, subscribe: ["/rooms/*"], expiresIn: -5)
        let ungranted = try await keys.token(.rs256, subscribe: ["/other"])
        let decide = { (token: String) in
            AccessRules.decide(
                .subscribe,
                path: "/rooms/1",
                credentials: PresentedCredentials(bearer: token),
                configured: AccessRules.Configured(verifier: verifier, hook: false),
                now: Date()
            )
        }
        guard case .failure(let invalid) = decide("a.b.c"), case .failure(let late) = decide(expired), case .failure(let scope) = decide(ungranted) else {
            Issue.record("a bad token was let in")
            return
        }
        #expect(invalid.headers.first(name: "WWW-Authenticate") == #"Bearer error="invalid_token""#)
        #expect(invalid.message == "the token is not valid here")
        #expect(invalid.reason == .invalidToken)
        #expect(invalid.logReason == "the header is not base64url JSON")
        #expect(late.headers.first(name: "WWW-Authenticate") == #"Bearer error="invalid_token", error_description="the token expired""#)
        #expect(late.reason == .expired)
        #expect(scope.status == .forbidden)
        #expect(scope.headers.first(name: "WWW-Authenticate") == #"Bearer error="insufficient_scope""#)
        #expect(scope.message == "the token does not grant subscribe on /rooms/1")
        #expect(scope.reason == .insufficientScope)
        for refusal in [invalid, late, scope] {
            #expect(!refusal.message.contains(expired) && !(refusal.logReason ?? "").contains(expired), "never the token")
        }
    }
}
