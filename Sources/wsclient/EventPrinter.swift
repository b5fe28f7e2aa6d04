import NIOConcurrencyHelpers
import NIOCore
import WSEventCLI
import WSEventCore

/// Turns subscription updates into output: payloads (or JSON lines) on stdout, one write each,
/// and state changes on stderr, once per change.
///
/// A payload is printed as one line: a newline is added unless it ends in one, so payloads
/// published without one (`curl -d hello`) do not run together, nor into a status line on
/// stderr. `raw` writes the payloads' bytes exactly, nothing added.
final class EventPrinter: Sendable {
    private struct State {
        var epoch: Epoch?
        var printed = 0
        var brokenPipe = false
        var disconnected = false
    }

    private let json: Bool
    private let raw: Bool
    private let limit: Int?
    private let state = NIOLockedValueBox(State())

    init(json: Bool, raw: Bool = false, limit: Int?) {
        self.json = json
        self.raw = raw
        self.limit = limit
    }

    var printed: Int { state.withLockedValue { $0.printed } }
    /// stdout's reader went away (`| head`): stop quietly.
    var brokenPipe: Bool { state.withLockedValue { $0.brokenPipe } }

    func handle(_ update: ResumingSubscriber.Update) -> ResumingSubscriber.Decision {
        state.withLockedValue { state in
            switch update {
            case .connected:
                if state.disconnected {
                    FileDescriptorOutput.standardError.write("wsclient: reconnected\n")
                    state.disconnected = false
                }
            case .hello(let epoch, _):
                state.epoch = epoch
            case .event(let id, let kind, let payload):
                let ok: Bool
                if json {
                    ok = FileDescriptorOutput.standardOutput.write(
                        JSONLine.event(id: id, epoch: id == nil ? nil : state.epoch, kind: kind, payload: payload)
                    )
                } else if raw || payload.readableBytesView.last == UInt8(ascii: "\n") {
                    ok = payload.withUnsafeReadableBytes { FileDescriptorOutput.standardOutput.write($0) }
                } else {
                    // One write for the line, so that a reader never sees half of it.
                    var line = payload
                    line.writeInteger(UInt8(ascii: "\n"))
                    ok = line.withUnsafeReadableBytes { FileDescriptorOutput.standardOutput.write($0) }
                }
                guard ok else {
                    state.brokenPipe = true
                    return .stop
                }
                state.printed += 1
                if let limit, state.printed >= limit { return .stop }
            case .gap(let first, let last):
                if json {
                    if !FileDescriptorOutput.standardOutput.write(JSONLine.gap(first: first, last: last)) {
                        state.brokenPipe = true
                        return .stop
                    }
                } else {
                    let what =
                        switch (first, last) {
                        case (0, 0): "the stream restarted (new epoch); events after your position in the old one are lost"
                        case (0, _): "the stream restarted (new epoch); its events 1-\(last) and the rest of the old one are lost"
                        default: "events \(first)-\(last) could not be replayed"
                        }
                    FileDescriptorOutput.standardError.write("wsclient: \(what)\n")
                }
            case .disconnected(let reason):
                if !state.disconnected {
                    FileDescriptorOutput.standardError.write("wsclient: \(reason)\n")
                    state.disconnected = true
                }
            }
            return .proceed
        }
    }
}
