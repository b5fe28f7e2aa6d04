import NIOHTTP1
import Testing

import WSEventCore
@testable import WSEventService

@Suite struct RequestTargetTests {
    @Test func splitsPathAndDecodesQuery() {
        let target = RequestTarget("/events?since=5&epoch=ab%2Dc&flag&x=a+b")
        #expect(target.path == "/events")
        #expect(target.query["since"] == "5")
        #expect(target.query["epoch"] == "ab-c")
        #expect(target.query["flag"] == "")
        #expect(target.query["x"] == "a b")
    }

    /// `+` means a space only in a query string (HTML form encoding); in a path it is a `+`.
    @Test func aPlusInThePathStaysAPlus() {
        let target = RequestTarget("/c++/a+b?tag=c+d&plus=%2B")
        #expect(target.path == "/c++/a+b")
        #expect(target.query["tag"] == "c d")
        #expect(target.query["plus"] == "+")
        #expect(RequestTarget("/a%2Bb").path == "/a+b")
        #expect(RequestTarget("/a%20b").path == "/a b")
    }

    @Test func malformedEscapesAreReportedNotDropped() {
        let value = RequestTarget("/events?epoch=abc&since=5765%ZZ")
        #expect(value.query["epoch"] == "abc")
        #expect(value.query["since"] == nil)
        #expect(value.malformed?.description == "query parameter 'since' has a malformed %-escape: '5765%ZZ'")
        #expect(RequestTarget("/events?last_event_id=E.5765%2").malformed?.description == "query parameter 'last_event_id' has a malformed %-escape: 'E.5765%2'")
        #expect(RequestTarget("/events?token=%").malformed?.name == "token")
        #expect(RequestTarget("/events?since=%FF").malformed?.description == "query parameter 'since' is not UTF-8 once %-decoded: '%FF'")
        let name = RequestTarget("/events?si%ZZnce=5")
        #expect(name.malformed?.description == "query parameter name 'si%ZZnce' has a malformed %-escape")
        #expect(name.query.isEmpty)
        // The first bad parameter is the one reported.
        #expect(RequestTarget("/events?a=%G0&b=%ZZ").malformed?.name == "a")
        #expect(RequestTarget("/events?since=5&epoch=ab%2Dc").malformed == nil)
    }

    @Test func subscribeRequestsAreChecked() {
        let registry = StreamRegistry([WireEventStream(path: "/events"), WireEventStream(path: "/relay", source: .awaitingUpstream)])
        var configuration = ServiceConfiguration()
        configuration.subscribeToken = "tok"
        let context = ServiceContext(registry: registry, configuration: configuration, upstreams: UpstreamLinks())
        func status(_ method: HTTPMethod, _ uri: String, _ headers: HTTPHeaders = ["Authorization": "Bearer tok"]) -> HTTPResponseStatus? {
            var headers = headers
            headers.add(name: "Accept", value: "text/event-stream")
            let head = HTTPRequestHead(version: .http1_1, method: method, uri: uri, headers: headers)
            if case .failure(let refusal) = SubscribeAdmission.check(head, context: context) { return refusal.status }
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
        // A token that does not decode is a bad request, not a wrong token.
        #expect(status(.GET, "/events?token=t%ZZ", [:]) == .badRequest)
        #expect(status(.GET, "/events?last_event_id=E.5765%ZZ") == .badRequest)
        // Ids are decimal digits, in the query and in Last-Event-ID alike: a sign is refused
        // whether it comes as `%2B` or as `+` (which a query decodes to a space).
        for uri in ["/events?since=+1", "/events?since=%2B1", "/events?since=-0", "/events?since=%201", "/events?last_event_id=E.%2B1", "/events?last_event_id=%2B1"] {
            #expect(status(.GET, uri) == .badRequest, "\(uri)")
        }
        #expect(status(.GET, "/events", ["Authorization": "Bearer tok", "Last-Event-ID": "E.+1"]) == .badRequest)
        #expect(status(.GET, "/events", ["Authorization": "Bearer tok", "Last-Event-ID": "+1"]) == .badRequest)
        #expect(status(.GET, "/events?since=007") == nil)
    }

    @Test func publishRequestsRefuseAMalformedQuery() {
        var configuration = ServiceConfiguration()
        configuration.publishToken = "tok"
        let context = ServiceContext(registry: StreamRegistry([WireEventStream(path: "/events")]), configuration: configuration, upstreams: UpstreamLinks())
        let head = HTTPRequestHead(version: .http1_1, method: .POST, uri: "/events?x=%ZZ", headers: ["Authorization": "Bearer tok"])
        guard case .failure(let refusal) = PublishAdmission.admit(head, context: context) else {
            Issue.record("a malformed query was accepted")
            return
        }
        #expect(refusal.status == .badRequest)
        #expect(refusal.message == "query parameter 'x' has a malformed %-escape: '%ZZ'")
    }
}
