import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import WSEventService
import WSEventCore

/// The checks of a subscribe in order, and what a subscription that passed them all does.
@Suite struct SubscribeAdmissionTests {
    @Test func theChecksRunInTheirDocumentedOrder() {
        #expect(
            SubscribeAdmission.checks.map(\.name) == [
                "stream exists", "method", "origin", "well-formed query", "subscribe token", "stream ready", "resume point", "consumer name",
                "subscribes",
            ]
        )
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
