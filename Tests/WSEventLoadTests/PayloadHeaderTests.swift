import NIOCore
import Testing

@testable import WSEventLoad

@Suite struct PayloadHeaderTests {
    let header = PayloadHeader(run: 0xBEEF, publisher: 15, sequence: 123_456_789, sentNanoseconds: 0x0123_4567_89AB_CDEF)

    @Test func encodesFixedWidthHexThenPadding() {
        let payload = header.payload(size: 48)
        #expect(String(decoding: payload, as: UTF8.self) == "wsb1beef000f0000075bcd150123456789abcdef........")
    }

    @Test func roundTripsAtEverySize() {
        for size in [0, 1, 39, 40, 41, 128, 4096] {
            let payload = header.payload(size: size)
            #expect(payload.count == max(size, PayloadHeader.size))
            #expect(PayloadHeader.decode(payload) == header)
        }
        let extremes = PayloadHeader(run: .max, publisher: .max, sequence: (1 << 48) - 1, sentNanoseconds: .max)
        #expect(PayloadHeader.decode(extremes.payload(size: 40)) == extremes)
    }

    @Test func decodesFromAByteBufferWithoutCopying() {
        var buffer = ByteBuffer(string: "xx")
        buffer.moveReaderIndex(forwardBy: 2)
        header.write(to: &buffer, payloadSize: 128)
        #expect(buffer.readableBytes == 128)
        #expect(PayloadHeader.decode(buffer) == header)
    }

    @Test func refusesWhatIsNotAHeader() {
        var payload = header.payload(size: 40)
        #expect(PayloadHeader.decode(Array(payload.prefix(39))) == nil)
        payload[0] = UInt8(ascii: "W")
        #expect(PayloadHeader.decode(payload) == nil)
        var upper = header.payload(size: 40)
        upper[30] = UInt8(ascii: "A")  // hex is lower case only
        #expect(PayloadHeader.decode(upper) == nil)
        #expect(PayloadHeader.decode(Array("1: localhost:8080: ZCxmqzPynO\n".utf8)) == nil)
    }
}
