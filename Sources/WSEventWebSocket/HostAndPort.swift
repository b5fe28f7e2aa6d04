/// `HOST:PORT` as Go writes it: `[::1]:80`, `:8080` (empty host), `localhost:8080`.
package enum HostAndPort {
    /// Splits an authority; `defaultPort` is used when there is no `:PORT`.
    package static func parse(_ authority: Substring, defaultPort: Int? = nil) -> (host: String, port: Int)? {
        var host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return nil }
                portText = after.dropFirst()
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
            if host.contains(":") { return nil }
        } else {
            host = authority
        }
        let port: Int
        if let portText {
            guard let value = Int(portText), (0...65535).contains(value), !portText.hasPrefix("+") else { return nil }
            port = value
        } else {
            guard let defaultPort else { return nil }
            port = defaultPort
        }
        guard !host.contains(where: { $0 == " " || $0 == "/" || $0 == "@" }) else { return nil }
        return (String(host), port)
    }
}
