import Foundation
import NIOCore
import NIOHTTP1
import Testing

@testable import WSEventAuth

/// What the backend's answers mean, and how long each is cached.
@Suite struct HookAnswerTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func read(_ status: Int, _ headers: HTTPHeaders = [:], _ body: String? = nil) -> (HookDecision, Duration) {
        let (decision, cacheFor) = HookAnswer.read(status: status, headers: headers, body: body.map { ByteBuffer(string: $0) }, now: now)
        return (decision, cacheFor)
    }

    @Test func twoHundredAllowsAndItsBodyMayNarrow() {
        #expect(Self.read(200).0 == .allowed(HookGrant()))
        #expect(Self.read(200, [:], "ok\n").0 == .allowed(HookGrant()), "a plain-text yes")
        #expect(Self.read(200, [:], #"{"exp": 1800000060}"#).0 == .allowed(HookGrant(expiresAt: Self.now.addingTimeInterval(60))))
        #expect(Self.read(200, [:], #"{"expires_in": 30}"#).0 == .allowed(HookGrant(expiresAt: Self.now.addingTimeInterval(30))))
        #expect(
            Self.read(200, [:], #"{"exp": 1800000060, "expires_in": 30}"#).0 == .allowed(HookGrant(expiresAt: Self.now.addingTimeInterval(30))),
            "the earlier of the two"
        )
        #expect(Self.read(200, [:], #"{"history": false, "other": [1]}"#).0 == .allowed(HookGrant(history: false)))
    }

    @Test func aTwoHundredWithBrokenJSONIsNotAYes() {
        guard case .unavailable = Self.read(200, [:], #"{"exp": "#).0 else { Issue.record("a broken body let a request in"); return }
        guard case .unavailable = Self.read(200, [:], #"{"exp": "soon"}"#).0 else { Issue.record("a wrong type let a request in"); return }
    }

    @Test func fourOhOneAndFourOhThreeArePassedOnWithTheBackendsLine() {
        #expect(Self.read(401, [:], "log in first\nmore").0 == .denied(status: 401, message: "log in first"))
        #expect(Self.read(403).0 == .denied(status: 403, message: "the backend refused this request"))
        let long = String(repeating: "x", count: 600)
        #expect(Self.read(403, [:], long).0 == .denied(status: 403, message: "the backend refused this request"))
    }

    @Test func anythingElseIsUnavailable() {
        for status in [201, 204, 301, 302, 400, 404, 429, 500, 502, 503] {
            guard case .unavailable = Self.read(status).0 else { Issue.record("\(status) was not unavailable"); return }
            #expect(Self.read(status, ["Cache-Control": "max-age=60"]).1 == .zero, "\(status) is never cached")
        }
    }

    @Test func answersAreCachedForTheirMaxAgeAndNoLongerThanTheirExpiry() {
        #expect(Self.read(200).1 == .zero, "no max-age: not cached")
        #expect(Self.read(200, ["Cache-Control": "max-age=60"]).1 == .seconds(60))
        #expect(Self.read(200, ["Cache-Control": "private, max-age=\"60\""]).1 == .seconds(60))
        #expect(Self.read(200, ["Cache-Control": "max-age=60, no-store"]).1 == .zero)
        #expect(Self.read(200, ["Cache-Control": "no-cache"]).1 == .zero)
        #expect(Self.read(200, ["Cache-Control": "max-age=-1"]).1 == .zero)
        #expect(Self.read(200, ["Cache-Control": "max-age=99999999"]).1 == AuthTiming.maxCacheAge)
        #expect(Self.read(200, ["Cache-Control": "max-age=60"], #"{"expires_in": 10}"#).1 == .seconds(10))
        #expect(Self.read(403, ["Cache-Control": "max-age=60"]).1 == .seconds(60), "a refusal is cached too")
    }

    @Test func theQuestionIsJSONWithEveryFieldAndTheCacheKeyIgnoresWhereAndSince() throws {
        let question = HookRequest(
            action: .subscribe,
            path: "/rooms/42",
            remoteAddress: "192.0.2.7",
            since: 17,
            headers: ["authorization": "Bearer abc"]
        )
        let json = String(decoding: question.json, as: UTF8.self)
        #expect(
            json
                == #"{"action":"subscribe","consumer":null,"epoch":null,"headers":{"authorization":"Bearer abc"},"path":"/rooms/42","remote_address":"192.0.2.7","since":17,"subject":null}"#
        )
        var elsewhere = question
        elsewhere.remoteAddress = "198.51.100.1"
        elsewhere.since = 99
        #expect(elsewhere.cacheKey == question.cacheKey)
        var otherCredential = question
        otherCredential.headers = ["authorization": "Bearer xyz"]
        #expect(otherCredential.cacheKey != question.cacheKey)
        var publish = question
        publish.action = .publish
        #expect(publish.cacheKey != question.cacheKey)
    }
}

/// The cache's bookkeeping alone: answers until they expire, questions in flight asked once,
/// memory bounded.
@Suite struct HookCacheStateTests {
    static func key(_ path: String, _ credential: String = "a") -> HookCacheKey {
        HookRequest(action: .subscribe, path: path, headers: ["authorization": credential]).cacheKey
    }

    @Test func aQuestionInFlightIsAskedOnceAndItsAnswerKeptForItsAge() {
        var cache = HookCacheState<Int>(capacity: 10)
        let start = NIODeadline.uptimeNanoseconds(1_000_000_000)
        guard case .ask = cache.lookup(Self.key("/a"), now: start, pending: { 1 }) else { Issue.record("not asked"); return }
        guard case .inFlight(1) = cache.lookup(Self.key("/a"), now: start, pending: { 2 }) else { Issue.record("asked twice"); return }
        cache.answered(Self.key("/a"), decision: .allowed(HookGrant()), cacheFor: .seconds(5), now: start)
        guard case .cached(.allowed) = cache.lookup(Self.key("/a"), now: start + .seconds(4), pending: { 3 }) else { Issue.record("not cached"); return }
        guard case .ask = cache.lookup(Self.key("/a"), now: start + .seconds(5), pending: { 4 }) else { Issue.record("cached past its age"); return }
        guard case .ask = cache.lookup(Self.key("/a", "b"), now: start, pending: { 5 }) else { Issue.record("another credential shared it"); return }
    }

    @Test func anAnswerNotToBeCachedEndsTheFlightOnly() {
        var cache = HookCacheState<Int>(capacity: 10)
        let now = NIODeadline.uptimeNanoseconds(1)
        _ = cache.lookup(Self.key("/a"), now: now, pending: { 1 })
        cache.answered(Self.key("/a"), decision: .unavailable("down"), cacheFor: .zero, now: now)
        guard case .ask = cache.lookup(Self.key("/a"), now: now, pending: { 2 }) else { Issue.record("an unavailable answer was kept"); return }
        #expect(cache.count == 0)
    }

    @Test func theOldestGoesPastCapacity() {
        var cache = HookCacheState<Int>(capacity: 3)
        let now = NIODeadline.uptimeNanoseconds(1)
        for index in 0..<1000 {
            let key = Self.key("/\(index % 7)")
            _ = cache.lookup(key, now: now, pending: { index })
            cache.answered(key, decision: .allowed(HookGrant()), cacheFor: .seconds(60), now: now)
            #expect(cache.count <= 3)
        }
        guard case .cached = cache.lookup(Self.key("/\(999 % 7)"), now: now, pending: { 0 }) else { Issue.record("the newest was dropped"); return }
    }
}
