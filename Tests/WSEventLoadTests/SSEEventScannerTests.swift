import NIOCore
import Testing

@testable import WSEventLoad

@Suite struct SSEEventScannerTests {
    let header = PayloadHeader(run: 1, publisher: 2, sequence: 3, sentNanoseconds: 4)

    func scan(_ reads: [String]) throws -> [PayloadHeader?] {
        var scanner = SSEEventScanner()
        var events: [PayloadHeader?] = []
        for read in reads { try scanner.scan(ByteBuffer(string: read)) { events.append($0) } }
        return events
    }

    var data: String { String(decoding: header.payload(size: 64), as: UTF8.self) }

    @Test func wseventsAndNchansEventsAreRead() throws {
        // wsevent: retry hint, id, data; Nchan: a ": hi" comment first, its own ids.
        let wsevent = "retry: 2000\n\nid: ep.1\ndata: \(data)\n\nid: ep.2\ndata: \(data)\n\n: heartbeat\n\n"
        #expect(try scan([wsevent]) == [header, header])
        let nchan = ": hi\n\nid: 1796023496:0\ndata: \(data)\n\n"
        #expect(try scan([nchan]) == [header])
    }

    @Test func everySplitGivesTheSameEvents() throws {
        let stream = "id: 1\r\ndata: \(data)\r\n\r\n: comment\r\ndata:\(data)\r\n\r\n"
        for cut in 1..<stream.utf8.count {
            let bytes = Array(stream.utf8)
            let parts = [String(decoding: bytes[..<cut], as: UTF8.self), String(decoding: bytes[cut...], as: UTF8.self)]
            #expect(try scan(parts) == [header, header], "cut at \(cut)")
        }
    }

    @Test func aMultiLineEventCountsOnceByItsFirstLine() throws {
        #expect(try scan(["data: \(data)\ndata: more\n\n"]) == [header])
        #expect(try scan(["data: not ours\ndata: \(data)\n\n"]) == [nil])
    }

    @Test func anEventWithoutDataIsNoEvent() throws {
        #expect(try scan(["event: ping\n\n: x\n\nid: 4\n\n"]).isEmpty)
    }

    @Test func anOverlongLineIsAnError() {
        var scanner = SSEEventScanner(maxLineBytes: 10)
        #expect(throws: SSEEventScanner.LineTooLong.self) {
            try scanner.scan(ByteBuffer(string: "data: 0123456789abcdef")) { _ in }
        }
    }
}
