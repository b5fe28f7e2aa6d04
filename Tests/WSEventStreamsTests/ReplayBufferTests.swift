import NIOCore
import Testing

import WSEventCore
@testable import WSEventStreams

@Suite struct ReplayBufferTests {
    @Test func keepsTheLastCapacityElements() {
        var buffer = ReplayBuffer<String>(capacity: 3)
        for id in 1...5 { buffer.append(id: UInt64(id), "e\(id)") }
        #expect(buffer.count == 3)
        #expect(buffer.firstID == 3)
        #expect(buffer.lastID == 5)
        #expect(buffer.elements(after: 0).map(\.element) == ["e3", "e4", "e5"])
    }

    /// The stream's status counts what its buffer holds, in events and bytes, as `/metrics`
    /// shows it: full, each new event replaces the oldest.
    @Test func aStreamCountsTheEventsAndBytesItsBufferHolds() throws {
        let stream = WireEventStream(path: "/x", bufferSize: 2)
        #expect(stream.status.bufferedEvents == 0)
        #expect(stream.status.bufferedBytes == 0)
        try stream.publish(kind: .text, payload: ByteBuffer(string: "aaaa"))
        let one = stream.status.bufferedBytes
        #expect(one > 4)
        try stream.publish(kind: .text, payload: ByteBuffer(string: "bbbb"))
        try stream.publish(kind: .text, payload: ByteBuffer(string: "cccc"))
        #expect(stream.status.bufferedEvents == 2)
        #expect(stream.status.bufferedBytes == 2 * one)
    }

    @Test func elementsAfterAnIdAreInOrder() {
        var buffer = ReplayBuffer<String>(capacity: 10)
        for id in [1, 2, 3, 7, 8] { buffer.append(id: UInt64(id), "e\(id)") }
        #expect(buffer.elements(after: 2).map(\.id) == [3, 7, 8])
        #expect(buffer.elements(after: 5).map(\.id) == [7, 8])
        #expect(buffer.elements(after: 8).isEmpty)
    }

    @Test func theByteBoundDropsTheOldestToo() {
        var buffer = ReplayBuffer<String>(capacity: 100, maxBytes: 250)
        for id in 1...5 { buffer.append(id: UInt64(id), "e\(id)", bytes: 100) }
        #expect(buffer.elements(after: 0).map(\.id) == [4, 5])
        #expect(buffer.bytes == 200)
        // Whichever bound is reached first: here the count.
        var counted = ReplayBuffer<String>(capacity: 2, maxBytes: 1000)
        for id in 1...5 { counted.append(id: UInt64(id), "e\(id)", bytes: 10) }
        #expect(counted.elements(after: 0).map(\.id) == [4, 5])
        #expect(counted.bytes == 20)
    }

    @Test func anElementLargerThanTheByteBoundIsNotKept() {
        var buffer = ReplayBuffer<String>(capacity: 10, maxBytes: 100)
        buffer.append(id: 1, "small", bytes: 10)
        buffer.append(id: 2, "huge", bytes: 500)
        #expect(buffer.count == 0)
        #expect(buffer.bytes == 0)
        buffer.append(id: 3, "small", bytes: 10)
        #expect(buffer.elements(after: 0).map(\.id) == [3])
    }

    /// A huge count costs nothing up front: it is a bound, not a size.
    @Test func aHugeCapacityIsNotPreallocated() {
        var buffer = ReplayBuffer<String>(capacity: 10_000_000_000)
        buffer.append(id: 1, "e1")
        #expect(buffer.count == 1)
    }

    @Test func zeroCapacityKeepsNothing() {
        var buffer = ReplayBuffer<String>(capacity: 0)
        buffer.append(id: 1, "e1")
        #expect(buffer.count == 0)
        #expect(buffer.elements(after: 0).isEmpty)
    }

    @Test func removeAllEmpties() {
        var buffer = ReplayBuffer<Int>(capacity: 2)
        buffer.append(id: 1, 1)
        buffer.append(id: 2, 2)
        buffer.append(id: 3, 3)
        buffer.removeAll()
        #expect(buffer.count == 0)
        buffer.append(id: 1, 1)
        #expect(buffer.elements(after: 0).map(\.id) == [1])
    }
}
