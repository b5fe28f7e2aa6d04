import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A deliberately cheap WebSocket subscriber for load: sends the upgrade by hand, then only
/// walks frame headers to count messages, so the load generator costs little next to the
/// server it measures.
final class CountingSubscriber: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let target: String
    private let host: String
    private let counter: Counter
    private var upgraded = false
    private var pending = ByteBuffer()

    init(host: String, target: String, counter: Counter) {
        self.host = host
        self.target = target
        self.counter = counter
    }

    func channelActive(context: ChannelHandlerContext) {
        let request = "GET \(target) HTTP/1.1\r\nHost: \(host)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        context.writeAndFlush(NIOAny(ByteBuffer(string: request)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        pending.writeBuffer(&bytes)
        if !upgraded {
            guard let end = pending.readableBytesView.firstRange(of: Array("\r\n\r\n".utf8)) else { return }
            pending.moveReaderIndex(to: end.upperBound)
            upgraded = true
            counter.connected()
        }
        var messages = 0
        while pending.readableBytes >= 2 {
            let start = pending.readerIndex
            let second = pending.getInteger(at: start + 1, as: UInt8.self)! & 0x7F
            var header = 2
            var length = Int(second)
            if second == 126 {
                guard pending.readableBytes >= 4 else { break }
                length = Int(pending.getInteger(at: start + 2, as: UInt16.self)!)
                header = 4
            } else if second == 127 {
                guard pending.readableBytes >= 10 else { break }
                length = Int(pending.getInteger(at: start + 2, as: UInt64.self)!)
                header = 10
            }
            guard pending.readableBytes >= header + length else { break }
            pending.moveReaderIndex(forwardBy: header + length)
            messages += 1
        }
        pending.discardReadBytes()
        if messages > 0 { counter.received(messages) }
    }
}

/// Totals across all subscribers.
final class Counter: Sendable {
    private struct State {
        var connected = 0
        var received = 0
    }

    private let state = NIOLockedValueBox(State())

    func connected() { state.withLockedValue { $0.connected += 1 } }
    func received(_ count: Int) { state.withLockedValue { $0.received += count } }
    var totals: (connected: Int, received: Int) { state.withLockedValue { ($0.connected, $0.received) } }
}
