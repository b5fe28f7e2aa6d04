/// What a token (or the backend) lets its bearer do: the streams it may subscribe to and
/// publish to, each a list of ``TopicPattern``s. The JWT claim is
/// `"wsevent": {"subscribe": ["/rooms/42", "/users/42/*"], "publish": ["/rooms/42"]}`.
public struct Grants: Sendable, Hashable {
    public var subscribe: [TopicPattern]
    public var publish: [TopicPattern]

    public init(subscribe: [TopicPattern] = [], publish: [TopicPattern] = []) {
        self.subscribe = subscribe
        self.publish = publish
    }

    /// The grants of a claim, its entries as written; an entry that is not a pattern grants
    /// nothing (and is not an error: the rest of the claim still holds).
    public init(subscribe: [String], publish: [String]) {
        self.init(subscribe: subscribe.compactMap(TopicPattern.init), publish: publish.compactMap(TopicPattern.init))
    }

    /// Whether `action` on the stream at `path` is granted.
    public func allows(_ action: AccessAction, on path: String) -> Bool {
        let patterns =
            switch action {
            case .subscribe: subscribe
            case .publish: publish
            }
        return patterns.contains { $0.matches(path) }
    }
}
