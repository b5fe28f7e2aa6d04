import NIOCore
import Testing
import WSEventBridges
import WSEventCore

@Suite struct JetStreamViewTests {
    static let info = JetStreamView.Info(name: "ORDERS", created: 1_733_000_000_123_456_789, subjects: ["orders.>"], firstSequence: 1, lastSequence: 40)

    @Test func theEpochIsTheStreamsNameAndCreationTimeAndTheSameEverywhere() {
        let epoch = JetStreamView.epoch(name: "ORDERS", created: 1_733_000_000_123_456_789)
        #expect(epoch == JetStreamView.epoch(name: "ORDERS", created: 1_733_000_000_123_456_789))
        #expect(epoch.rawValue.count == 16)
        #expect(epoch.rawValue.allSatisfy { $0.isLowercase || $0.isNumber })
        // Made again (a new creation time), or another stream: another epoch.
        #expect(epoch != JetStreamView.epoch(name: "ORDERS", created: 1_733_000_000_123_456_790))
        #expect(epoch != JetStreamView.epoch(name: "ORDERS2", created: 1_733_000_000_123_456_789))
    }

    @Test func idsAreTheSequenceOnlyWhenTheFilterCoversTheWholeStreamAndItIsTheLog() {
        #expect(JetStreamView(info: Self.info, filter: nil, asLog: true).ids == .sequence)
        #expect(JetStreamView(info: Self.info, filter: "orders.>", asLog: true).ids == .sequence)
        let narrow = JetStreamView(info: Self.info, filter: "orders.eu", asLog: true)
        #expect(narrow.ids == .local(reason: "the filter orders.eu is narrower than stream ORDERS (orders.>): the instance gives the ids"))
        #expect(JetStreamView(info: Self.info, filter: nil, asLog: false).ids == .local(reason: "merged with other feeds: the instance gives the ids"))
    }

    @Test func aPublishSubjectTheStreamDoesNotTakeIsSaid() {
        #expect(JetStreamView.publishProblem(subject: "orders.web", info: Self.info) == nil)
        #expect(JetStreamView.publishProblem(subject: "orders.web.eu", info: Self.info) == nil)
        #expect(
            JetStreamView.publishProblem(subject: "shipments.web", info: Self.info)
                == "-publish-to subject shipments.web is not one stream ORDERS takes (orders.>): every POST is refused"
        )
        let two = JetStreamView.Info(name: "S", created: 1, subjects: ["a.*", "b"], firstSequence: 1, lastSequence: 0)
        #expect(JetStreamView.publishProblem(subject: "a.x", info: two) == nil)
        #expect(JetStreamView.publishProblem(subject: "b", info: two) == nil)
        #expect(JetStreamView.publishProblem(subject: "a.x.y", info: two) != nil)
    }
}

@Suite struct JetStreamCursorTests {
    static func info(last: UInt64, created: Int64 = 1) -> JetStreamView.Info {
        JetStreamView.Info(name: "S", created: created, subjects: ["s.>"], firstSequence: 1, lastSequence: last)
    }

    static func view(_ info: JetStreamView.Info) -> JetStreamView {
        JetStreamView(info: info, filter: nil, asLog: true)
    }

    @Test func theFirstInfoOpensAtTheHeadAndSubscribesAfterIt() {
        var cursor = JetStreamCursor()
        let info = Self.info(last: 40)
        let answer1 = cursor.learned(info, view: Self.view(info))
        #expect(answer1 == .subscribe(start: 41, opens: true))
        #expect(cursor.applied == 40)
        let generation = cursor.subscribed()
        let answer2 = cursor.learned(Self.info(last: 45), view: Self.view(info))
        #expect(answer2 == .keep)
        #expect(cursor.head == 45)
        let answer3 = cursor.take(41, generation: generation)
        #expect(answer3)
        let answer4 = cursor.take(41, generation: generation)
        #expect(!answer4, "a sequence is handed on once")
        let answer5 = cursor.take(43, generation: generation)
        #expect(answer5, "a deleted 42 is a hole")
        #expect(cursor.applied == 43)
    }

    @Test func aLostSubscriptionResumesAfterTheLastSequenceAndIgnoresTheOldOnesMessages() {
        var cursor = JetStreamCursor()
        let info = Self.info(last: 0)
        _ = cursor.learned(info, view: Self.view(info))
        let first = cursor.subscribed()
        let answer6 = cursor.take(1, generation: first)
        #expect(answer6)
        let answer7 = cursor.take(2, generation: first)
        #expect(answer7)
        cursor.unsubscribed()
        let answer8 = cursor.learned(Self.info(last: 5), view: Self.view(info))
        #expect(answer8 == .subscribe(start: 3, opens: false))
        let second = cursor.subscribed()
        let answer9 = cursor.take(3, generation: first)
        #expect(!answer9, "a late message of the closed subscription")
        let answer10 = cursor.take(3, generation: second)
        #expect(answer10)
    }

    @Test func aStreamMadeAgainIsANewEpochFromItsHead() {
        var cursor = JetStreamCursor()
        let old = Self.info(last: 90, created: 1)
        _ = cursor.learned(old, view: Self.view(old))
        let generation = cursor.subscribed()
        let answer11 = cursor.take(91, generation: generation)
        #expect(answer11)
        let remade = Self.info(last: 3, created: 2)
        let answer12 = cursor.learned(remade, view: Self.view(remade))
        #expect(answer12 == .subscribe(start: 4, opens: true))
        #expect(cursor.epoch == Self.view(remade).epoch)
        #expect(cursor.applied == 3)
        #expect(!cursor.isSubscribed)
        let answer13 = cursor.take(92, generation: generation)
        #expect(!answer13)
    }
}

@Suite struct NATSPayloadTests {
    @Test func textOnlyWhenItIsUTF8AndNoHeaderSaysOtherwise() {
        #expect(NATSPayload.kind(of: ByteBuffer(string: "héllo"), contentType: nil) == .text)
        #expect(NATSPayload.kind(of: ByteBuffer(bytes: [0x68, 0xff, 0xfe]), contentType: nil) == .binary)
        #expect(NATSPayload.kind(of: ByteBuffer(bytes: [0x68, 0xff]), contentType: "text/plain") == .binary, "never invalid text")
        #expect(NATSPayload.kind(of: ByteBuffer(string: "{}"), contentType: "application/octet-stream") == .binary)
        #expect(NATSPayload.kind(of: ByteBuffer(string: "hi"), contentType: NATSPayload.contentType(of: .text)) == .text)
    }
}

@Suite struct NATSTimingTests {
    @Test func reconnectDelaysDoubleFromTheFirstToTheCapWithJitterInTheUpperHalf() {
        #expect(NATSTiming.reconnectDelay(attempt: 0, random: 0) == .milliseconds(50))
        #expect(NATSTiming.reconnectDelay(attempt: 0, random: 1) == .milliseconds(100))
        #expect(NATSTiming.reconnectDelay(attempt: 3, random: 1) == .milliseconds(800))
        #expect(NATSTiming.reconnectDelay(attempt: 40, random: 1) == .seconds(5))
        #expect(NATSTiming.reconnectDelay(attempt: 40, random: 0) == .milliseconds(2500))
    }
}

@Suite struct SourceStatusTests {
    @Test func aLossCountsOnceWhateverTheAttemptsAfterIt() {
        var status = SourceStatus(url: "nats://h:4222/a")
        let news1 = status.lost("connection refused")
        #expect(!news1, "never up: not a loss")
        #expect(status.state == .connecting)
        #expect(status.lastError == "connection refused")
        #expect(!status.wasReached)
        let news2 = status.connected()
        #expect(news2)
        #expect(status.lastError == nil)
        let news3 = status.connected()
        #expect(!news3, "no news")
        let news4 = status.lost("reset")
        #expect(news4)
        let news5 = status.lost("refused")
        #expect(!news5)
        #expect(status.state == .reconnecting)
        #expect(status.reconnects == 1)
        #expect(status.lastError == "refused")
        #expect(status.wasReached)
    }
}
