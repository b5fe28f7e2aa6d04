import Testing

@testable import WSEventAuth

@Suite struct Base64URLTests {
    static func decode(_ text: String, maxBytes: Int = 1 << 16) -> String? {
        Base64URL.decode(Array(text.utf8), maxBytes: maxBytes).map { String(decoding: $0, as: UTF8.self) }
    }

    @Test func decodesUnpaddedBase64URL() {
        #expect(Self.decode("eyJhbGciOiJIUzI1NiJ9") == #"{"alg":"HS256"}"#)
        #expect(Self.decode("YQ") == "a")
        #expect(Self.decode("YWI") == "ab")
        #expect(Self.decode("YWJj") == "abc")
        #expect(Self.decode("") == "")
        #expect(Base64URL.decode(Array("-_8".utf8)) == [0xFB, 0xFF])
    }

    @Test func refusesWhatIsNotBase64URL() {
        #expect(Self.decode("YQ==") == nil, "no padding in a JWT")
        #expect(Self.decode("a+b/") == nil, "base64, not base64url")
        #expect(Self.decode("Y") == nil, "a lone character encodes no byte")
        #expect(Self.decode("YR") == nil, "leftover bits must be zero")
        #expect(Self.decode("YWJj", maxBytes: 2) == nil, "bounded")
    }
}
