import Foundation
import Testing

import TestSupport
import WSEventCore

/// JWTs over real connections: every kind of key, every way a token can be wrong, for a
/// WebSocket subscribe, an SSE subscribe and a publish; status, body and challenge each time.
@Suite struct JWTAccessIntegrationTests {
    struct Case: CustomStringConvertible {
        var name: String
        var token: String
        var target = "/rooms/1"
        /// The status for a subscribe (101 over WebSocket, 200 over SSE, when let in) and for
        /// a publish.
        var allowed: Bool
        var status = 401
        var body = "the token is not valid here\n"
        var challenge = #"Bearer error="invalid_token""#
        var description: String { name }
    }

    static func cases(_ keys: TestJWTKeys, _ signer: TestJWTKeys.Signer) async throws -> [Case] {
        let grants = (subscribe: ["/rooms/*"], publish: ["/rooms/*"])
        let good = try await keys.token(signer, subscribe: grants.subscribe, publish: grants.publish)
        let expired = "the token expired: get a fresh one\n"
        let expiredChallenge = #"Bearer error="invalid_token", error_description="the token expired""#
        return [
            Case(name: "good", token: good, allowed: true),
            Case(name: "alg none", token: TestJWTKeys.unsigned(header: #"{"alg":"none","typ":"JWT"}"#, payload: TestJWTKeys.goodPayload(subscribe: grants.subscribe, publish: grants.publish)), allowed: false),
            Case(name: "a wrong key", token: try await keys.token(signer, subscribe: grants.subscribe, publish: grants.publish, stranger: true), allowed: false),
            Case(name: "a wrong aud", token: try await keys.token(signer, subscribe: grants.subscribe, publish: grants.publish, audience: "other"), allowed: false),
            Case(name: "a wrong iss", token: try await keys.token(signer, subscribe: grants.subscribe, publish: grants.publish, issuer: "https://other.test"), allowed: false),
            Case(name: "expired", token: try await keys.token(signer, subscribe: grants.subscribe, publish: grants.publish, expiresIn: -30), allowed: false, body: expired, challenge: expiredChallenge),
            Case(name: "nbf ahead", token: try await keys.token(signer, subscribe: grants.subscribe, publish: grants.publish, notBefore: 600), allowed: false),
            Case(name: "no grant", token: try await keys.token(signer, subscribe: ["/other"], publish: ["/other"]), allowed: false, status: 403, body: "", challenge: #"Bearer error="insufficient_scope""#),
            // Patterns: `*` is one segment; `%2F` decodes to a `/`, a segment more.
            Case(name: "a star is one segment", token: good, target: "/rooms/1/more", allowed: false, status: 403, body: "", challenge: #"Bearer error="insufficient_scope""#),
            Case(name: "%2F is a slash", token: good, target: "/rooms/a%2Fb", allowed: false, status: 403, body: "", challenge: #"Bearer error="insufficient_scope""#),
            Case(name: "a trailing slash", token: good, target: "/rooms/", allowed: false, status: 403, body: "", challenge: #"Bearer error="insufficient_scope""#),
            Case(name: "an encoded star segment", token: good, target: "/rooms/%2A", allowed: true),
        ]
    }

    @Test(arguments: TestJWTKeys.Signer.allCases)
    func theMatrix(_ signer: TestJWTKeys.Signer) async throws {
        let keys = try await TestJWTKeys()
        try await withEventServer({
            $0.jwt = keys.settings()
            $0.createStreams = true
        }) { server in
            for testCase in try await Self.cases(keys, signer) {
                for transport in AccessProbe.Transport.allCases {
                    let answer = try await AccessProbe.answer(port: server.port, transport, testCase.target, headers: ["Authorization": "Bearer \(testCase.token)"])
                    let what = "\(signer), \(testCase), \(transport)"
                    if testCase.allowed {
                        let status = switch transport {
                        case .webSocket: 101
                        case .sse, .publish: 200
                        }
                        #expect(answer.status == status, "\(what): \(answer.body)")
                        if transport == .publish { #expect(answer.body.hasPrefix(#"{"id":"#), "\(what)") }
                        continue
                    }
                    #expect(answer.status == testCase.status, "\(what): \(answer.body)")
                    #expect(answer.header("WWW-Authenticate") == testCase.challenge, "\(what)")
                    let action = transport == .publish ? "publish" : "subscribe"
                    let path = RequestTarget(testCase.target).path
                    let body = testCase.status == 403 ? "the token does not grant \(action) on \(path)\n" : testCase.body
                    #expect(answer.body == body, "\(what)")
                    #expect(!answer.body.contains(testCase.token), "\(what): the token is never echoed")
                }
            }
        }
    }

    @Test func theTokenComesFromTheHeaderTheCookieOrTheQueryWhenAllowed() async throws {
        let keys = try await TestJWTKeys()
        let token = try await keys.token(.es256, subscribe: ["/events"])
        try await withEventServer({ $0.jwt = keys.settings(cookie: "wsevent_token") }) { server in
            for transport in [AccessProbe.Transport.webSocket, .sse] {
                let viaCookie = try await AccessProbe.answer(port: server.port, transport, "/events", headers: ["Cookie": "theme=dark; wsevent_token=\(token)"])
                #expect(viaCookie.status == (transport == .webSocket ? 101 : 200), "\(transport): \(viaCookie.body)")
                let viaQuery = try await AccessProbe.answer(port: server.port, transport, "/events?token=\(token)")
                #expect(viaQuery.status == 401, "\(transport): the query is off by default")
                #expect(viaQuery.body.hasPrefix("subscribing needs a token: Authorization: Bearer TOKEN, or the cookie wsevent_token"))
                let none = try await AccessProbe.answer(port: server.port, transport, "/events")
                #expect(none.status == 401)
                #expect(none.header("WWW-Authenticate") == "Bearer")
            }
        }
        try await withEventServer({ $0.jwt = keys.settings(queryToken: true) }) { server in
            let viaQuery = try await AccessProbe.answer(port: server.port, .sse, "/events?token=\(token)")
            #expect(viaQuery.status == 200)
        }
    }

    @Test func theStaticPublishTokenStillWorksBesideJWTAndAHubNeedsNone() async throws {
        let keys = try await TestJWTKeys()
        try await withEventServer({
            $0.jwt = keys.settings()
            $0.publishToken = "operator"
        }) { server in
            let byOperator = try await AccessProbe.answer(port: server.port, .publish, "/events", headers: ["Authorization": "Bearer operator"])
            #expect(byOperator.status == 200)
            let byUser = try await AccessProbe.answer(port: server.port, .publish, "/events", headers: ["Authorization": "Bearer \(try await keys.token(.hs256, publish: ["/events"]))"])
            #expect(byUser.status == 200)
            let nobody = try await AccessProbe.answer(port: server.port, .publish, "/events")
            #expect(nobody.status == 401)
            let metrics = try await HTTPExchange.send(port: server.port, "GET", "/metrics")
            #expect(metrics.body.contains(#"wsevent_refusals_total{reason="invalid_token"} 1"#), "\(metrics.body)")
        }
    }

    /// A `..` segment, sent as is or %-encoded, names no stream and matches no grant, not even
    /// `/**`: a subscribe hears 404 (the path is checked first), a publish 403.
    @Test func aDotDotPathIsNeverGranted() async throws {
        let keys = try await TestJWTKeys()
        let token = try await keys.token(.rs256, subscribe: ["/**"], publish: ["/**"])
        try await withEventServer({
            $0.jwt = keys.settings()
            $0.createStreams = true
        }) { server in
            for target in ["/rooms/../events", "/rooms/%2E%2E/events", "/rooms/..", "/.."] {
                for transport in AccessProbe.Transport.allCases {
                    let answer = try await AccessProbe.answer(port: server.port, transport, target, headers: ["Authorization": "Bearer \(token)"])
                    let path = RequestTarget(target).path
                    if transport == .publish {
                        #expect(answer.status == 403, "\(target) \(transport): \(answer.body)")
                        #expect(answer.body == "the token does not grant publish on \(path)\n")
                    } else {
                        #expect(answer.status == 404, "\(target) \(transport): \(answer.body)")
                    }
                }
            }
            #expect(server.registry.all.map(\.path) == ["/events"], "nothing was opened")
            // The same token reaches an ordinary path.
            #expect(try await AccessProbe.answer(port: server.port, .sse, "/rooms/1", headers: ["Authorization": "Bearer \(token)"]).status == 200)
        }
    }

    /// Whatever a client sends as a token: 401, and the server serves the next client.
    @Test func garbageTokensGet401AndTheServerGoesOn() async throws {
        let keys = try await TestJWTKeys()
        try await withEventServer({ $0.jwt = keys.settings() }) { server in
            var random = SystemRandomNumberGenerator()
            for round in 0..<200 {
                let length = Int.random(in: 1...2000, using: &random)
                let garbage = String((0..<length).map { _ in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.".randomElement(using: &random)! })
                let transport = AccessProbe.Transport.allCases[round % 3]
                let answer = try await AccessProbe.answer(port: server.port, transport, "/events", headers: ["Authorization": "Bearer \(garbage)"])
                #expect(answer.status == 401, "round \(round)")
            }
            // Nested and oversized JSON, as large as a request head carries.
            let b64 = { (text: String) in Data(text.utf8).base64URL }
            let payload = TestJWTKeys.goodPayload(subscribe: ["/events"])
            let nested = [
                b64(#"{"alg":"HS256","x":"# + String(repeating: "[", count: 1900) + String(repeating: "]", count: 1900) + "}") + "." + b64(payload) + ".AAAA",
                b64(#"{"alg":"HS256"}"#) + "." + b64(String(repeating: #"{"a":"#, count: 3000) + "1" + String(repeating: "}", count: 3000)) + ".AAAA",
                b64(#"{"alg":"HS256","x":""# + String(repeating: "a", count: 12_000) + #""}"#) + "." + b64(payload) + ".AAAA",
                String(repeating: "A", count: JWTKeySet.maxTokenBytes + 1),
            ]
            for (index, token) in nested.enumerated() {
                for transport in AccessProbe.Transport.allCases {
                    let answer = try await AccessProbe.answer(port: server.port, transport, "/events", headers: ["Authorization": "Bearer \(token)"])
                    #expect(answer.status == 401, "nested case \(index), \(transport)")
                    #expect(answer.header("WWW-Authenticate") == #"Bearer error="invalid_token""#)
                }
            }
            let good = try await AccessProbe.answer(port: server.port, .sse, "/events", headers: ["Authorization": "Bearer \(try await keys.token(.hs256, subscribe: ["/events"]))"])
            #expect(good.status == 200)
        }
    }
}
