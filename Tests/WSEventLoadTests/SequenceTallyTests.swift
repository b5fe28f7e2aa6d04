import Testing

@testable import WSEventLoad

@Suite struct SequenceTallyTests {
    func event(_ publisher: UInt16, _ sequence: UInt64, run: UInt16 = 7) -> PayloadHeader {
        PayloadHeader(run: run, publisher: publisher, sequence: sequence, sentNanoseconds: 0)
    }

    @Test func inOrderOnEachConnectionIsNotReorderedEvenWhenConnectionsInterleave() {
        var tally = SequenceTally()
        for header in [event(0, 1), event(1, 1), event(1, 2), event(0, 2), event(2, 1), event(0, 3)] {
            let counted = tally.count(header, run: 7)
            #expect(counted)
        }
        #expect(tally.received == 6)
        #expect(tally.reordered == 0)
        #expect(tally.lost(expected: 6) == 0)
    }

    @Test func aLateEventIsReorderedAndAMissingOneLost() {
        var tally = SequenceTally()
        for sequence: UInt64 in [1, 3, 2, 5] { tally.count(event(0, sequence), run: 7) }
        #expect(tally.received == 4)
        #expect(tally.reordered == 1)  // 2 after 3
        #expect(tally.lost(expected: 5) == 1)  // 4 never came
    }

    @Test func aDuplicateCountsAsReordered() {
        var tally = SequenceTally()
        for sequence: UInt64 in [1, 2, 2, 3] { tally.count(event(3, sequence), run: 7) }
        #expect(tally.reordered == 1)
        #expect(tally.received == 4)
    }

    @Test func anotherRunsEventsAndHeaderlessPayloadsAreForeign() {
        var tally = SequenceTally()
        let otherRun = tally.count(event(0, 1, run: 8), run: 7)
        let noHeader = tally.count(nil, run: 7)
        #expect(!otherRun && !noHeader)
        #expect(tally.foreign == 2)
        #expect(tally.received == 0)
        #expect(tally.lost(expected: 3) == 3)
    }

    @Test func untaggedMessagesCountAsReceived() {
        var tally = SequenceTally()
        tally.countUntagged()
        tally.countUntagged()
        #expect(tally.received == 2)
        #expect(tally.reordered == 0)
    }

    @Test func aPublisherIndexBeyondTheLimitIsCountedButNotTracked() {
        var tally = SequenceTally()
        let first = tally.count(event(UInt16(SequenceTally.maxPublishers), 1), run: 7)
        let second = tally.count(event(UInt16(SequenceTally.maxPublishers), 1), run: 7)
        #expect(first && second)
        #expect(tally.received == 2)
        #expect(tally.reordered == 0)
    }
}
