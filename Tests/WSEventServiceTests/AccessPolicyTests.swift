import Testing

import WSEventCore
@testable import WSEventService

@Suite struct AccessPolicyTests {
    @Test func bearerParsing() {
        #expect(BearerToken.parse(authorization: "Bearer abc") == "abc")
        #expect(BearerToken.parse(authorization: "bearer  abc") == "abc")
        #expect(BearerToken.parse(authorization: "Basic abc") == nil)
        #expect(BearerToken.parse(authorization: "Bearer") == nil)
        #expect(BearerToken.parse(authorization: nil) == nil)
    }

    @Test func tokenComparison() {
        #expect(BearerToken.matches("secret", "secret"))
        #expect(!BearerToken.matches("secreT", "secret"))
        #expect(!BearerToken.matches("secret2", "secret"))
        #expect(!BearerToken.matches("", "secret"))
        #expect(!BearerToken.matches(nil, "secret"))
    }

    @Test func corsDecisions() {
        let none = CORSPolicy()
        #expect(none.decide(origin: nil, host: "h:1") == .notBrowser)
        #expect(none.decide(origin: "http://h:1", host: "h:1") == .allowed(origin: "http://h:1"))
        #expect(none.decide(origin: "http://evil:1", host: "h:1") == .refused(origin: "http://evil:1"))
        let listed = CORSPolicy(allowedOrigins: ["https://app.example.com/"])
        #expect(listed.decide(origin: "https://app.example.com", host: "h:1") == .allowed(origin: "https://app.example.com"))
        #expect(listed.decide(origin: "https://other.example.com", host: "h:1") == .refused(origin: "https://other.example.com"))
        let any = CORSPolicy(allowedOrigins: ["*"])
        #expect(any.decide(origin: "https://anything", host: "h:1") == .allowed(origin: "https://anything"))
    }
}
