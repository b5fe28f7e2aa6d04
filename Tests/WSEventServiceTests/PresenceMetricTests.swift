import NIOHTTP1
import Testing

@testable import WSEventService

/// The pure parts of presence: the metric's text, the JSON, which requests ask for it.
@Suite struct PresenceMetricTests {
    @Test func theBusiestPathsAreNamedAndTheRestSummed() {
        let text = PresenceMetric.exposition(
            [
                (path: "/quiet", counts: [:]),
                (path: "/busy", counts: ["sse": 5, "websocket-v1": 2]),
                (path: "/b", counts: ["websocket": 1]),
                (path: "/a", counts: ["websocket": 1, "in-process": 2]),
            ],
            maxPaths: 2
        )
        #expect(text == """
            # HELP wsevent_topic_subscribers Subscribers of each stream on this instance, by transport (the busiest paths; the rest under path="other").
            # TYPE wsevent_topic_subscribers gauge
            wsevent_topic_subscribers{path="/busy",transport="sse"} 5
            wsevent_topic_subscribers{path="/busy",transport="websocket"} 0
            wsevent_topic_subscribers{path="/busy",transport="websocket-v1"} 2
            wsevent_topic_subscribers{path="/a",transport="in-process"} 2
            wsevent_topic_subscribers{path="/a",transport="sse"} 0
            wsevent_topic_subscribers{path="/a",transport="websocket"} 1
            wsevent_topic_subscribers{path="/a",transport="websocket-v1"} 0
            wsevent_topic_subscribers{path="other",transport="sse"} 0
            wsevent_topic_subscribers{path="other",transport="websocket"} 1
            wsevent_topic_subscribers{path="other",transport="websocket-v1"} 0

            """)
    }

    @Test func withinTheCapNothingIsSummedAndZeroLeavesItOut() {
        let streams = [(path: "/events", counts: ["sse": 1])]
        #expect(!PresenceMetric.exposition(streams, maxPaths: 1).contains(#"{path="other""#))
        #expect(PresenceMetric.exposition(streams, maxPaths: 0) == "")
    }

    @Test func labelValuesAreEscaped() {
        #expect(PresenceMetric.escape(#"/a"b\c"# + "\n") == #"/a\"b\\c\n"#)
        let text = PresenceMetric.exposition([(path: "/q\"", counts: [:])], maxPaths: 5)
        #expect(text.contains(#"{path="/q\"",transport="sse"} 0"#))
    }

    @Test func theJSONNamesEveryTransport() {
        #expect(PresenceReport(path: "/events", counts: ["sse": 2]).json
            == #"{"by_transport":{"sse":2,"websocket":0,"websocket-v1":0},"path":"/events","subscribers":2}"# + "\n")
    }

    @Test func onlyAPlainGetAsksForPresence() {
        func head(_ uri: String, _ headers: HTTPHeaders = [:]) -> HTTPRequestHead {
            HTTPRequestHead(version: .http1_1, method: .GET, uri: uri, headers: headers)
        }
        #expect(PresenceAdmission.asks(head("/events?presence")))
        #expect(PresenceAdmission.asks(head("/events?token=t&presence=1")))
        #expect(!PresenceAdmission.asks(head("/events")))
        #expect(!PresenceAdmission.asks(head("/events?presence", ["Accept": "text/event-stream"])))
        #expect(!PresenceAdmission.asks(head("/events?presence", ["Upgrade": "websocket"])))
        #expect(PresenceAdmission.checks.map(\.name) == ["stream exists", "method", "origin", "well-formed query", "subscribe token"])
    }
}
