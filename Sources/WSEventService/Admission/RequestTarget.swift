/// A request's path and decoded query parameters.
///
/// A parameter that cannot be decoded is not dropped: serving the request as if it were absent
/// would, for `since` or `last_event_id`, skip events without a gap. It is kept in
/// ``malformed`` so the request can be refused with its name and value.
package struct RequestTarget: Sendable, Hashable {
    package var path: String
    /// The parameters whose name and value decoded.
    package var query: [String: String]
    /// The first parameter that did not decode, if any.
    package var malformed: MalformedParameter?

    package init(_ uri: String) {
        let parts = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        // A path that does not decode is looked up as sent, and so names no stream.
        path = (try? PercentDecoding.decode(parts[0], as: .path).get()) ?? String(parts[0])
        query = [:]
        malformed = nil
        guard parts.count == 2 else { return }
        for pair in parts[1].split(separator: "&") {
            let nameValue = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let rawValue = nameValue.count == 2 ? nameValue[1] : ""
            switch (PercentDecoding.decode(nameValue[0], as: .query), PercentDecoding.decode(rawValue, as: .query)) {
            case (.success(let name), .success(let value)):
                query[name] = value
            case (.failure(let flaw), _):
                malformed = malformed ?? MalformedParameter(name: String(nameValue[0]), value: nil, flaw: flaw)
            case (.success(let name), .failure(let flaw)):
                malformed = malformed ?? MalformedParameter(name: name, value: String(rawValue), flaw: flaw)
            }
        }
    }
}

/// A query parameter whose name or value has a malformed `%`-escape, or decodes to bytes that
/// are not UTF-8.
package struct MalformedParameter: Sendable, Hashable, CustomStringConvertible {
    /// The decoded name; the name as sent when the name itself is at fault.
    package var name: String
    /// The value as sent; `nil` when the name is at fault.
    package var value: String?
    var flaw: PercentDecoding.Flaw

    /// One line for a `400` answer, quoting what was sent.
    package var description: String {
        let problem =
            switch flaw {
            case .malformedEscape: "has a malformed %-escape"
            case .notUTF8: "is not UTF-8 once %-decoded"
            }
        guard let value else { return "query parameter name '\(name)' \(problem)" }
        return "query parameter '\(name)' \(problem): '\(value)'"
    }
}
