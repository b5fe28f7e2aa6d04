import Foundation
import JWTKit
import Testing

import TestSupport
@testable import WSEventAuth

/// The token parser against what an attacker can send: random bytes, random parts that look
/// like a JWT, huge and deeply nested JSON in the header and the payload. Every case is
/// refused (invalid_token), none crashes; the whole run finishing is the "no hang". The random
/// cases come from TestSupport's seeded generator, so a failure replays from its round.
@Suite struct TokenFuzzTests {
    static func refused(_ verifier: JWTVerifier, _ token: String) -> Bool {
        if case .failure(let rejection) = verifier.verify(Substring(token)) { return rejection.kind == .invalidToken }
        return false
    }

    static func b64(_ text: String) -> String { Data(text.utf8).base64URL }
    static func b64(_ bytes: [UInt8]) -> String { Data(bytes).base64URL }

    @Test func randomBytesAndRandomPartsAreRefused() async throws {
        let keys = try await TestJWTKeys()
        let verifier = try await JWTVerifier(settings: keys.settings())
        var random = SplitMix64(seed: 19)
        for round in 0..<2000 {
            let length = random.int(0...299)
            let raw = String(decoding: random.bytes(length), as: UTF8.self)
            #expect(Self.refused(verifier, raw), "round \(round): random bytes")
            let parts = (0..<3).map { _ in Self.b64(random.bytes(random.int(0...119))) }.joined(separator: ".")
            #expect(Self.refused(verifier, parts), "round \(round): random parts")
            let header = Self.b64(#"{"alg":"HS256"}"#) + "." + Self.b64(random.bytes(random.int(0...199))) + "." + Self.b64(random.bytes(32))
            #expect(Self.refused(verifier, header), "round \(round): a real header, a random payload")
        }
    }

    @Test func hugeAndDeeplyNestedJSONIsRefused() async throws {
        let keys = try await TestJWTKeys()
        let verifier = try await JWTVerifier(settings: keys.settings())
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let deepObject = String(repeating: #"{"a":"#, count: 5000) + "1" + String(repeating: "}", count: 5000)
        // Within the header's 4 KiB: this one reaches the JSON parser.
        let nestedInHeader = #"{"alg":"HS256","x":"# + String(repeating: "[", count: 1900) + String(repeating: "]", count: 1900) + "}"
        let huge = #"{"alg":"HS256","x":""# + String(repeating: "a", count: 1 << 20) + #""}"#
        let payload = TestJWTKeys.goodPayload(subscribe: ["/events"])
        let cases = [
            Self.b64(deep) + "." + Self.b64(payload) + ".AAAA",
            Self.b64(#"{"alg":"HS256"}"#) + "." + Self.b64(deep) + ".AAAA",
            Self.b64(deepObject) + "." + Self.b64(deepObject) + ".AAAA",
            Self.b64(nestedInHeader) + "." + Self.b64(payload) + ".AAAA",
            Self.b64(huge) + "." + Self.b64(payload) + ".AAAA",
            Self.b64(#"{"alg":"HS256"}"#) + "." + Self.b64(huge) + ".AAAA",
            String(repeating: "A", count: 1 << 20),
            String(repeating: ".", count: 10_000),
            "..",
            "",
        ]
        for token in cases {
            #expect(Self.refused(verifier, token), "\(token.prefix(40))... (\(token.utf8.count) bytes)")
        }
    }

    /// A payload only an attacker holding our key could sign reaches the parser: even then,
    /// nesting as deep as the size limit allows is refused, not a crash.
    @Test func aSignedDeeplyNestedPayloadIsRefused() async throws {
        let keys = try await TestJWTKeys()
        let verifier = try await JWTVerifier(settings: keys.settings())
        let secret = try String(contentsOfFile: keys.hsSecretFile, encoding: .utf8).trimmingCharacters(in: .newlines)
        let collection = JWTKeyCollection()
        await collection.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256, kid: "k")
        let algorithm = try await collection.getKey(for: "k")
        for payload in [
            #"{"exp":"# + String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000) + "}",
            String(repeating: #"{"a":"#, count: 2000) + "1" + String(repeating: "}", count: 2000),
            #"{"exp":1e999999,"aud":"wsevent-test","iss":"https://app.test"}"#,
        ] {
            let input = Self.b64(#"{"alg":"HS256"}"#) + "." + Self.b64(payload)
            let token = input + "." + Self.b64(try algorithm.sign(Array(input.utf8)))
            #expect(Self.refused(verifier, token), "\(payload.prefix(30))")
        }
    }
}
