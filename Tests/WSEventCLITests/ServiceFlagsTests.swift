import NIOCore
import Testing
import WSEventCLI
import WSEventCore

@Suite struct ServiceFlagsTests {
    func configuration(_ arguments: [String], env: [String: String] = [:]) throws -> ServiceConfiguration {
        try ServiceFlags.parseGoStyle(arguments).configuration(environment: env)
    }

    @Test func defaultsAreTheSeeds() throws {
        let configuration = try configuration([])
        #expect(configuration.serveHost == "localhost")
        #expect(configuration.servePort == 8080)
        #expect(configuration.servePath == "/events")
        #expect(configuration.role == .producer())
        #expect(configuration.demoPage)
        #expect(configuration.interval == .milliseconds(100))
        #expect(configuration.bufferSize == 1024)
        #expect(configuration.maxMessageSize == 1 << 20)
    }

    @Test func theSeedsRelayCommandParses() throws {
        let configuration = try configuration(
            ["-no-produce", "-serve-address", ":9090", "-serve-path", "proxy-events", "-consume-address", ":8080", "-consume-path", "events"]
        )
        #expect(configuration.role == .relay(StreamURL(WebSocketURL(host: "127.0.0.1", port: 8080, path: "/events"))))
        #expect(configuration.serveHost == "")
        #expect(configuration.servePort == 9090)
        #expect(configuration.servePath == "/proxy-events")
        #expect(configuration.upstreams == [StreamURL(WebSocketURL(host: "127.0.0.1", port: 8080, path: "/events"))])
        #expect(configuration.isRelay)
    }

    @Test func everyGoFormWorks() throws {
        for arguments in [
            ["-serve-address", "h:1"], ["-serve-address=h:1"], ["--serve-address", "h:1"], ["--serve-address=h:1"],
        ] {
            let configuration = try configuration(arguments)
            #expect(configuration.serveHost == "h" && configuration.servePort == 1, "\(arguments)")
        }
        let withFlag = ["-consume", "h:1/x"]
        #expect(try !configuration(withFlag + ["-no-produce"]).role.produces)
        #expect(try !configuration(withFlag + ["--no-produce"]).role.produces)
        #expect(try !configuration(withFlag + ["-no-produce=true"]).role.produces)
        #expect(try configuration(withFlag + ["-no-produce=false"]).role.produces)
    }

    @Test func combinedServeAndRepeatedConsume() throws {
        let configuration = try configuration(["-serve", "0.0.0.0:7000/merged", "-consume", "a:1/x", "-consume", "ws://b:2/y?since=1"])
        #expect(configuration.serveHost == "0.0.0.0")
        #expect(configuration.servePort == 7000)
        #expect(configuration.servePath == "/merged")
        #expect(configuration.upstreams.map(\.description) == ["ws://a:1/x", "ws://b:2/y?since=1"])
        #expect(!configuration.isRelay)
        // Without -no-produce the producer merges its upstreams; with it they fan in.
        #expect(configuration.role == .producer(merging: configuration.upstreams))
        let fanIn = try self.configuration(["-no-produce", "-consume", "a:1/x", "-consume", "b:2/y"])
        #expect(fanIn.role.upstreams.map(\.description) == ["ws://a:1/x", "ws://b:2/y"])
        #expect(fanIn.role == .fanIn(fanIn.upstreams))
    }

    /// `-consume http://...` (or `https://`) is consumed over SSE; the seed's form and `ws://` over
    /// WebSocket.
    @Test func theUpstreamsSchemeChoosesItsTransport() throws {
        let configuration = try configuration(["-no-produce", "-consume", "http://a:1/x", "-consume", "https://b/y", "-consume", ":2/z"])
        #expect(configuration.upstreams.map(\.description) == ["http://a:1/x", "https://b:443/y", "ws://127.0.0.1:2/z"])
        #expect(configuration.upstreams.map(\.transport) == [.sse, .sse, .webSocket])
        #expect(try self.configuration(["-consume", "[::1]:8080/events"]).upstreams.first?.address.host == "::1")
    }

    @Test func noProduceWithoutAnUpstreamIsAHubThatNeedsThePublishToken() throws {
        let hub = try configuration(["-no-produce", "-publish-token", "T"])
        #expect(hub.role == .hub)
        #expect(hub.publishToken == "T")
        #expect(hub.servePath == "/events")
        #expect(try configuration([], env: ["NO_PRODUCE": "1", "WSEVENT_PUBLISH_TOKEN": "T"]).role == .hub)
        do {
            _ = try configuration(["-no-produce"])
            Issue.record("a hub without a publish token was accepted")
        } catch {
            let message = ServiceFlags.message(for: error)
            #expect(message.contains("-publish-token"), "\(message)")
            #expect(!message.contains("\n"))
        }
    }

    @Test func theLibrarysDefaultIsAHubWithNoPage() {
        let configuration = ServiceConfiguration()
        #expect(configuration.role == .hub)
        #expect(!configuration.role.produces)
        #expect(configuration.upstreams.isEmpty)
        #expect(!configuration.demoPage)
    }

    @Test func streamLimitsComeFromFlagsOrTheEnvironment() throws {
        let defaults = try configuration([])
        #expect(defaults.maxStreams == 1000)
        #expect(defaults.streamIdleTimeout == .seconds(600))
        let set = try configuration(["-max-streams", "5", "-stream-idle-timeout=200ms"])
        #expect(set.maxStreams == 5)
        #expect(set.streamIdleTimeout == .milliseconds(200))
        let env = try configuration([], env: ["WSEVENT_MAX_STREAMS": "7", "WSEVENT_STREAM_IDLE_TIMEOUT": "1h30m"])
        #expect(env.maxStreams == 7)
        #expect(env.streamIdleTimeout == .seconds(90 * 60))
        #expect(try configuration(["-max-streams", "9"], env: ["WSEVENT_MAX_STREAMS": "7"]).maxStreams == 9)
    }

    @Test func connectionBoundsComeFromFlagsOrTheEnvironment() throws {
        let defaults = try configuration([])
        #expect(defaults.headerTimeout == .seconds(10))
        #expect(defaults.idleTimeout == .seconds(60))
        #expect(defaults.bodyTimeout == .seconds(30))
        #expect(defaults.maxConnections >= 1)
        let set = try configuration(["-header-timeout", "200ms", "-idle-timeout=2m", "-body-timeout", "1s", "-max-connections", "50"])
        #expect(set.headerTimeout == .milliseconds(200))
        #expect(set.idleTimeout == .seconds(120))
        #expect(set.bodyTimeout == .seconds(1))
        #expect(set.maxConnections == 50)
        #expect(set.webSocket.fragmentTimeout == .seconds(1))
        let env = try configuration([], env: [
            "WSEVENT_HEADER_TIMEOUT": "5s", "WSEVENT_IDLE_TIMEOUT": "1h", "WSEVENT_BODY_TIMEOUT": "45s", "WSEVENT_MAX_CONNECTIONS": "7",
        ])
        #expect(env.headerTimeout == .seconds(5))
        #expect(env.idleTimeout == .seconds(3600))
        #expect(env.bodyTimeout == .seconds(45))
        #expect(env.maxConnections == 7)
        #expect(try configuration(["-max-connections", "9"], env: ["WSEVENT_MAX_CONNECTIONS": "7"]).maxConnections == 9)
    }

    @Test func newFlagsParse() throws {
        let configuration = try configuration(
            ["-interval", "1.5s", "-buffer=10", "-max-message-size", "64KiB", "-max-pending-bytes=1MiB", "-ping-interval", "2m", "-log-level", "debug"]
        )
        #expect(configuration.interval == .milliseconds(1500))
        #expect(configuration.bufferSize == 10)
        #expect(configuration.maxMessageSize == 65536)
        #expect(configuration.maxPendingBytes == 1 << 20)
        #expect(configuration.pingInterval == .seconds(120))
    }

    @Test func bufferBytesAndTheBufferBounds() throws {
        #expect(try configuration([]).bufferBytes == 64 << 20)
        #expect(try configuration(["-buffer-bytes", "1MiB"]).bufferBytes == 1 << 20)
        #expect(try configuration([], env: ["WSEVENT_BUFFER_BYTES": "0"]).bufferBytes == 0)
        for (arguments, line) in [
            (["-buffer", "10000000000"], "-buffer: '10000000000' is not a count of events from 0 to 10000000"),
            (["-buffer-bytes", "lots"], "-buffer-bytes: 'lots' is not a size from 0 to 1TiB, like 64MiB"),
            (["-max-pending-bytes", "2048GiB"], "-max-pending-bytes: '2048GiB' is not a size from 1KiB to 1TiB"),
        ] {
            do {
                _ = try configuration(arguments)
                Issue.record("\(arguments) was accepted")
            } catch {
                #expect(ServiceFlags.message(for: error) == line)
            }
        }
    }

    @Test func logLevelIsTheCommandsNotTheServers() throws {
        #expect(try ServiceFlags.parseGoStyle([]).logLevel() == .info)
        #expect(try ServiceFlags.parseGoStyle(["-log-level", "debug"]).logLevel() == .debug)
        #expect(try ServiceFlags.parseGoStyle([]).logLevel(environment: ["WSEVENT_LOG_LEVEL": "Warning"]) == .warning)
        do {
            _ = try ServiceFlags.parseGoStyle(["-log-level", "loud"]).logLevel()
            Issue.record("a bad level was accepted")
        } catch {
            #expect(ServiceFlags.message(for: error) == "-log-level: 'loud' is not one of trace, debug, info, notice, warning, error, critical")
        }
    }

    /// An enormous duration is refused with one line (it used to trap converting to NIO's time).
    @Test func anEnormousDurationIsRefusedNotATrap() throws {
        for text in ["99999999999999999999h", "9223372037s", "2000000h2000000h"] {
            #expect(throws: (any Error).self) { try configuration(["-interval", text]) }
        }
        #expect(try configuration(["-interval", "24h"]).interval == .seconds(24 * 3600))
        #expect(throws: (any Error).self) { try configuration(["-interval", "25h"]) }
    }

    @Test func pongTimeoutComesFromTheFlagOrTheEnvironment() throws {
        #expect(try configuration([]).pongTimeout == .seconds(10))
        #expect(try configuration(["-pong-timeout", "3s"]).pongTimeout == .seconds(3))
        #expect(try configuration([], env: ["WSEVENT_PONG_TIMEOUT": "250ms"]).pongTimeout == .milliseconds(250))
        #expect(try configuration(["-pong-timeout=4s"], env: ["WSEVENT_PONG_TIMEOUT": "1s"]).webSocket.pongTimeout == .seconds(4))
        #expect(throws: (any Error).self) { try configuration(["-pong-timeout", "0s"]) }
    }

    @Test func environmentFillsWhatFlagsLeaveOut() throws {
        let env = [
            "WSEVENT_SERVE_ADDRESS": "127.0.0.1:1234", "SERVE_PATH": "seed-path", "WSEVENT_INTERVAL": "1s",
            "CONSUME_ADDRESS": ":8080", "CONSUME_PATH": "events", "NO_PRODUCE": "true",
        ]
        let configuration = try configuration([], env: env)
        #expect(configuration.servePort == 1234)
        #expect(configuration.servePath == "/seed-path")
        #expect(configuration.interval == .seconds(1))
        #expect(configuration.isRelay)
        #expect(configuration.upstreams.first?.address.path == "/events")
    }

    @Test func prefixedVariableWinsOverTheSeedsAndFlagsWinOverBoth() throws {
        let env = ["SERVE_ADDRESS": ":1", "WSEVENT_SERVE_ADDRESS": ":2"]
        #expect(try configuration([], env: env).servePort == 2)
        #expect(try configuration(["-serve-address", ":3"], env: env).servePort == 3)
        #expect(try configuration(["-consume", "a:1/x"], env: ["WSEVENT_CONSUME": "b:2/y,c:3/z"]).upstreams.count == 1)
        #expect(try configuration([], env: ["WSEVENT_CONSUME": "b:2/y,c:3/z"]).upstreams.count == 2)
        // A flag for the address overrides every address variable, whichever flag it is.
        let serve = try configuration(["-serve", "h:9/x"], env: ["SERVE_ADDRESS": ":1", "SERVE_PATH": "env"])
        #expect(serve.servePort == 9 && serve.servePath == "/x")
        #expect(try configuration(["-consume", "a:1/x"], env: ["CONSUME_ADDRESS": ":2"]).upstreams.count == 1)
    }

    @Test func badValuesGiveOneClearLine() {
        let cases: [([String], String)] = [
            (["-serve-address", "nonsense"], "-serve-address"),
            (["-interval", "fast"], "-interval"),
            (["-buffer", "-1"], "-buffer"),
            (["-no-produce=maybe"], "-no-produce"),
            (["-no-produce"], "-publish-token"),
            (["-max-streams", "0"], "-max-streams"),
            (["-max-streams", "many"], "-max-streams"),
            (["-stream-idle-timeout", "10"], "-stream-idle-timeout"),
            (["-stream-idle-timeout", "1ms"], "-stream-idle-timeout"),
            (["-stream-idle-timeout", "200h"], "-stream-idle-timeout"),
            (["-consume", "ftp://x/y"], "-consume"),
            (["-header-timeout", "1ms"], "-header-timeout"),
            (["-header-timeout", "2h"], "-header-timeout"),
            (["-idle-timeout", "0s"], "-idle-timeout"),
            (["-idle-timeout", "25h"], "-idle-timeout"),
            (["-body-timeout", "soon"], "-body-timeout"),
            (["-max-connections", "0"], "-max-connections"),
            (["-max-connections", "lots"], "-max-connections"),
        ]
        for (arguments, flag) in cases {
            do {
                _ = try configuration(arguments)
                Issue.record("\(arguments) was accepted")
            } catch {
                let message = ServiceFlags.message(for: error)
                #expect(message.contains(flag), "\(arguments): \(message)")
                #expect(!message.contains("\n"), "\(arguments): \(message)")
            }
        }
        #expect(throws: (any Error).self) { try ServiceFlags.parseGoStyle(["-unknown-flag"]) }
    }

    @Test func goDurationsAndSizes() {
        #expect(GoDuration.parse("100ms") == .milliseconds(100))
        #expect(GoDuration.parse("2m30s") == .seconds(150))
        #expect(GoDuration.parse("1h") == .seconds(3600))
        #expect(GoDuration.parse("250us") == .microseconds(250))
        #expect(GoDuration.parse("10") == nil)
        #expect(GoDuration.parse("") == nil)
        #expect(ByteSize.parse("4MiB") == 4 << 20)
        #expect(ByteSize.parse("512k") == 512 << 10)
        #expect(ByteSize.parse("12") == 12)
        #expect(ByteSize.parse("12x") == nil)
    }
}
