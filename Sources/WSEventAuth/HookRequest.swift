#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The question the server POSTs to the backend hook, as JSON:
///
/// ```json
/// {"action":"subscribe","path":"/rooms/42","remote_address":"192.0.2.7","since":17,
///  "epoch":"k3x...","consumer":null,"subject":"user-42",
///  "headers":{"authorization":"Bearer eyJ...","cookie":"session=..."}}
/// ```
public struct HookRequest: Sendable, Hashable, Encodable {
    public var action: AccessAction
    /// The stream's path, decoded: the name the stream has.
    public var path: String
    /// The client's IP address (a proxy's, behind one: forward `X-Forwarded-For` to see the
    /// client's).
    public var remoteAddress: String?
    /// Where a subscriber resumes (`since`, or the id of `Last-Event-ID`).
    public var since: UInt64?
    /// The epoch of `since`, when given.
    public var epoch: String?
    /// `?consumer=NAME`.
    public var consumer: String?
    /// The verified token's `sub`, when a JWT was checked first.
    public var subject: String?
    /// The forwarded request headers, names in lower case.
    public var headers: [String: String]

    public init(
        action: AccessAction,
        path: String,
        remoteAddress: String? = nil,
        since: UInt64? = nil,
        epoch: String? = nil,
        consumer: String? = nil,
        subject: String? = nil,
        headers: [String: String] = [:]
    ) {
        self.action = action
        self.path = path
        self.remoteAddress = remoteAddress
        self.since = since
        self.epoch = epoch
        self.consumer = consumer
        self.subject = subject
        self.headers = headers
    }

    enum CodingKeys: String, CodingKey {
        case action, path, since, epoch, consumer, subject, headers
        case remoteAddress = "remote_address"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(action.rawValue, forKey: .action)
        try container.encode(path, forKey: .path)
        // Absent values are written as null, so the backend sees every field every time.
        try container.encode(remoteAddress, forKey: .remoteAddress)
        try container.encode(since, forKey: .since)
        try container.encode(epoch, forKey: .epoch)
        try container.encode(consumer, forKey: .consumer)
        try container.encode(subject, forKey: .subject)
        try container.encode(headers, forKey: .headers)
    }

    /// The JSON body.
    public var json: [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array((try? encoder.encode(self)) ?? Data("{}".utf8))
    }

    /// What answers to this question are cached under: the credential (the forwarded headers,
    /// which are all the backend sees of the client), the action and the path. Not the
    /// address or the resume point: an answer that depends on them should carry no `max-age`.
    public var cacheKey: HookCacheKey {
        HookCacheKey(action: action, path: path, credential: headers.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" })
    }
}

/// The key of a cached answer (``HookRequest/cacheKey``).
public struct HookCacheKey: Sendable, Hashable {
    var action: AccessAction
    var path: String
    var credential: [String]
}
