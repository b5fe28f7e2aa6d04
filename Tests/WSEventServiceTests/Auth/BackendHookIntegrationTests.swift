import Foundation
import NIOCore
import Testing

import TestSupport
import WSEventCore

/// `-authorize-url` against a real HTTP server the test runs: what the backend is asked, and
/// what its answers (and its silence) mean for WebSocket and SSE subscribers and publishers.
@Suite struct BackendHookIntegrationTests {
    /// A server asking `backend`. The default timeout is far above any answer's delay here, so
    /// that a backend meant to answer is not taken for a silent one on a loaded machine; the
    /// slow backend's test sets a short one.
    static func withHookedServer<T: Sendable>(
        _ backend: TestAuthBackend,
        timeout: Duration = .seconds(30),
        _ configure: @escaping @Sendable (inout ServiceConfiguration) -> Void = { _ in },
        _ body: @Sendable (EventServer) async throws -> T
    ) async throws -> T {
        let url = backend.url
        return try await withEventServer({
            $0.authorizeHook = HookSettings(url: url, timeout: timeout)
            $0.createStreams = true
            configure(&$0)
        }, body)
    }

    @Test func aYesLetsEveryKindOfRequestInAndTheBackendIsToldWhatItNeeds() async throws {
        let backend = try await TestAuthBackend.start(always: .init(status: 200))
        try await Self.withHookedServer(backend) { server in
            let headers = ["Authorization": "Bearer user-42", "Cookie": "session=s1", "X-Other": "not forwarded"]
            for transport in AccessProbe.Transport.allCases {
                let answer = try await AccessProbe.answer(port: server.port, transport, "/rooms/7?since=0", headers: headers)
                #expect(answer.status == (transport == .webSocket ? 101 : 200), "\(transport): \(answer.body)")
            }
            let questions = backend.decodedQuestions
            #expect(questions.map { $0["action"] as? String } == ["subscribe", "subscribe", "publish"])
            let first = try #require(questions.first)
            #expect(first["path"] as? String == "/rooms/7")
            #expect(first["since"] as? Int == 0)
            #expect(first["remote_address"] as? String == "127.0.0.1")
            #expect(first["headers"] as? [String: String] == ["authorization": "Bearer user-42", "cookie": "session=s1"])
            #expect(questions.last?["since"] is NSNull, "a publish has no resume point")
        }
        await backend.stop()
    }

    @Test func aNoIsPassedOnWithTheBackendsLine() async throws {
        let backend = try await TestAuthBackend.start { question in
            let user = (question["headers"] as? [String: String])?["authorization"]
            return user == "Bearer stranger" ? .init(status: 401, body: "who are you?\n") : .init(status: 403, body: "not your room\n")
        }
        try await Self.withHookedServer(backend) { server in
            for transport in AccessProbe.Transport.allCases {
                let unknown = try await AccessProbe.answer(port: server.port, transport, "/rooms/7", headers: ["Authorization": "Bearer stranger"])
                #expect(unknown.status == 401, "\(transport)")
                #expect(unknown.body == "who are you?\n")
                let known = try await AccessProbe.answer(port: server.port, transport, "/rooms/7", headers: ["Authorization": "Bearer user-42"])
                #expect(known.status == 403, "\(transport)")
                #expect(known.body == "not your room\n")
            }
            #expect(server.registry.stream(at: "/rooms/7") == nil, "a refused request opened nothing")
            let metrics = try await HTTPExchange.send(port: server.port, "GET", "/metrics")
            #expect(metrics.body.contains(#"wsevent_refusals_total{reason="denied"} 6"#), "\(metrics.body)")
            #expect(metrics.body.contains(#"wsevent_authorize_duration_seconds_count{outcome="denied"} 6"#), "\(metrics.body)")
        }
        await backend.stop()
    }

    @Test func aSlowBackendIs503NeverAnOpenDoor() async throws {
        let backend = try await TestAuthBackend.start(always: .init(status: 200, delay: .seconds(5)))
        try await Self.withHookedServer(backend, timeout: .milliseconds(300)) { server in
            for transport in AccessProbe.Transport.allCases {
                let answer = try await AccessProbe.answer(port: server.port, transport, "/rooms/7", headers: ["Authorization": "Bearer user-42"])
                #expect(answer.status == 503, "\(transport)")
                #expect(answer.header("Retry-After") == "1")
                #expect(answer.body == "the authorization backend did not answer; retry shortly\n")
            }
            let metrics = try await HTTPExchange.send(port: server.port, "GET", "/metrics")
            #expect(metrics.body.contains(#"wsevent_refusals_total{reason="unavailable"} 3"#), "\(metrics.body)")
        }
        await backend.stop()
    }

    @Test func aBackendThatIsDownOrAnswersOtherwiseIs503() async throws {
        // A port nothing listens on: bind one, note it, close it.
        let gone = try await TestAuthBackend.start(always: .init())
        let url = gone.url
        await gone.stop()
        try await withEventServer({
            $0.authorizeHook = HookSettings(url: url)
            $0.createStreams = true
        }) { server in
            for transport in AccessProbe.Transport.allCases {
                let answer = try await AccessProbe.answer(port: server.port, transport, "/rooms/7")
                #expect(answer.status == 503, "\(transport): \(answer.body)")
            }
        }
        let broken = try await TestAuthBackend.start(always: .init(status: 500, body: "oops"))
        try await Self.withHookedServer(broken) { server in
            let answer = try await AccessProbe.answer(port: server.port, .sse, "/rooms/7")
            #expect(answer.status == 503)
        }
        await broken.stop()
    }

    /// An `https://` hook is verified: against `-tls-ca`'s file it answers; against the
    /// system's roots, which do not know its CA, it cannot be asked, and that is a 503.
    @Test func anHTTPSBackendIsVerified() async throws {
        let certificates = try await TestCertificates()
        let backend = try await TestAuthBackend.start(tls: certificates, always: .init(status: 200))
        #expect(backend.url.hasPrefix("https://"))
        let url = backend.url
        try await withEventServer({
            $0.authorizeHook = HookSettings(url: url, timeout: .seconds(30), caFile: certificates.caFile)
            $0.createStreams = true
        }) { server in
            let answer = try await AccessProbe.answer(port: server.port, .sse, "/rooms/7")
            #expect(answer.status == 200, "\(answer.body)")
        }
        // The client tries to connect again until the deadline: a short one.
        try await Self.withHookedServer(backend, timeout: .seconds(2)) { server in
            let answer = try await AccessProbe.answer(port: server.port, .sse, "/rooms/7")
            #expect(answer.status == 503, "an unverified backend is no open door")
        }
        #expect(backend.questions.count == 1, "only the verified connection got to ask")
        await backend.stop()
    }

    @Test func aHundredReconnectsCostOneCallWithinMaxAge() async throws {
        // An hour: however slowly a loaded machine makes the hundred, they are within it.
        let backend = try await TestAuthBackend.start(always: .init(status: 200, headers: ["Cache-Control": "max-age=3600"]))
        try await Self.withHookedServer(backend) { server in
            for round in 0..<100 {
                let transport: AccessProbe.Transport = round % 2 == 0 ? .sse : .webSocket
                let answer = try await AccessProbe.answer(port: server.port, transport, "/rooms/7?since=\(round)", headers: ["Authorization": "Bearer user-42"])
                #expect(answer.status == (transport == .webSocket ? 101 : 200), "round \(round)")
            }
            #expect(backend.questions.count == 1)
            #expect(server.backendCalls == 1)
            // Another credential, or another path, is another question.
            _ = try await AccessProbe.answer(port: server.port, .sse, "/rooms/7", headers: ["Authorization": "Bearer user-43"])
            _ = try await AccessProbe.answer(port: server.port, .sse, "/rooms/8", headers: ["Authorization": "Bearer user-42"])
            #expect(backend.questions.count == 3)
        }
        await backend.stop()
    }

    @Test func aStormOfOneCredentialAsksOnce() async throws {
        let backend = try await TestAuthBackend.start(always: .init(status: 200, headers: ["Cache-Control": "max-age=60"], delay: .milliseconds(200)))
        try await Self.withHookedServer(backend) { server in
            try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<30 {
                    group.addTask {
                        try await AccessProbe.answer(port: server.port, .sse, "/rooms/7", headers: ["Authorization": "Bearer user-42"]).status
                    }
                }
                for try await status in group { #expect(status == 200) }
            }
            #expect(backend.questions.count == 1)
        }
        await backend.stop()
    }

    @Test func withJWTTheBackendIsAskedAfterTheTokenAndMayStillRefuse() async throws {
        let keys = try await TestJWTKeys()
        let backend = try await TestAuthBackend.start { question in
            question["subject"] as? String == "banned" ? .init(status: 403, body: "banned\n") : .init(status: 200)
        }
        try await Self.withHookedServer(backend, { $0.jwt = keys.settings() }) { server in
            let fine = try await keys.token(.hs256, subscribe: ["/rooms/*"])
            let banned = try await keys.token(.hs256, subscribe: ["/rooms/*"], subject: "banned")
            let ungranted = try await keys.token(.hs256, subscribe: ["/other"])
            #expect(try await AccessProbe.answer(port: server.port, .sse, "/rooms/1", headers: ["Authorization": "Bearer \(fine)"]).status == 200)
            #expect(try await AccessProbe.answer(port: server.port, .sse, "/rooms/1", headers: ["Authorization": "Bearer \(banned)"]).status == 403)
            #expect(try await AccessProbe.answer(port: server.port, .sse, "/rooms/1", headers: ["Authorization": "Bearer \(ungranted)"]).status == 403)
            #expect(try await AccessProbe.answer(port: server.port, .sse, "/rooms/1").status == 401)
            #expect(backend.questions.count == 2, "a request the token refused costs the backend nothing")
        }
        await backend.stop()
    }

    @Test func aPublishWaitingFor100ContinueHearsItOnlyOnceTheBackendSaidYes() async throws {
        let backend = try await TestAuthBackend.start { question in
            (question["path"] as? String) == "/open" ? .init(status: 200, delay: .milliseconds(100)) : .init(status: 403, body: "no\n", delay: .milliseconds(100))
        }
        try await Self.withHookedServer(backend) { server in
            for (path, expected) in [("/open", 100), ("/closed", 403)] {
                let socket = try RawSocket(port: server.port)
                try await socket.send(
                    "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"
                )
                let (head, rest) = try await socket.receiveHTTPHead()
                #expect(head.hasPrefix("HTTP/1.1 \(expected)"), "\(path): \(head)")
                guard expected == 100 else { continue }
                try await socket.send("hello")
                let answer = try await HTTPExchange.receive(on: socket, after: rest)
                #expect(answer.status == 200)
                #expect(answer.body.hasPrefix(#"{"id":1,"#))
            }
        }
        await backend.stop()
    }

    @Test func aBodyThatArrivesWhileTheBackendThinksIsPublishedOnceItSaysYes() async throws {
        let backend = try await TestAuthBackend.start(always: .init(status: 200, delay: .milliseconds(200)))
        try await Self.withHookedServer(backend) { server in
            let sse = try await SSETestClient(port: server.port, "/rooms/1")
            let answer = try await HTTPExchange.send(
                port: server.port, "POST", "/rooms/1", headers: ["Content-Type": "text/plain"], body: Array("early body\n".utf8)
            )
            #expect(answer.status == 200)
            #expect(try await sse.next(1).map(\.data) == ["early body\n"])
        }
        await backend.stop()
    }

    @Test func theBackendMayDenyHistoryAndSetAnExpiry() async throws {
        let backend = try await TestAuthBackend.start { question in
            (question["action"] as? String) == "publish"
                ? .init(status: 200)
                : .init(status: 200, headers: ["Content-Type": "application/json"], body: #"{"history": false, "expires_in": 15}"#)
        }
        try await Self.withHookedServer(backend) { server in
            for text in ["one", "two"] {
                #expect(try await HTTPExchange.send(port: server.port, "POST", "/rooms/1", headers: ["Content-Type": "text/plain"], body: Array(text.utf8)).status == 200)
            }
            // since=0 asks for both; the backend said no history: only what comes after.
            let socket = try RawSocket(port: server.port)
            let (head, rest) = try await socket.upgrade("/rooms/1?since=0", protocols: ["wsevent.v1"])
            #expect(head.hasPrefix("HTTP/1.1 101"))
            // The greeting comes once the subscriber has joined: what is published after it, it gets.
            let greeting = await socket.receiveFrames(after: rest) { $0.opcode == 1 }
            #expect(greeting.map { String(decoding: $0.payload, as: UTF8.self).hasPrefix("hello ") } == [true])
            #expect(try await HTTPExchange.send(port: server.port, "POST", "/rooms/1", headers: ["Content-Type": "text/plain"], body: Array("three".utf8)).status == 200)
            // ... and at the expiry the server closes with 4401.
            let frames = await socket.receiveFramesUntilClose()
            let texts = frames.filter { $0.opcode == 1 }.map { String(decoding: $0.payload, as: UTF8.self) }
            #expect(texts == ["3\nthree"], "\(texts)")
            #expect(frames.last?.closeCode == 4401)
        }
        await backend.stop()
    }
}
