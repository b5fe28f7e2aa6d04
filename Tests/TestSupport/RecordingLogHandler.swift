import Logging
import NIOConcurrencyHelpers

/// A log handler that keeps every message logged, for tests that check what was said.
public struct RecordingLogHandler: LogHandler {
    public let lines: NIOLockedValueBox<[String]>
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .trace
    /// Whether each line ends with the metadata, ` key=value` sorted by key.
    public var includesMetadata: Bool

    public init(lines: NIOLockedValueBox<[String]>, includesMetadata: Bool = false) {
        self.lines = lines
        self.includesMetadata = includesMetadata
    }

    /// A logger at trace level whose messages (and with `includesMetadata` their metadata)
    /// end up in `lines`.
    public static func logger(into lines: NIOLockedValueBox<[String]>, includesMetadata: Bool = false) -> Logger {
        var logger = Logger(label: "test") { _ in RecordingLogHandler(lines: lines, includesMetadata: includesMetadata) }
        logger.logLevel = .trace
        return logger
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var line = event.message.description
        if includesMetadata {
            let all = metadata.merging(event.metadata ?? [:]) { $1 }
            line += all.sorted { $0.key < $1.key }.map { " \($0.key)=\($0.value)" }.joined()
        }
        lines.withLockedValue { $0.append(line) }
    }
}
