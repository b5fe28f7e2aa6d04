import WSEventStorage

/// Where a NATS subject or JetStream stream is, as `-consume` and `-publish-to` name it:
///
/// - `nats://[USER:PASSWORD@]HOST[:PORT]/SUBJECT`: core NATS (wildcards allowed);
/// - `nats://HOST:PORT/SUBJECT?stream=NAME`: the JetStream stream NAME, filtered by SUBJECT;
/// - `nats://HOST:PORT/?stream=NAME`: the whole stream.
///
/// The port is 4222 by default; the user and password may be `%`-escaped. Pure value.
public struct NATSURL: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var user: String?
    public var password: String?
    /// The subject (a filter, with a stream); `nil` for a whole stream.
    public var subject: String?
    /// The JetStream stream; `nil` for core NATS.
    public var stream: String?

    public static let defaultPort = 4222
    /// What the forms look like, for error lines.
    public static let forms = "nats://HOST:PORT/SUBJECT (core NATS) or nats://HOST:PORT/SUBJECT?stream=NAME (JetStream)"

    public init(host: String, port: Int = NATSURL.defaultPort, user: String? = nil, password: String? = nil, subject: String?, stream: String? = nil) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.subject = subject
        self.stream = stream
    }

    /// Parses the forms above.
    /// - Throws: ``NATSURLError``, one line that quotes the URL without its password.
    public init(parsing text: String) throws(NATSURLError) {
        let fail = { (why: String) in NATSURLError(url: NATSURL.redacted(text), reason: why) }
        guard let schemeEnd = text.firstRange(of: "://"), text[..<schemeEnd.lowerBound].lowercased() == "nats" else {
            throw fail("not a nats:// URL: \(Self.forms)")
        }
        var rest = text[schemeEnd.upperBound...]
        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        var authority = rest[..<slash]
        let path = rest[slash...].drop { $0 == "/" }
        if let at = authority.lastIndex(of: "@") {
            let credentials = authority[..<at]
            authority = authority[authority.index(after: at)...]
            let colon = credentials.firstIndex(of: ":")
            guard let name = Self.percentDecoded(credentials[..<(colon ?? credentials.endIndex)]) else { throw fail("the user has a bad %-escape") }
            user = name
            if let colon {
                guard let secret = Self.percentDecoded(credentials[credentials.index(after: colon)...]) else {
                    throw fail("the password has a bad %-escape")
                }
                password = secret
            }
        }
        // [IPv6]:PORT, HOST:PORT or HOST.
        var portText: Substring?
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() } else if !after.isEmpty { throw fail("a bad host") }
        } else if let colon = authority.lastIndex(of: ":") {
            host = String(authority[..<colon])
            portText = authority[authority.index(after: colon)...]
        } else {
            host = String(authority)
        }
        guard !host.isEmpty else { throw fail("no HOST: \(Self.forms)") }
        port = Self.defaultPort
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value) else { throw fail("the port must be 1 to 65535") }
            port = value
        }
        for item in query.split(separator: "&") where !item.isEmpty {
            let pair = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pair.count == 2, pair[0] == "stream" else {
                throw fail("'\(item)' is not a parameter it takes (only stream=NAME)")
            }
            guard let name = Self.percentDecoded(pair[1]) else { throw fail("the stream name has a bad %-escape") }
            if let problem = Self.streamNameProblem(name) { throw fail(problem) }
            stream = name
        }
        guard let decoded = Self.percentDecoded(path) else { throw fail("the subject has a bad %-escape") }
        if decoded.isEmpty || (stream != nil && decoded == ">") {
            guard stream != nil else { throw fail("no SUBJECT: \(Self.forms)") }
            subject = nil
        } else {
            if let problem = NATSSubject.problem(with: decoded) { throw fail(problem) }
            subject = decoded
        }
    }

    /// Whether this names a JetStream stream.
    public var isJetStream: Bool { stream != nil }

    /// The server as nats.c takes it: `nats://[USER:PASSWORD@]HOST:PORT`.
    public var server: String {
        let credentials = user.map { name in name + (password.map { ":" + $0 } ?? "") + "@" } ?? ""
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "nats://\(credentials)\(shownHost):\(port)"
    }

    /// The URL for logs, `/healthz` and metrics: the password as `***`.
    public var description: String {
        let credentials = user.map { name in name + (password == nil ? "" : ":***") + "@" } ?? ""
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "nats://\(credentials)\(shownHost):\(port)/\(subject ?? "")" + (stream.map { "?stream=\($0)" } ?? "")
    }

    /// Whether `other` is on the same server as this (for a `-publish-to` beside a `-consume`).
    public func sameServer(as other: NATSURL) -> Bool {
        host == other.host && port == other.port
    }

    /// Why `name` cannot name a JetStream stream; `nil` when it can (what nats-server allows).
    static func streamNameProblem(_ name: String) -> String? {
        guard !name.isEmpty else { return "the stream name is empty" }
        guard !name.contains(where: { " \t\r\n.*>/\\".contains($0) }) else {
            return "a stream name has no spaces, '.', '*', '>', '/' or '\\'"
        }
        return nil
    }

    /// `text` with a password between `://user:` and `@` hidden.
    static func redacted(_ text: String) -> String {
        guard let scheme = text.firstRange(of: "://"), let at = text[scheme.upperBound...].prefix(while: { $0 != "/" }).lastIndex(of: "@"),
            let colon = text[scheme.upperBound..<at].firstIndex(of: ":")
        else { return text }
        return String(text[..<text.index(after: colon)]) + "***" + String(text[at...])
    }

    private static func percentDecoded(_ text: Substring) -> String? {
        try? URLPercentDecoding.decode(text).get()
    }
}

/// A NATS URL that does not parse.
public struct NATSURLError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The URL, its password hidden.
    public var url: String
    public var reason: String

    public var description: String { "'\(url)': \(reason)" }
}
