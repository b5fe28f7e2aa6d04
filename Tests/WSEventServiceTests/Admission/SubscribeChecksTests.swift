import NIOCore
import NIOHTTP1
import Testing

@testable import WSEventService
import WSEventCore

/// Each check of a subscribe alone, on a request value: no server, no socket. The order they
/// run in, and what a request that passed them all then does, is ``SubscribeAdmissionTests``'.
@Suite struct SubscribeChecksTests {
    static func context(
        streams: [WireEventStream] = [WireEventStream(path: "/events")],
        store: (any StreamStore)? = nil,
        _ configure: (inout ServiceConfiguration) -> Void = { _ in }
    ) -> ServiceContext {
        var configuration = ServiceConfiguration()
        configure(&configuration)
        return ServiceContext(registry: StreamRegistry(streams), configuration: configuration, upstreams: UpstreamLinks(), store: store)
    }

    /// Runs `step` alone on a request; its refusal's status (`nil`: passed) and the request after.
    static func run(
        _ step: AdmissionStep<SubscribeRequest>,
        _ uri: String = "/events",
        method: HTTPMethod = .GET,
        headers: HTTPHeaders = ["Accept": "text/event-stream"],
        context: ServiceContext = context(),
        prepare: (inout SubscribeRequest) -> Void = { _ in }
    ) -> (status: HTTPResponseStatus?, request: SubscribeRequest) {
        var request = SubscribeRequest(HTTPRequestHead(version: .http1_1, method: method, uri: uri, headers: headers))
        prepare(&request)
        let refusal = step.check(&request, context)
        return (refusal?.status, request)
    }

    @Test func theStreamMustExistOrBeOpenable() {
        #expect(Self.run(.streamExists).status == nil)
        #expect(Self.run(.streamExists).request.stream?.path == "/events")
        #expect(Self.run(.streamExists, "/nope").status == .notFound)
        let topics = Self.context { $0.createStreams = true }
        let open = Self.run(.streamExists, "/rooms/1", context: topics)
        #expect(open.status == nil)
        #expect(open.request.stream == nil, "found none, opens none: opening comes after every check")
        #expect(topics.registry.stream(at: "/rooms/1") == nil)
        #expect(Self.run(.streamExists, "/healthz", context: topics).status == .notFound)
    }

    @Test func onlyGetSubscribes() {
        #expect(Self.run(.method).status == nil)
        #expect(Self.run(.method, method: .DELETE).status == .methodNotAllowed)
    }

    @Test func aBrowserOriginMustBeAllowedAndGetsTheCORSHeaders() {
        let allowed = Self.context { $0.allowedOrigins = ["https://app.example"] }
        let page = Self.run(.origin, headers: ["Origin": "https://app.example", "Host": "h"], context: allowed)
        #expect(page.status == nil)
        #expect(page.request.headers.first(name: "Access-Control-Allow-Origin") == "https://app.example")
        #expect(Self.run(.origin, headers: ["Origin": "https://evil.example", "Host": "h"], context: allowed).status == .forbidden)
        #expect(Self.run(.origin).request.headers.isEmpty, "not a browser: no CORS headers")
    }

    @Test func theQueryMustDecode() {
        #expect(Self.run(.wellFormedQuery, "/events?since=1").status == nil)
        #expect(Self.run(.wellFormedQuery, "/events?since=%ZZ").status == .badRequest)
    }

    @Test func theSubscribeTokenWhenThereIsOne() {
        #expect(Self.run(.subscribeToken).status == nil, "no token configured: anyone may")
        let guarded = Self.context { $0.subscribeToken = "tok" }
        #expect(Self.run(.subscribeToken, context: guarded).status == .unauthorized)
        #expect(Self.run(.subscribeToken, headers: ["Authorization": "Bearer tok"], context: guarded).status == nil)
        #expect(Self.run(.subscribeToken, "/events?token=tok", context: guarded).status == nil)
        #expect(Self.run(.subscribeToken, "/events?token=nope", context: guarded).status == .unauthorized)
    }

    @Test func aRelayThatHasNotReachedItsUpstreamIsNotReady() {
        let relay = WireEventStream(path: "/events", source: .awaitingUpstream)
        let refused = Self.run(.streamReady, context: Self.context(streams: [relay])) { $0.stream = relay }
        #expect(refused.status == .serviceUnavailable)
        #expect(Self.run(.streamReady) { $0.stream = WireEventStream(path: "/events") }.status == nil)
        #expect(Self.run(.streamReady).status == nil, "no stream yet (one may be opened): nothing to wait for")
    }

    @Test func theResumePointIsReadFromSinceOrLastEventID() throws {
        #expect(Self.run(.resumePoint).request.resume == nil)
        let epoch = try #require(Epoch("e1"))
        #expect(Self.run(.resumePoint, "/events?since=5&epoch=e1").request.resume == ResumePoint(since: 5, epoch: epoch))
        #expect(Self.run(.resumePoint, "/events?since=5").request.resume == ResumePoint(since: 5, epoch: nil))
        #expect(Self.run(.resumePoint, headers: ["Last-Event-ID": "e1.7"]).request.resume == ResumePoint(since: 7, epoch: epoch))
        #expect(Self.run(.resumePoint, "/events?last_event_id=e1.8").request.resume == ResumePoint(since: 8, epoch: epoch))
        #expect(Self.run(.resumePoint, "/events?since=x").status == .badRequest)
        #expect(Self.run(.resumePoint, "/events?since=1&epoch=a.b").status == .badRequest)
        #expect(Self.run(.resumePoint, headers: ["Last-Event-ID": "nope"]).status == .badRequest)
    }

    @Test func aConsumerNameNeedsAStoreThatKeepsPositionsAValidNameAndTheStoresStream() {
        #expect(Self.run(.consumerName).status == nil)
        #expect(Self.run(.consumerName, "/events?consumer=a").status == .badRequest, "no store")
        let durable = WireEventStream(path: "/events", source: .awaitingUpstream)
        let store = Self.context(streams: [durable], store: NamedConsumersOnly())
        #expect(Self.run(.consumerName, "/events?consumer=billing", context: store) { $0.stream = durable }.request.consumer == "billing")
        #expect(Self.run(.consumerName, "/events?consumer=no%20spaces", context: store) { $0.stream = durable }.status == .badRequest)
        let memory = WireEventStream(path: "/other")
        #expect(Self.run(.consumerName, "/other?consumer=billing", context: store) { $0.stream = memory }.status == .badRequest)
    }

    @Test func aPlainGetIsToldHowToSubscribe() {
        #expect(Self.run(.subscribes).status == nil)
        #expect(Self.run(.subscribes, headers: ["Upgrade": "websocket"]).status == nil)
        #expect(Self.run(.subscribes, headers: [:]).status == .upgradeRequired)
    }
}

/// A store with named consumers whose names have no spaces; it never runs (the checks only
/// ask it whether a name is valid).
struct NamedConsumersOnly: StreamStore, ConsumerPositions {
    var description: String { "test store" }
    func serve<Element: StreamElement>(_ stream: EventStream<Element>) {}
    func run() async {}
    var status: StoreStatus { StoreStatus(state: .connected, url: "test://") }
    var consumers: (any ConsumerPositions)? { self }
    func problem(withName name: String) -> String? { name.contains(" ") ? "no spaces" : nil }
    func claim(path: String, name: String) async throws -> ConsumerClaim { .busy }
}
