import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import Testing

@testable import WSEventService

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Failing accepts are logged once per episode, not once per failure.
@Suite struct AcceptErrorLoggerTests {
    @Test func anEpisodeOfFailedAcceptsIsLoggedOnceAndItsEndOnce() throws {
        let lines = NIOLockedValueBox<[String]>([])
        var logger = Logger(label: "test") { _ in RecordingLogHandler(lines: lines) }
        logger.logLevel = .trace
        // The errors go on to the backoff handler; here they end in a sink.
        let channel = EmbeddedChannel(handlers: [AcceptErrorLogger(logger: logger), ErrorSink()])
        for _ in 0..<100 {
            channel.pipeline.fireErrorCaught(IOError(errnoCode: EMFILE, reason: "accept"))
        }
        #expect(lines.withLockedValue { $0.count } == 1)
        #expect(lines.withLockedValue { $0.first?.contains("cannot accept connections") } == true)
        try channel.writeInbound(EmbeddedChannel())
        try channel.writeInbound(EmbeddedChannel())
        #expect(lines.withLockedValue { $0 }.last == "accepting connections again")
        #expect(lines.withLockedValue { $0.count } == 2)
        channel.pipeline.fireErrorCaught(IOError(errnoCode: EMFILE, reason: "accept"))
        #expect(lines.withLockedValue { $0.count } == 3)
        _ = try? channel.finish()
    }
}

/// Ends the errors, as the end of a server channel's pipeline does (EmbeddedChannel would rethrow them).
final class ErrorSink: ChannelInboundHandler, Sendable {
    typealias InboundIn = Any
    func errorCaught(context: ChannelHandlerContext, error: Error) {}
}

/// Keeps every message logged.
struct RecordingLogHandler: LogHandler {
    let lines: NIOLockedValueBox<[String]>
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        lines.withLockedValue { $0.append(event.message.description) }
    }
}
