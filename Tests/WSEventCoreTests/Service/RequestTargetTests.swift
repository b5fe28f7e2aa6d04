import NIOHTTP1
import Testing

@testable import WSEventCore

@Suite struct RequestTargetTests {
    @Test func splitsPathAndDecodesQuery() {
        let target = RequestTarget("/events?since=5&epoch=ab%2Dc&flag&x=a+b")
        #expect(target.path == "/events")
        #expect(target.query["since"] == "5")
        #expect(target.query["epoch"] == "ab-c")
        #expect(target.query["flag"] == "")
        #expect(target.query["x"] == "a b")
    }

    @Test func subscribeRequestsAreChecked() {
        let registry = StreamRegistry([EventStream(path: "/events"), EventStream(path: "/relay", source: .awaitingUpstream)])
        var configuration = ServiceConfiguration()
        configuration.subscribeToken = "tok"
        let context = ServiceContext(registry: registry, configuration: configuration, upstreams: UpstreamLinks())
        func status(_ method: HTTPMethod, _ uri: String, _ headers: HTTPHeaders = ["Authorization": "Bearer tok"]) -> HTTPResponseStatus? {
            let head = HTTPRequestHead(version: .http1_1, method: method, uri: uri, headers: headers)
            if case .failure(let refusal) = SubscribeRequest.check(head, context: context) { return refusal.status }
            return nil
        }
        #expect(status(.GET, "/events") == nil)
        #expect(status(.GET, "/events?since=3&epoch=abc") == nil)
        #expect(status(.GET, "/nope") == .notFound)
        #expect(status(.DELETE, "/events") == .methodNotAllowed)
        #expect(status(.GET, "/relay") == .serviceUnavailable)
        #expect(status(.GET, "/events?since=abc") == .badRequest)
        #expect(status(.GET, "/events?since=1&epoch=a.b") == .badRequest)
        #expect(status(.GET, "/events", [:]) == .unauthorized)
        #expect(status(.GET, "/events?token=tok", [:]) == nil)
        #expect(status(.GET, "/events?token=bad", [:]) == .unauthorized)
        #expect(status(.GET, "/events", ["Authorization": "Bearer tok", "Origin": "http://evil", "Host": "h"]) == .forbidden)
        #expect(status(.GET, "/events", ["Authorization": "Bearer tok", "Last-Event-ID": "x.y"]) == .badRequest)
    }
}
