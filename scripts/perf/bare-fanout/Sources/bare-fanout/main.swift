// bare-fanout: the least a SwiftNIO server can do to fan one POSTed event out to N WebSocket
// subscribers, for comparing wsevent-service's cost per delivered message with.
//
// NIO's HTTP server pipeline and WebSocket upgrader (so handshakes cost the same); each
// upgraded channel joins its event loop's list; a POST body becomes one text frame, encoded
// once, and every loop writes that same buffer to each of its channels straight at the head
// of the pipeline, then flushes each once. No ids, replay, accounting, keepalive or metrics.
//
//   bare-fanout PORT        (prints "serving ws://127.0.0.1:PORT/events", then runs until killed)
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// The subscribers of one event loop; touched on that loop only.
final class LoopSubscribers: @unchecked Sendable {
    var contexts: [ChannelHandlerContext] = []
}

let group = MultiThreadedEventLoopGroup.singleton
let loops = Array(group.makeIterator())
let shards = Dictionary(uniqueKeysWithValues: loops.map { (ObjectIdentifier($0), LoopSubscribers()) })

/// Sits first in an upgraded pipeline, so its context writes straight to the socket.
final class Subscriber: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    func handlerAdded(context: ChannelHandlerContext) {
        shards[ObjectIdentifier(context.eventLoop)]!.contexts.append(context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        let shard = shards[ObjectIdentifier(context.eventLoop)]!
        shard.contexts.removeAll { $0 === context }
        context.fireChannelInactive()
    }
}

func broadcast(_ frame: ByteBuffer) {
    for loop in loops {
        loop.execute {
            let contexts = shards[ObjectIdentifier(loop)]!.contexts
            for context in contexts {
                context.write(NIOAny(frame), promise: nil)
                context.flush()
            }
        }
    }
}

func encodeFrame(_ payload: ByteBuffer) -> ByteBuffer {
    var frame = ByteBuffer()
    frame.writeInteger(UInt8(0x81))
    let length = payload.readableBytes
    if length <= 125 {
        frame.writeInteger(UInt8(length))
    } else if length <= 65535 {
        frame.writeInteger(UInt8(126))
        frame.writeInteger(UInt16(length))
    } else {
        frame.writeInteger(UInt8(127))
        frame.writeInteger(UInt64(length))
    }
    frame.writeImmutableBuffer(payload)
    return frame
}

/// Answers POST /events by broadcasting its body; anything else 404.
final class Publisher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    var head: HTTPRequestHead?
    var body = ByteBuffer()

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body.clear()
        case .body(var chunk):
            body.writeBuffer(&chunk)
        case .end:
            guard let head else { return }
            let ok = head.method == .POST && head.uri == "/events"
            if ok { broadcast(encodeFrame(body)) }
            let text = ok ? "{}\n" : "not found\n"
            var headers = HTTPHeaders()
            headers.add(name: "Content-Length", value: "\(text.utf8.count)")
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: ok ? .ok : .notFound, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: text)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}

let port = Int(CommandLine.arguments.dropFirst().first ?? "") ?? 8080
let upgrader = NIOWebSocketServerUpgrader(
    shouldUpgrade: { channel, _ in channel.eventLoop.makeSucceededFuture(HTTPHeaders()) },
    upgradePipelineHandler: { channel, _ in
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(Subscriber(), position: .first)
        }
    }
)
let server = try ServerBootstrap(group: group)
    .serverChannelOption(.backlog, value: 1024)
    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
    .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
    .childChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
            let publisher = Publisher()
            try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                withServerUpgrade: (upgraders: [upgrader], completionHandler: { context in
                    context.pipeline.syncOperations.removeHandler(publisher, promise: nil)
                })
            )
            try channel.pipeline.syncOperations.addHandler(publisher)
        }
    }
    .bind(host: "127.0.0.1", port: port)
    .wait()
// To stderr, unbuffered: a runner waits for this line.
FileHandle.standardError.write(Data("serving ws://127.0.0.1:\(server.localAddress!.port!)/events\n".utf8))
try server.closeFuture.wait()
