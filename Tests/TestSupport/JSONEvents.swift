import Foundation

/// One line of `wsclient --json`.
public struct JSONEvent: Decodable, Equatable, Sendable {
    public var id: UInt64?
    public var epoch: String?
    public var kind: String
    public var payload: String?
    public var first: UInt64?
    public var last: UInt64?

    /// Parses every line of `output`.
    public static func parseLines(_ output: String) throws -> [JSONEvent] {
        try output.split(separator: "\n").map { try JSONDecoder().decode(JSONEvent.self, from: Data($0.utf8)) }
    }
}
