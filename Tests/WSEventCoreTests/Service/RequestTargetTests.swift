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
        func status(_ method: HTTPMethod, _ uri: String) -> HTTPResponseStatus? {
            let head = HTTPRequestHead(version: .http1_1, method: method, uri: uri)
            if case .failure(let refusal) = SubscribeRequest.check(head, registry: registry) { return refusal.status }
            return nil
        }
        #expect(status(.GET, "/events") == nil)
        #expect(status(.GET, "/events?since=3&epoch=abc") == nil)
        #expect(status(.GET, "/nope") == .notFound)
        #expect(status(.DELETE, "/events") == .methodNotAllowed)
        #expect(status(.GET, "/relay") == .serviceUnavailable)
        #expect(status(.GET, "/events?since=abc") == .badRequest)
        #expect(status(.GET, "/events?since=1&epoch=a.b") == .badRequest)
    }
}
