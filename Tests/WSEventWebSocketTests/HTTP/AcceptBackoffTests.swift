import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import TestSupport
import Testing

@testable import WSEventWebSocket

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Failing accepts pause accepting, are logged once per episode and counted each; other errors
/// pass on. (The pause itself, `autoRead` off on a real listening socket, is checked end to end
/// in `ResourceBoundsProcessTests`.)
@Suite struct AcceptBackoffTests {
    @Test func anEpisodeOfFailedAcceptsIsLoggedOnceAndItsEndOnce() throws {
        let lines = NIOLockedValueBox<[String]>([])
        let failures = NIOLockedValueBox(0)
        let backoff = AcceptBackoff(logger: RecordingLogHandler.logger(into: lines)) { failures.withLockedValue { $0 += 1 } }
        let sink = ErrorSink()
        let channel = EmbeddedChannel(handlers: [backoff, sink])
        for _ in 0..<100 {
            channel.pipeline.fireErrorCaught(IOError(errnoCode: EMFILE, reason: "accept"))
        }
        #expect(lines.withLockedValue { $0.count } == 1)
        #expect(lines.withLockedValue { $0.first?.contains("cannot accept connections") } == true)
        #expect(failures.withLockedValue { $0 } == 100)
        #expect(sink.errors.withLockedValue { $0 } == 0, "resource errors end here")

        // The pause ends by itself.
        channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        try channel.writeInbound(EmbeddedChannel())
        try channel.writeInbound(EmbeddedChannel())
        #expect(lines.withLockedValue { $0 }.last == "accepting connections again")
        #expect(lines.withLockedValue { $0.count } == 2)
        channel.pipeline.fireErrorCaught(IOError(errnoCode: ENFILE, reason: "accept"))
        #expect(lines.withLockedValue { $0.count } == 3)
        _ = try? channel.finish()
    }

    @Test func otherErrorsPassOn() throws {
        let lines = NIOLockedValueBox<[String]>([])
        let sink = ErrorSink()
        let channel = EmbeddedChannel(handlers: [AcceptBackoff(logger: RecordingLogHandler.logger(into: lines)), sink])
        channel.pipeline.fireErrorCaught(IOError(errnoCode: ECONNRESET, reason: "accept"))
        #expect(sink.errors.withLockedValue { $0 } == 1)
        #expect(lines.withLockedValue { $0 }.isEmpty)
        _ = try? channel.finish()
    }
}

/// Ends (and counts) the errors, as the end of a server channel's pipeline does (EmbeddedChannel
/// would rethrow them).
final class ErrorSink: ChannelInboundHandler, Sendable {
    typealias InboundIn = Any
    let errors = NIOLockedValueBox(0)
    func errorCaught(context: ChannelHandlerContext, error: Error) {
        errors.withLockedValue { $0 += 1 }
    }
}
