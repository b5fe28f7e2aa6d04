/// `Authorization: Bearer <token>` handling.
package enum BearerToken {
    /// The token of an `Authorization` header value, if it is a bearer credential.
    package static func parse(authorization: String?) -> String? {
        guard let authorization else { return nil }
        let parts = authorization.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].filter { $0 != " " }
        return token.isEmpty ? nil : String(token)
    }

    /// Compares in time that depends only on the lengths, so a wrong guess reveals nothing
    /// about how much of it was right.
    package static func matches(_ presented: String?, _ expected: String) -> Bool {
        guard let presented else { return false }
        let a = Array(presented.utf8)
        let b = Array(expected.utf8)
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for index in 0..<max(a.count, b.count) {
            let x = index < a.count ? a[index] : 0
            let y = index < b.count ? b[index] : 0
            difference |= x ^ y
        }
        return difference == 0
    }
}
