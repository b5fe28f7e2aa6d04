import NIOCore

/// The 40 bytes at the start of every payload the load generator publishes: which run and which
/// publishing connection sent it, its sequence number on that connection, and when it was sent.
///
/// Layout, all ASCII so that any server passes it through unchanged as text (an SSE `data:`
/// line, a text WebSocket frame) and a person can read it in a capture:
///
///     wsb1 RRRR PPPP SSSSSSSSSSSS TTTTTTTTTTTTTTTT     (without the spaces)
///     magic run  pub  sequence     send time, ns
///
/// every field fixed-width lower-case hex. The rest of the payload is padding (`.`), up to the
/// payload size asked for. Fixed width means a subscriber decodes it in place from the
/// received bytes, without allocating.
package struct PayloadHeader: Sendable, Hashable {
    /// Which run sent it: a subscriber ignores events of another run (a server that replays
    /// old events to a new subscriber must not make them count).
    package var run: UInt16
    /// The publishing connection, 0-based.
    package var publisher: UInt16
    /// 1, 2, 3, ... per publishing connection, in the order that connection sent them.
    package var sequence: UInt64
    /// `NIODeadline.now().uptimeNanoseconds` when it was sent (CLOCK_MONOTONIC: comparable
    /// only within one machine, which is all a loopback benchmark needs).
    package var sentNanoseconds: UInt64

    /// Bytes the header takes; payloads are at least this long.
    package static let size = 40
    static let magic: [UInt8] = Array("wsb1".utf8)
    /// What fills a payload after its header.
    package static let padding = UInt8(ascii: ".")

    package init(run: UInt16, publisher: UInt16, sequence: UInt64, sentNanoseconds: UInt64) {
        self.run = run
        self.publisher = publisher
        self.sequence = sequence
        self.sentNanoseconds = sentNanoseconds
    }

    /// The header followed by padding, `payloadSize` bytes in all (at least ``size``).
    package func payload(size payloadSize: Int) -> [UInt8] {
        var bytes = [UInt8]()
        bytes.reserveCapacity(max(payloadSize, Self.size))
        bytes += Self.magic
        Self.appendHex(UInt64(run), digits: 4, to: &bytes)
        Self.appendHex(UInt64(publisher), digits: 4, to: &bytes)
        Self.appendHex(sequence, digits: 12, to: &bytes)
        Self.appendHex(sentNanoseconds, digits: 16, to: &bytes)
        if payloadSize > bytes.count { bytes += repeatElement(Self.padding, count: payloadSize - bytes.count) }
        return bytes
    }

    /// Decodes the header at the start of `bytes`; nil when they do not start with one (a
    /// payload someone else published, or fewer than ``size`` bytes).
    package static func decode(_ bytes: UnsafeRawBufferPointer) -> PayloadHeader? {
        guard bytes.count >= size,
            bytes[0] == magic[0], bytes[1] == magic[1], bytes[2] == magic[2], bytes[3] == magic[3],
            let run = hex(bytes, from: 4, digits: 4),
            let publisher = hex(bytes, from: 8, digits: 4),
            let sequence = hex(bytes, from: 12, digits: 12),
            let sent = hex(bytes, from: 24, digits: 16)
        else { return nil }
        return PayloadHeader(run: UInt16(run), publisher: UInt16(publisher), sequence: sequence, sentNanoseconds: sent)
    }

    /// ``decode(_:)`` of an array, for tests and tools.
    package static func decode(_ bytes: [UInt8]) -> PayloadHeader? {
        bytes.withUnsafeBytes { decode($0) }
    }

    private static let digitsTable: [UInt8] = Array("0123456789abcdef".utf8)

    private static func appendHex(_ value: UInt64, digits: Int, to bytes: inout [UInt8]) {
        for shift in stride(from: (digits - 1) * 4, through: 0, by: -4) {
            bytes.append(digitsTable[Int((value >> UInt64(shift)) & 0xF)])
        }
    }

    private static func hex(_ bytes: UnsafeRawBufferPointer, from start: Int, digits: Int) -> UInt64? {
        var value: UInt64 = 0
        for index in start..<(start + digits) {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte &- UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte &- UInt8(ascii: "a") &+ 10
            default: return nil
            }
            value = value << 4 | UInt64(digit)
        }
        return value
    }
}

extension PayloadHeader {
    /// Writes the header and its padding, `payloadSize` bytes in all, into `buffer`.
    package func write(to buffer: inout ByteBuffer, payloadSize: Int) {
        buffer.writeBytes(payload(size: payloadSize))
    }

    /// Decodes the header at the start of `buffer`'s readable bytes, without copying.
    package static func decode(_ buffer: ByteBuffer) -> PayloadHeader? {
        buffer.withUnsafeReadableBytes { decode($0) }
    }
}
