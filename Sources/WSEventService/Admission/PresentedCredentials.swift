import NIOHTTP1

/// Where a request carries its credential, read once: the `Authorization: Bearer` token, the
/// JWT cookie (when the server names one), the `token` query parameter. Pure.
struct PresentedCredentials: Sendable, Equatable {
    var bearer: String?
    var cookie: String?
    var query: String?

    init(bearer: String? = nil, cookie: String? = nil, query: String? = nil) {
        self.bearer = bearer
        self.cookie = cookie
        self.query = query
    }

    init(head: HTTPRequestHead, target: RequestTarget, cookieName: String?) {
        bearer = BearerToken.parse(authorization: head.headers.first(name: "Authorization"))
        cookie = cookieName.flatMap { Self.cookie(named: $0, in: head.headers[canonicalForm: "cookie"].map(String.init)) }
        query = target.query["token"]
    }

    /// A JWT, from the first place that has one: the header, then the cookie, then the query
    /// (only when `allowsQuery`: URLs are logged).
    func jwt(allowsQuery: Bool) -> String? {
        bearer ?? cookie ?? (allowsQuery ? query : nil)
    }

    /// The value of cookie `name` in `Cookie` headers (RFC 6265 §5.4: `a=1; b=2`); the first
    /// if it is there twice. A quoted value loses its quotes.
    static func cookie(named name: String, in headers: [String]) -> String? {
        for header in headers {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard parts.count == 2, parts[0].trimmingSpaces() == name else { continue }
                var value = parts[1].trimmingSpaces()
                if value.count >= 2, value.first == "\"", value.last == "\"" { value = value.dropFirst().dropLast() }
                return value.isEmpty ? nil : String(value)
            }
        }
        return nil
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> Substring {
        var text = self
        while text.first == " " || text.first == "\t" { text = text.dropFirst() }
        while text.last == " " || text.last == "\t" { text = text.dropLast() }
        return text
    }
}
