/// NATS subjects as the bridge reads them: dot-separated tokens, `*` for one token, `>` for
/// one or more at the end. Pure logic.
public enum NATSSubject {
    /// Why `subject` is not a subject a subscription may name, in one line; `nil` when it is.
    public static func problem(with subject: String) -> String? {
        guard !subject.isEmpty else { return "the subject is empty" }
        guard !subject.contains(where: { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }) else {
            return "a subject has no spaces"
        }
        let tokens = subject.split(separator: ".", omittingEmptySubsequences: false)
        for (index, token) in tokens.enumerated() {
            if token.isEmpty { return "'\(subject)' has an empty token (two dots, or a dot at an end)" }
            if token.contains(">"), token != ">" || index != tokens.count - 1 {
                return "'\(subject)': '>' stands alone as the last token"
            }
            if token.contains("*"), token != "*" { return "'\(subject)': '*' stands alone as a token" }
        }
        return nil
    }

    /// Whether every subject `pattern` matches is also matched by `filter` (both valid, with
    /// wildcards): a consumer filtered by `filter` sees every message of a stream that captures
    /// `pattern`.
    public static func covers(_ filter: String, _ pattern: String) -> Bool {
        let filter = filter.split(separator: ".")
        let pattern = pattern.split(separator: ".")
        for (index, token) in filter.enumerated() {
            if token == ">" { return index < pattern.count }
            guard index < pattern.count else { return false }
            let other = pattern[index]
            if other == ">" { return false }
            if token == "*" { continue }
            if other == "*" || other != token { return false }
        }
        return filter.count == pattern.count
    }

    /// Whether a consumer filtered by `filter` (`nil`: none) sees every message of a stream
    /// whose subjects are `streamSubjects`.
    public static func covers(_ filter: String?, stream streamSubjects: [String]) -> Bool {
        guard let filter else { return true }
        return streamSubjects.allSatisfy { covers(filter, $0) }
    }
}
