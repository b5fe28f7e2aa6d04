import WSEventStorage

/// Where the store is: `postgres://USER:PASSWORD@HOST:PORT/DB` (`postgresql://` too), as
/// `-store` and `WSEVENT_STORE` give it. The password is never printed back.
public struct PostgresURL: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String

    public init(host: String, port: Int = 5432, user: String, password: String?, database: String) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
    }

    /// Parses a URL; the error is one line that says what is wrong.
    public init(parsing text: String) throws(PostgresURLError) {
        let schemes = ["postgres://", "postgresql://"]
        guard let scheme = schemes.first(where: { text.hasPrefix($0) }) else {
            throw PostgresURLError("'\(Self.redacted(text))' is not a postgres:// URL (postgres://USER:PASSWORD@HOST:PORT/DB)")
        }
        var rest = Substring(text.dropFirst(scheme.count))
        if let query = rest.firstIndex(of: "?") {
            // Only sslmode=disable is understood: the connection is plain TCP (see docs/STORE.md).
            let parameters = rest[rest.index(after: query)...].split(separator: "&")
            for parameter in parameters where parameter != "sslmode=disable" {
                throw PostgresURLError("unsupported store URL parameter '\(parameter)': only sslmode=disable is understood")
            }
            rest = rest[..<query]
        }
        guard let at = rest.lastIndex(of: "@") else {
            throw PostgresURLError("the store URL needs a user: postgres://USER:PASSWORD@HOST:PORT/DB")
        }
        let credentials = rest[..<at]
        let location = rest[rest.index(after: at)...]
        let userText: Substring
        if let colon = credentials.firstIndex(of: ":") {
            userText = credentials[..<colon]
            password = try Self.decode(credentials[credentials.index(after: colon)...], what: "password")
        } else {
            userText = credentials
            password = nil
        }
        user = try Self.decode(userText, what: "user")
        guard !user.isEmpty else { throw PostgresURLError("the store URL needs a user: postgres://USER:PASSWORD@HOST:PORT/DB") }
        let hostPort: Substring
        if let slash = location.firstIndex(of: "/") {
            hostPort = location[..<slash]
            database = try Self.decode(location[location.index(after: slash)...], what: "database")
        } else {
            hostPort = location
            database = ""
        }
        if database.isEmpty { database = user }
        if let colon = hostPort.lastIndex(of: ":"), !hostPort.hasSuffix("]") {
            host = String(hostPort[..<colon])
            guard let port = UInt64(decimalDigits: hostPort[hostPort.index(after: colon)...]).flatMap({ Int(exactly: $0) }), (1...65535).contains(port) else {
                throw PostgresURLError("the store URL's port '\(hostPort[hostPort.index(after: colon)...])' is not a port number")
            }
            self.port = port
        } else {
            host = String(hostPort)
            port = 5432
        }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw PostgresURLError("the store URL needs a host: postgres://USER:PASSWORD@HOST:PORT/DB") }
    }

    /// The URL with the password hidden, for logs and `/healthz`.
    public var description: String {
        let credentials = password == nil ? user : "\(user):***"
        let hostText = host.contains(":") ? "[\(host)]" : host
        return "postgres://\(credentials)@\(hostText):\(port)/\(database)"
    }

    private static func decode(_ text: Substring, what: String) throws(PostgresURLError) -> String {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = iterator.next().flatMap(hex), let low = iterator.next().flatMap(hex) else {
                    throw PostgresURLError("the store URL's \(what) has a malformed %-escape")
                }
                bytes.append(high << 4 | low)
            } else {
                bytes.append(byte)
            }
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else {
            throw PostgresURLError("the store URL's \(what) is not UTF-8")
        }
        return decoded
    }

    private static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// `text` with anything between `://user:` and `@` hidden, for an error about it.
    static func redacted(_ text: String) -> String {
        StoreOptions.redacted(text)
    }
}

/// A `-store` URL that does not parse.
public struct PostgresURLError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}
