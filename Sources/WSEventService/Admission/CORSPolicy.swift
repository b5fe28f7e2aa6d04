/// Which browser origins may subscribe and publish (`-allowed-origins`).
///
/// A request without `Origin` is not from a browser page and is not affected. A browser's
/// request from the server's own origin (the `Origin` names the `Host` it was sent to) is
/// always allowed; other origins only if listed, or if the list holds `*`.
public struct CORSPolicy: Sendable, Hashable {
    public var allowedOrigins: [String]

    public init(allowedOrigins: [String] = []) {
        self.allowedOrigins = allowedOrigins.map { $0.lowercased().trimmingSlash() }
    }

    public enum Decision: Sendable, Hashable {
        /// Not a cross-origin browser request: no CORS headers.
        case notBrowser
        /// Allowed: answer with `Access-Control-Allow-Origin: <origin>` and `Vary: Origin`.
        case allowed(origin: String)
        /// Refused with 403.
        case refused(origin: String)
    }

    public func decide(origin: String?, host: String?) -> Decision {
        guard let origin, !origin.isEmpty else { return .notBrowser }
        let normalized = origin.lowercased().trimmingSlash()
        if allowedOrigins.contains("*") || allowedOrigins.contains(normalized) { return .allowed(origin: origin) }
        if let host, Self.authority(of: normalized) == host.lowercased() { return .allowed(origin: origin) }
        return .refused(origin: origin)
    }

    /// `host:port` of `scheme://host:port`, the form a `Host` header has.
    static func authority(of origin: String) -> String? {
        let parts = origin.split(separator: "://", maxSplits: 1)
        guard parts.count == 2 else { return nil }
        return String(parts[1].prefix { $0 != "/" })
    }
}

extension String {
    fileprivate func trimmingSlash() -> String {
        hasSuffix("/") ? String(dropLast()) : self
    }
}
