import Testing

@testable import WSEventAuth

/// The grant pattern syntax (docs/AUTH.md, "Grant patterns") and its edge cases.
@Suite struct TopicPatternTests {
    static func matches(_ pattern: String, _ path: String) -> Bool {
        TopicPattern(pattern)?.matches(path) ?? false
    }

    @Test func anExactPathMatchesItselfOnly() {
        #expect(Self.matches("/rooms/42", "/rooms/42"))
        #expect(!Self.matches("/rooms/42", "/rooms/421"))
        #expect(!Self.matches("/rooms/42", "/rooms/4"))
        #expect(!Self.matches("/rooms/42", "/rooms/42/x"))
        #expect(!Self.matches("/rooms/42", "/Rooms/42"), "byte for byte: paths are case-sensitive")
    }

    @Test func aStarIsExactlyOneNonEmptySegment() {
        #expect(Self.matches("/users/42/*", "/users/42/inbox"))
        #expect(!Self.matches("/users/42/*", "/users/42"))
        #expect(!Self.matches("/users/42/*", "/users/42/"), "an empty segment is not a segment a star matches")
        #expect(!Self.matches("/users/42/*", "/users/42/a/b"))
        #expect(Self.matches("/users/*/inbox", "/users/7/inbox"))
        #expect(!Self.matches("/users/*/inbox", "/users//inbox"))
        #expect(!Self.matches("/users/*/inbox", "/users/7/outbox"))
    }

    @Test func aStarInsideASegmentIsLiteral() {
        #expect(!Self.matches("/rooms/room-*", "/rooms/room-1"))
        #expect(Self.matches("/rooms/room-*", "/rooms/room-*"))
    }

    @Test func aDoubleStarLastIsOneOrMoreSegments() {
        #expect(Self.matches("/users/42/**", "/users/42/a"))
        #expect(Self.matches("/users/42/**", "/users/42/a/b/c"))
        #expect(!Self.matches("/users/42/**", "/users/42"))
        #expect(!Self.matches("/users/42/**", "/users/42/"))
        #expect(!Self.matches("/users/42/**", "/users/42/a//b"))
        #expect(Self.matches("/**", "/anything/at/all"))
        #expect(TopicPattern("/a/**/b") == nil, "** only last")
    }

    /// The stream a request reaches is named by its %-decoded path; a pattern is matched
    /// against that name, so `%2F` adds a segment rather than hiding one.
    @Test func anEncodedSlashIsASlashByTheTimeItIsMatched() {
        // RequestTarget decodes `/rooms/a%2Fb` to the stream name `/rooms/a/b`.
        #expect(!Self.matches("/rooms/*", "/rooms/a/b"))
        #expect(Self.matches("/rooms/a/b", "/rooms/a/b"))
        #expect(Self.matches("/rooms/**", "/rooms/a/b"))
    }

    @Test func dotSegmentsMatchNothing() {
        #expect(!Self.matches("/users/42/*", "/users/42/.."))
        #expect(!Self.matches("/users/42/*", "/users/42/."))
        #expect(!Self.matches("/users/**", "/users/42/../43"))
        #expect(!Self.matches("/**", "/a/../b"))
        #expect(TopicPattern("/users/../admin") == nil)
        #expect(TopicPattern("/users/./x") == nil)
    }

    @Test func aTrailingSlashIsItsOwnEmptySegment() {
        #expect(!Self.matches("/rooms/42", "/rooms/42/"))
        #expect(!Self.matches("/rooms/42/", "/rooms/42"))
        #expect(Self.matches("/rooms/42/", "/rooms/42/"))
        #expect(!Self.matches("/rooms/*", "/rooms/"))
    }

    @Test func whatIsNotAPatternGrantsNothing() {
        #expect(TopicPattern("rooms/42") == nil)
        #expect(TopicPattern("") == nil)
        let grants = Grants(subscribe: ["rooms/42", "/rooms/43"], publish: [])
        #expect(grants.subscribe.map(\.description) == ["/rooms/43"])
        #expect(!grants.allows(.subscribe, on: "/rooms/42"))
        #expect(grants.allows(.subscribe, on: "/rooms/43"))
        #expect(!grants.allows(.publish, on: "/rooms/43"), "a subscribe grant is not a publish grant")
    }
}
