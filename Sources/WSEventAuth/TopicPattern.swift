/// One entry of a grant: an exact stream path, or a pattern of segments.
///
/// The syntax (docs/AUTH.md, "Grant patterns"):
/// - a pattern starts with `/` and is split on `/` into segments, as the path is;
/// - a segment `*` matches exactly one segment of the path, which must not be empty;
/// - a last segment `**` matches one or more segments;
/// - every other segment matches itself only, byte for byte (no partial wildcards: `room-*` is
///   the literal `room-*`).
///
/// A pattern is matched against the stream's name, the path after `%`-decoding: that is the
/// name every spelling of the request reaches, so `%2F` cannot smuggle a `/` past a `*`
/// (`/rooms/a%2Fb` names the stream `/rooms/a/b`, three segments, which `/rooms/*` does not
/// match). A path with a `.` or `..` segment matches no pattern, nor does a pattern with one.
/// A trailing slash is a last, empty segment: `/rooms/42/` is matched only by a pattern with
/// the same trailing slash, never by `/rooms/42` or `/rooms/*`.
public struct TopicPattern: Sendable, Hashable, CustomStringConvertible {
    enum Segment: Sendable, Hashable {
        case literal(Substring)
        /// `*`: one non-empty segment.
        case one
        /// `**`, last only: one or more segments.
        case rest
    }

    private let segments: [Segment]
    public let description: String

    /// Parses `text`; `nil` for what is not a pattern (no leading `/`, `**` before the end, a
    /// dot segment).
    public init?(_ text: String) {
        guard text.hasPrefix("/") else { return nil }
        let parts = Self.segments(of: text)
        var segments: [Segment] = []
        segments.reserveCapacity(parts.count)
        for (index, part) in parts.enumerated() {
            switch part {
            case "*": segments.append(.one)
            case "**":
                guard index == parts.count - 1 else { return nil }
                segments.append(.rest)
            case ".", "..": return nil
            default: segments.append(.literal(part))
            }
        }
        self.segments = segments
        description = text
    }

    /// Whether the stream at `path` (decoded, with its leading `/`) is one this pattern names.
    public func matches(_ path: String) -> Bool {
        guard path.hasPrefix("/") else { return false }
        let parts = Self.segments(of: path)
        guard !parts.contains(where: { $0 == "." || $0 == ".." }) else { return false }
        var index = 0
        for segment in segments {
            switch segment {
            case .literal(let literal):
                guard index < parts.count, parts[index] == literal else { return false }
                index += 1
            case .one:
                guard index < parts.count, !parts[index].isEmpty else { return false }
                index += 1
            case .rest:
                // One or more segments, none of them empty.
                guard index < parts.count, !parts[index...].contains(where: \.isEmpty) else { return false }
                return true
            }
        }
        return index == parts.count
    }

    /// The segments after the leading `/`, empty ones kept: `/a//b/` is `a`, ``, `b`, ``.
    private static func segments(of path: String) -> [Substring] {
        path.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
    }
}
