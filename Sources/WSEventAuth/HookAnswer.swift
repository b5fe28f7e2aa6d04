import NIOCore
import NIOHTTP1

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Reads the backend's answer: the decision, and how long it may be cached. Pure.
enum HookAnswer {
    /// The most of a `401`/`403` body passed on to the client.
    static let maxMessageBytes = 512

    static func read(status: Int, headers: HTTPHeaders, body: ByteBuffer?, now: Date) -> (decision: HookDecision, cacheFor: Duration) {
        let maxAge = CacheControl.maxAge(headers[canonicalForm: "cache-control"].map(String.init))
        switch status {
        case 200:
            guard let grant = grant(from: body, now: now) else {
                return (.unavailable("the backend answered 200 with a body that is not the documented JSON object"), .zero)
            }
            var cacheFor = maxAge
            if let expiresAt = grant.expiresAt {
                cacheFor = min(cacheFor, Duration.seconds(max(0, expiresAt.timeIntervalSince(now))))
            }
            return (.allowed(grant), cacheFor)
        case 401, 403:
            return (.denied(status: status, message: message(from: body, status: status)), maxAge)
        default:
            return (.unavailable("the backend answered \(status)"), .zero)
        }
    }

    /// The grant of a `200`'s body: none (or not JSON at all: `text/plain` "ok") is a plain
    /// yes; a JSON object may narrow it; anything else that claims to be JSON is refused.
    static func grant(from body: ByteBuffer?, now: Date) -> HookGrant? {
        guard let body, body.readableBytes > 0 else { return HookGrant() }
        let bytes = Array(body.readableBytesView)
        guard bytes.first(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) == UInt8(ascii: "{") else { return HookGrant() }
        struct Body: Decodable {
            var exp: Double?
            var expires_in: Double?
            var history: Bool?
        }
        guard let parsed = try? JSONDecoder().decode(Body.self, from: Data(bytes)) else { return nil }
        var grant = HookGrant(history: parsed.history ?? true)
        let ends = [parsed.exp.map { Date(timeIntervalSince1970: $0) }, parsed.expires_in.map { now.addingTimeInterval($0) }].compactMap { $0 }
        grant.expiresAt = ends.min()
        return grant
    }

    /// The backend's line for the client: its body's first line if it is short text, else a
    /// default.
    static func message(from body: ByteBuffer?, status: Int) -> String {
        let fallback = status == 401 ? "the backend did not authenticate this request" : "the backend refused this request"
        guard let body, body.readableBytes > 0, body.readableBytes <= maxMessageBytes,
            let text = body.getString(at: body.readerIndex, length: body.readableBytes),
            let line = text.split(whereSeparator: \.isNewline).first,
            !line.contains(where: { $0.asciiValue.map { $0 < 0x20 } ?? false })
        else {
            return fallback
        }
        return String(line)
    }
}

/// `Cache-Control`'s `max-age`, capped at ``AuthTiming/maxCacheAge``; zero for `no-store`,
/// `no-cache`, or none given. Pure.
enum CacheControl {
    static func maxAge(_ values: [String]) -> Duration {
        var maxAge: Int?
        for directive in values.flatMap({ $0.split(separator: ",") }) {
            let parts = directive.split(separator: "=", maxSplits: 1).map { $0.trimmed(of: " \t\"").lowercased() }
            switch parts.first {
            case "no-store", "no-cache": return .zero
            case "max-age":
                guard parts.count == 2, let seconds = Int(parts[1]), seconds >= 0 else {
                    return .zero
                }
                maxAge = seconds
            default: continue
            }
        }
        return min(.seconds(maxAge ?? 0), AuthTiming.maxCacheAge)
    }
}

extension Substring {
    /// Without the leading and trailing characters in `characters`.
    fileprivate func trimmed(of characters: String) -> Substring {
        var text = self
        while let first = text.first, characters.contains(first) { text = text.dropFirst() }
        while let last = text.last, characters.contains(last) { text = text.dropLast() }
        return text
    }
}
