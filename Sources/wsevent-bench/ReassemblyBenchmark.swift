import ArgumentParser
import NIOCore
import NIOWebSocket
import WSEventWebSocket

/// `wsevent-bench reassembly`: how fast ``MessageAssembler`` turns data frames into one
/// message, whole or in small fragments, binary or text (text adds the UTF-8 check).
struct ReassemblyBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reassembly",
        abstract: "Feed one large message to the message assembler, as one frame and as many fragments."
    )

    @Option(help: "Payload bytes of the message")
    var messageBytes = 16 << 20

    @Option(help: "Payload bytes per fragment in the fragmented cases")
    var fragmentBytes = 64

    @Option(help: "Times each case is run; all are counted")
    var rounds = 3

    func validate() throws {
        guard messageBytes > 0, fragmentBytes > 0, rounds > 0 else {
            throw ValidationError("--message-bytes, --fragment-bytes and --rounds must be positive")
        }
    }

    func run() throws {
        let binary = ByteBuffer(bytes: (0..<messageBytes).lazy.map { UInt8(truncatingIfNeeded: $0) })
        let text = ByteBuffer(bytes: Self.mixedUTF8(count: messageBytes))
        print("message=\(messageBytes)B fragment=\(fragmentBytes)B rounds=\(rounds)")
        try time("binary, one frame", .binary, [binary])
        try time("binary, fragments", .binary, fragments(of: binary))
        try time("text, one frame", .text, [text])
        try time("text, fragments", .text, fragments(of: text))
    }

    /// Runs one case `rounds` times and prints its throughput over all of them.
    private func time(_ name: String, _ opcode: WebSocketOpcode, _ frames: [ByteBuffer]) throws {
        let clock = ContinuousClock()
        let start = clock.now
        for _ in 0..<rounds {
            var assembler = MessageAssembler(maxMessageSize: messageBytes)
            var outcome = MessageAssembler.Outcome.needMore
            for (index, frame) in frames.enumerated() {
                outcome = assembler.receive(
                    opcode: index == 0 ? opcode : .continuation, fin: index == frames.count - 1, data: frame)
            }
            // Checking the result also keeps the optimiser from dropping the work.
            guard case .message(let message) = outcome, message.data.readableBytes == messageBytes else {
                throw ValidationError("\(name): the assembler answered \(outcome)")
            }
        }
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let mebibytes = Double(messageBytes * rounds) / Double(1 << 20)
        let padded = name + String(repeating: " ", count: max(0, 20 - name.count))
        let milliseconds = (seconds * 100_000).rounded() / 100
        let rate = (mebibytes / seconds * 10).rounded() / 10
        print("\(padded) \(rate) MiB/s, \(milliseconds) ms total")
    }

    /// The message cut into `fragmentBytes` slices, prepared before the clock starts.
    private func fragments(of message: ByteBuffer) -> [ByteBuffer] {
        stride(from: 0, to: message.readableBytes, by: fragmentBytes).map { offset in
            message.getSlice(at: offset, length: min(fragmentBytes, message.readableBytes - offset))!
        }
    }

    /// Valid UTF-8 of exactly `count` bytes mixing 1- to 4-byte characters. The 10-byte
    /// pattern does not divide the fragment sizes one would pick, so fragment boundaries fall
    /// inside characters as well as between them.
    static func mixedUTF8(count: Int) -> [UInt8] {
        let pattern = Array("aé€😀".utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        while bytes.count + pattern.count <= count { bytes += pattern }
        // Pad with ASCII so the length is exact and the text still ends on a character.
        bytes += repeatElement(UInt8(ascii: "a"), count: count - bytes.count)
        return bytes
    }
}
