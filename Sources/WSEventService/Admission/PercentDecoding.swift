import WSEventStorage

/// Decodes the `%XX` escapes of one part of a request target, and in a query `+` as a space.
enum PercentDecoding {
    /// Which part of the target: `+` means a space only in a query (HTML form encoding); in a
    /// path it is a `+` (RFC 3986), so `/c++` names the stream `/c++`.
    enum Part: Sendable {
        case path
        case query
    }

    /// Why a part could not be decoded: the same as any URL component's.
    typealias Flaw = URLPercentDecoding.Flaw

    static func decode(_ text: Substring, as part: Part) -> Result<String, Flaw> {
        // A literal `+` is form encoding's space; an escaped one (`%2B`) stays a `+`, since the
        // escapes are decoded after.
        guard part == .query, text.utf8.contains(UInt8(ascii: "+")) else { return URLPercentDecoding.decode(text) }
        let spaced = String(decoding: text.utf8.map { $0 == UInt8(ascii: "+") ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
        return URLPercentDecoding.decode(Substring(spaced))
    }
}
