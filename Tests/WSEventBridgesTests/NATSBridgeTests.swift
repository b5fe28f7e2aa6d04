import Testing
import WSEventBridges
import WSEventCore

/// How `-consume nats://...` and `-publish-to` are read: what each becomes, and each refusal as
/// the line it prints.
@Suite struct NATSBridgeTests {
    func consume(_ url: String, onlyFeed: Bool = true, publishTo: String? = nil) throws -> BridgeConsumer {
        try NATSBridge.consume(BridgeRequest(url: url, isOnlyFeed: onlyFeed, publishTo: publishTo))
    }

    func refusal(_ body: () throws -> Any) -> String {
        do {
            _ = try body()
            return "accepted"
        } catch {
            return "\(error)"
        }
    }

    #if Bridges
    @Test func coreSubjectsAreSourcesAndAWholeJetStreamStreamIsTheLog() throws {
        guard case .source(let core) = try consume("nats://h:4222/orders.*") else { Issue.record("a source"); return }
        #expect(core.description == "nats://h:4222/orders.*")
        guard case .store(let log) = try consume("nats://h:4222/?stream=ORDERS", publishTo: "nats://h:4222/orders.web?stream=ORDERS") else {
            Issue.record("a store")
            return
        }
        #expect(log.description == "JetStream stream ORDERS at nats://h:4222")
        let jetStream = try #require(log as? JetStreamStoreConfiguration)
        #expect(jetStream.publishTo?.subject == "orders.web")
        // Beside other feeds, a JetStream stream is a source with the instance's ids.
        guard case .source = try consume("nats://h:4222/?stream=ORDERS", onlyFeed: false) else { Issue.record("a source"); return }
    }
    #endif

    @Test func publishTargetsThatCannotHoldAreRefusedInOneLine() {
        #expect(
            refusal { try NATSBridge.checkPublishTarget("nats://h:4222/orders.web") }
                == "'nats://h:4222/orders.web': core NATS publishes at most once and never says whether anyone got it, so a POST could be answered 200 and reach no subscriber: publish through JetStream, nats://HOST:PORT/SUBJECT?stream=NAME"
        )
        #expect(refusal { try NATSBridge.checkPublishTarget("nats://h:4222/?stream=S") } == "'nats://h:4222/?stream=S': no SUBJECT to publish to: nats://HOST:PORT/SUBJECT?stream=NAME")
        #expect(
            refusal { try consume("nats://h:4222/?stream=A", publishTo: "nats://h:4222/a?stream=B") }
                == "'nats://h:4222/a?stream=B': -publish-to must name the stream consumed, on the same server: nats://h:4222/?stream=A"
        )
        #expect(
            refusal { try consume("nats://h:4222/a.*?stream=A", publishTo: "nats://h:4222/a.x?stream=A") }
                == "'nats://h:4222/a.*?stream=A': with -publish-to, consume the whole stream (nats://HOST:PORT/?stream=A, no SUBJECT): with a filter the ids could be this instance's own, not the sequence a publish is answered with"
        )
        #expect(
            refusal { try consume("nats://h:4222/a", publishTo: "nats://h:4222/a?stream=A") }
                == "'nats://h:4222/a': -publish-to needs this to be the stream's log: a JetStream stream (?stream=NAME) and the stream's one feed"
        )
    }
}
