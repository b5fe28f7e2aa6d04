import NIOCore
import NIOHTTP1
import Testing

@testable import WSEventService
import WSEventCore

/// Each check of a publish alone, on a request value; then the admission that runs them and
/// opens a stream only for a publish that passed them all.
@Suite struct PublishChecksTests {
    static func context(
        streams: [WireEventStream] = [WireEventStream(path: "/events")],
        _ configure: (inout ServiceConfiguration) -> Void = { $0.publishToken = "T" }
    ) -> ServiceContext {
        var configuration = ServiceConfiguration()
        configure(&configuration)
        return ServiceContext(registry: StreamRegistry(streams), configuration: configuration, upstreams: UpstreamLinks())
    }

    static func run(
        _ step: AdmissionStep<PublishRequest>,
        _ uri: String = "/events",
        version: HTTPVersion = .http1_1,
        headers: HTTPHeaders = ["Authorization": "Bearer T"],
        context: ServiceContext = context(),
        prepare: (inout PublishRequest) -> Void = { _ in }
    ) -> (status: HTTPResponseStatus?, request: PublishRequest) {
        var request = PublishRequest(HTTPRequestHead(version: version, method: .POST, uri: uri, headers: headers))
        prepare(&request)
        let refusal = step.check(&request, context)
        return (refusal?.status, request)
    }

    @Test func publishingNeedsItToBeOnAndTheToken() {
        #expect(Self.run(.publishToken).status == nil)
        #expect(Self.run(.publishToken, headers: [:]).status == .unauthorized)
        #expect(Self.run(.publishToken, headers: ["Authorization": "Bearer nope"]).status == .unauthorized)
        #expect(Self.run(.publishToken, context: Self.context { _ in }).status == .forbidden)
    }

    @Test func theStreamMustExistOrBeOpenable() {
        #expect(Self.run(.streamExists).request.stream?.path == "/events")
        #expect(Self.run(.streamExists, "/nope").status == .notFound)
        let topics = Self.context {
            $0.publishToken = "T"
            $0.createStreams = true
        }
        #expect(Self.run(.streamExists, "/rooms/1", context: topics).status == nil)
        #expect(topics.registry.stream(at: "/rooms/1") == nil, "a check opens nothing")
    }

    @Test func aRelaysStreamRefusesAndADurableOneWaitsForItsStore() {
        let relay = WireEventStream(path: "/events", source: .mirror)
        #expect(Self.run(.streamIsOrigin) { $0.stream = relay }.status == .conflict)
        #expect(Self.run(.streamIsOrigin) { $0.stream = WireEventStream(path: "/events") }.status == nil)
        let waiting = WireEventStream(path: "/events", source: .awaitingUpstream)
        #expect(Self.run(.storeReached) { $0.stream = waiting }.status == nil, "without a store it is a relay's: streamIsOrigin says 409")
    }

    @Test func aDeclaredBodyOverTheLimitIs413() {
        let small = Self.context {
            $0.publishToken = "T"
            $0.maxMessageSize = 10
        }
        #expect(Self.run(.declaredSize, headers: ["Content-Length": "10"], context: small).status == nil)
        #expect(Self.run(.declaredSize, headers: ["Content-Length": "11"], context: small).status == .payloadTooLarge)
    }

    @Test func expectationsOtherThanContinueAre417() {
        #expect(Self.run(.expectation, headers: ["Expect": "100-continue"]).request.expectsContinue)
        #expect(Self.run(.expectation, headers: ["Expect": "fly"]).status == .expectationFailed)
        #expect(Self.run(.expectation, version: .http1_0, headers: ["Expect": "fly"]).status == nil)
    }

    @Test func theKindFollowsTheContentType() {
        #expect(Self.run(.origin, headers: ["Content-Type": "text/plain"]).request.kind == .text)
        #expect(Self.run(.origin, headers: ["Content-Type": "application/json"]).request.kind == .binary)
        #expect(Self.run(.origin, headers: [:]).request.kind == .binary)
    }

    /// A publish refused by any check opens no stream, even at a path it could open.
    @Test func onlyAnAdmittedPublishOpensItsStream() throws {
        let topics = Self.context {
            $0.publishToken = "T"
            $0.createStreams = true
            $0.maxMessageSize = 10
        }
        func admit(_ uri: String, _ headers: HTTPHeaders) -> HTTPResponseStatus? {
            let head = HTTPRequestHead(version: .http1_1, method: .POST, uri: uri, headers: headers)
            if case .failure(let refusal) = PublishAdmission.admit(head, context: topics) { return refusal.status }
            return nil
        }
        #expect(admit("/a", ["Authorization": "Bearer T", "Content-Length": "11"]) == .payloadTooLarge)
        #expect(admit("/a", ["Authorization": "Bearer T", "Expect": "fly"]) == .expectationFailed)
        #expect(topics.registry.stream(at: "/a") == nil)
        #expect(admit("/a", ["Authorization": "Bearer T"]) == nil)
        #expect(topics.registry.stream(at: "/a") != nil)
    }
}
