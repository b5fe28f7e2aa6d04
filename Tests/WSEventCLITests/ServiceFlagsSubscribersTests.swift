import Testing
import WSEventCLI
import WSEventCore

/// `-first-message`, `-presence-stream` and `-presence-metric-paths`, from flags or the
/// environment, in Go's flag forms.
@Suite struct ServiceFlagsSubscribersTests {
    @Test func firstMessageTakesEachPolicyInEveryFlagForm() throws {
        #expect(try FlagRun.configuration([]).firstMessage == .live)
        #expect(try FlagRun.configuration(["-first-message", "newest"]).firstMessage == .newest(1))
        #expect(try FlagRun.configuration(["-first-message=oldest"]).firstMessage == .oldest)
        // `-N` after the flag is its value, not a flag of its own.
        #expect(try FlagRun.configuration(["-first-message", "-5"]).firstMessage == .newest(5))
        #expect(try FlagRun.configuration(["--first-message=-12", "-interval", "1s"]).firstMessage == .newest(12))
        #expect(try FlagRun.configuration(["-first-message", "-3", "-buffer", "7"]).bufferSize == 7)
        #expect(try FlagRun.configuration([], env: ["WSEVENT_FIRST_MESSAGE": "-2"]).firstMessage == .newest(2))
        #expect(try FlagRun.configuration(["-first-message", "live"], env: ["WSEVENT_FIRST_MESSAGE": "oldest"]).firstMessage == .live)
    }

    @Test func aBadFirstMessageIsOneLine() {
        for bad in ["latest", "-0", "5", "-x"] {
            #expect(
                FlagRun.refusal(["-first-message", bad])
                    == "-first-message: '\(bad)' is not newest, oldest, -N (the last N events, N from 1 to 10000000) or live"
            )
        }
    }

    @Test func presenceFlags() throws {
        let defaults = try FlagRun.configuration([])
        #expect(defaults.presenceStream == false)
        #expect(defaults.presenceMetricPaths == 100)
        let set = try FlagRun.configuration(["-presence-stream", "-presence-metric-paths", "0"])
        #expect(set.presenceStream == true)
        #expect(set.presenceMetricPaths == 0)
        let env = try FlagRun.configuration([], env: ["WSEVENT_PRESENCE_STREAM": "true", "WSEVENT_PRESENCE_METRIC_PATHS": "7"])
        #expect(env.presenceStream == true)
        #expect(env.presenceMetricPaths == 7)
        #expect(FlagRun.refusal(["-presence-metric-paths", "10001"]) == "-presence-metric-paths: '10001' is not a count of paths from 0 to 10000")
        #expect(FlagRun.refusal(["-presence-stream=maybe"]).hasPrefix("-presence-stream: 'maybe'"))
    }
}
