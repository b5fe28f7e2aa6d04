import ArgumentParser
import Testing
import WSEventBridges
import WSEventCLI
import WSEventCore
import WSEventPostgres

/// `-consume` with broker URLs and `-publish-to`, as `wsevent-service` reads them with the kinds
/// it links (`Bridges.kinds`).
@Suite struct ServiceFlagsBridgesTests {
    func configuration(_ arguments: [String], environment: [String: String] = [:]) throws -> ServiceConfiguration {
        try ServiceFlags.parseGoStyle(arguments).configuration(environment: environment, stores: [.postgres], bridges: Bridges.kinds)
    }

    func message(_ arguments: [String]) -> String {
        do {
            _ = try configuration(arguments)
            return "accepted"
        } catch {
            return ServiceFlags.message(for: error)
        }
    }

    #if Bridges
    @Test func brokersCountAsUpstreamsForTheRole() throws {
        let hub = try configuration(["-no-produce", "-consume", "nats://h:4222/orders.>"])
        #expect(hub.role == .hub, "fed by the broker: no publish token needed")
        #expect(hub.sources.map(\.description) == ["nats://h:4222/orders.>"])
        #expect(hub.store == nil)
        let fanIn = try configuration(["-no-produce", "-consume", "ws://127.0.0.1:8080/events", "-consume", "nats://h/a"])
        #expect(fanIn.role == .fanIn([StreamURL("ws://127.0.0.1:8080/events")!]))
        #expect(fanIn.sources.count == 1)
        let producer = try configuration(["-consume", "nats://h/a"])
        #expect(producer.role == .producer(merging: []))
        #expect(producer.sources.count == 1)
        let fromEnvironment = try configuration([], environment: ["WSEVENT_CONSUME": "nats://h/a,nats://h/b", "WSEVENT_NO_PRODUCE": "1"])
        #expect(fromEnvironment.sources.count == 2)
    }

    @Test func aWholeJetStreamStreamAsTheOneFeedIsTheStreamsLog() throws {
        let hub = try configuration([
            "-no-produce", "-publish-token", "t", "-consume", "nats://h:4222/?stream=ORDERS", "-publish-to", "nats://h:4222/orders.web?stream=ORDERS",
        ])
        #expect(hub.role == .hub)
        #expect(hub.sources.isEmpty)
        let log = try #require(hub.store as? JetStreamStoreConfiguration)
        #expect(log.consume.stream == "ORDERS")
        #expect(log.publishTo?.subject == "orders.web")
        // Without a token nothing is published here: NATS publishers feed it.
        #expect(try configuration(["-no-produce", "-consume", "nats://h/?stream=S"]).store is JetStreamStoreConfiguration)
        // Beside the producer it is a source, with the instance's ids.
        #expect(try configuration(["-consume", "nats://h/?stream=S"]).sources.count == 1)
        let fromEnvironment = try configuration(
            ["-no-produce", "-consume", "nats://h/?stream=S"],
            environment: ["WSEVENT_PUBLISH_TO": "nats://h/s.in?stream=S", "WSEVENT_PUBLISH_TOKEN": "t"]
        )
        #expect((fromEnvironment.store as? JetStreamStoreConfiguration)?.publishTo?.subject == "s.in")
    }

    @Test func combinationsThatCannotHoldAreOneLine() {
        #expect(
            message(["-no-produce", "-publish-token", "t", "-consume", "nats://h/?stream=S"])
                == "-publish-token: the stream's ids are JetStream stream S at nats://h:4222's, so POSTs must go through it: give -publish-to (nats://HOST:PORT/SUBJECT?stream=NAME), or drop -publish-token"
        )
        #expect(
            message(["-no-produce", "-consume", "nats://h/?stream=S", "-store", "postgres://u:pw@db/d"])
                == "-store: the stream is kept in JetStream stream S at nats://h:4222 already (-consume as its one feed); drop -store, or consume it beside another feed"
        )
        #expect(
            message(["-no-produce", "-publish-token", "t", "-publish-to", "nats://h/s.in?stream=S"])
                == "-publish-to: 'nats://h/s.in?stream=S' needs the stream to be that broker's log: -consume the same stream (nats://HOST:PORT/?stream=NAME) as the stream's one feed (no producer, no other -consume, no -store)"
        )
        #expect(message(["-no-produce", "-publish-token", "t", "-publish-to", "nats://u:pw@h/s"]).hasPrefix("-publish-to: 'nats://u:***@h:4222/s': core NATS publishes at most once"))
        #expect(
            message(["-no-produce", "-consume", "ws://127.0.0.1:1/e", "-publish-token", "t", "-publish-to", "nats://h/s.in?stream=S"])
                .hasPrefix("-publish-to: 'nats://h/s.in?stream=S' needs the stream to be that broker's log")
        )
    }
    #endif

    @Test func unknownSchemesAndBadBrokerURLsAreOneLine() {
        #expect(
            message(["-consume", "kafka://h/t"])
                == "-consume: 'kafka://h/t' is not HOST:PORT/PATH, a ws://, wss://, http:// or https:// URL, or a broker URL this build knows: nats://HOST:PORT/SUBJECT, nats://HOST:PORT/SUBJECT?stream=NAME"
        )
        #expect(message(["-consume", "nats://u:pw@h"]).hasPrefix("-consume: 'nats://u:***@h': no SUBJECT"))
        #expect(message(["-publish-to", "kafka://h/t"]) == "-publish-to: 'kafka://h/t' is not a broker URL this build knows: nats://HOST:PORT/SUBJECT, nats://HOST:PORT/SUBJECT?stream=NAME")
    }

    #if !Bridges
    @Test func aBuildWithoutTheTraitSaysHowToGetTheBridges() {
        #expect(
            message(["-consume", "nats://h/a"])
                == "-consume: 'nats://h:4222/a': needs the NATS and RabbitMQ bridges, which this build lacks: apt-get install libnats-dev librabbitmq-dev, then swift build --traits Bridges"
        )
    }
    #endif
}
