import Logging
import NIOConcurrencyHelpers

/// A log handler that keeps every message logged, for tests that check what was said.
public struct RecordingLogHandler: LogHandler {
    public let lines: NIOLockedValueBox<[String]>
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .trace

    public init(lines: NIOLockedValueBox<[String]>) {
        self.lines = lines
    }

    /// A logger at trace level whose messages end up in `lines`.
    public static func logger(into lines: NIOLockedValueBox<[String]>) -> Logger {
        var logger = Logger(label: "test") { _ in RecordingLogHandler(lines: lines) }
        logger.logLevel = .trace
        return logger
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        lines.withLockedValue { $0.append(event.message.description) }
    }
}
