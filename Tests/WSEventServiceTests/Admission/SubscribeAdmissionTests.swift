import Logging
import NIOCore
import NIOEmbedded
import NIOHTTP1
import NIOPosix
import Testing

@testable import WSEventService
import WSEventCore

/// The checks of a subscribe in order, and what a subscription that passed them all does.
@Suite struct SubscribeAdmissionTests {
    @Test func theChecksRunInTheirDocumentedOrder() {
        #expect(
            SubscribeAdmission.checks.map(\.name) == [
                "stream exists", "method", "origin", "well-formed query", "access", "stream ready", "resume point", "consumer name",
                "subscribes",
            ]
        )
    }

    /// The backend hook is a step of both admissions, after the checks; it asks nothing (and
    /// passes without a hop) where there is no hook, or where the static token let the request in.
    @Test func theBackendHookIsTheStepAfterTheChecksAndAsksOnlyWhenItMust() async throws {
        #expect(SubscribeAdmission.question.name == "backend hook")
        #expect(PublishAdmission.question.name == "backend hook")
        let channel = EmbeddedChannel()
        let sse: HTTPHeaders = ["Accept": "text/event-stream"]
        let head = { (headers: HTTPHeaders) in HTTPRequestHead(version: .http1_1, method: .GET, uri: "/events", headers: headers) }
        let open = SubscribeChecksTests.context()
        #expect(SubscribeAdmission.question.ask(try SubscribeAdmission.check(head(sse), context: open).get(), open, channel) == nil)

        var hooked = SubscribeChecksTests.context { $0.subscribeToken = "S" }
        let hook = try AuthorizationHook(
            settings: HookSettings(url: "http://127.0.0.1:9/never-asked"),
            eventLoopGroup: MultiThreadedEventLoopGroup.singleton,
            logger: Logger(label: "test")
        )
        hooked.authorization.hook = hook
        var withToken = sse
        withToken.add(name: "Authorization", value: "Bearer S")
        let operator_ = try SubscribeAdmission.check(head(withToken), context: hooked).get()
        #expect(SubscribeAdmission.question.ask(operator_, hooked, channel) == nil, "the static token wins: the backend is not asked")
        let other = SubscribeAdmission.check(head(sse), context: hooked)
        #expect(other.failure?.status == nil, "with a hook, the hook decides instead of the static token's 401")
        #expect(hook.backendCalls == 0, "the checks alone ask nothing")
        await hook.shutdown()
    }

    /// The first refusal wins: an unknown path is 404 whatever else is wrong with it.
    @Test func theFirstRefusalIsTheAnswer() {
        let context = SubscribeChecksTests.context { $0.subscribeToken = "tok" }
        func status(_ method: HTTPMethod, _ uri: String, _ headers: HTTPHeaders) -> HTTPResponseStatus? {
            let head = HTTPRequestHead(version: .http1_1, method: method, uri: uri, headers: headers)
            if case .failure(let refusal) = SubscribeAdmission.check(head, context: context) { return refusal.status }
            return nil
        }
        #expect(status(.POST, "/nope?since=x", [:]) == .notFound)
        #expect(status(.DELETE, "/events?since=x", [:]) == .methodNotAllowed)
        #expect(status(.GET, "/events?since=x", [:]) == .unauthorized)
        #expect(status(.GET, "/events?since=x", ["Authorization": "Bearer tok"]) == .badRequest)
        #expect(status(.GET, "/events", ["Authorization": "Bearer tok"]) == .upgradeRequired)
        #expect(status(.GET, "/events", ["Authorization": "Bearer tok", "Accept": "text/event-stream"]) == nil)
    }

    /// With `-create-streams`, a request refused by any check opens no stream; one that passes
    /// opens it, and is admitted with its resume point and CORS headers.
    @Test func onlyAnAdmittedSubscriptionOpensItsStream() throws {
        let context = SubscribeChecksTests.context { $0.createStreams = true }
        let channel = EmbeddedChannel()
        func admit(_ uri: String, _ headers: HTTPHeaders) throws -> Result<AdmittedSubscription, Refusal> {
            let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: uri, headers: headers)
            return try SubscribeAdmission.admit(head, context: context, channel: channel).wait()
        }
        let sse: HTTPHeaders = ["Accept": "text/event-stream"]
        #expect(try admit("/rooms/1?since=x", sse).failure?.status == .badRequest)
        #expect(try admit("/rooms/1", [:]).failure?.status == .upgradeRequired)
        #expect(context.registry.stream(at: "/rooms/1") == nil)
        let admitted = try admit("/rooms/1?since=0", sse).get()
        #expect(admitted.stream === context.registry.stream(at: "/rooms/1"))
        #expect(admitted.resume == ResumePoint(since: 0, epoch: nil))
        #expect(admitted.transport == .sse)
        #expect(admitted.lease == nil)
    }

    @Test func theTransportIsReadFromTheHead() {
        func transport(_ headers: HTTPHeaders) -> SubscribeRequest.Transport {
            SubscribeRequest.transport(of: HTTPRequestHead(version: .http1_1, method: .GET, uri: "/", headers: headers))
        }
        #expect(transport(["Upgrade": "websocket"]) == .webSocket(.plain))
        #expect(transport(["Upgrade": "WebSocket", "Sec-WebSocket-Protocol": "x, wsevent.v1"]) == .webSocket(.v1))
        #expect(transport(["Accept": "text/event-stream"]) == .sse)
        #expect(transport(["Upgrade": "websocket", "Accept": "text/event-stream"]) == .webSocket(.plain))
        #expect(transport([:]) == .none)
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let failure) = self { return failure }
        return nil
    }
}
