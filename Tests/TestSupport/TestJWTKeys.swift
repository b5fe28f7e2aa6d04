import Foundation
import JWTKit
import WSEventCore

/// Keys for JWT tests, their files in a fresh temporary directory (removed when the value goes
/// away): an HS256 secret, an RSA and an EC P-256 key pair by `openssl` (made once per test
/// process), and a JWKS of two more (kid `k1`, RSA with `alg`; kid `k2`, EC without one). No
/// private key is committed, nor written where a test could take it for a key file.
/// Signs tokens with any of them, or with none (`alg: none`), or with a stranger's key.
public final class TestJWTKeys: Sendable {
    public enum Signer: String, Sendable, CaseIterable, CustomStringConvertible {
        case hs256, rs256, es256
        /// The JWKS's RSA key, kid `k1`.
        case jwksRSA
        /// The JWKS's EC key, kid `k2` (its `alg` implied by its curve).
        case jwksEC

        public var description: String { rawValue }
    }

    public let directory: URL
    public var hsSecretFile: String { path("hs256.secret") }
    public var rsaPublicFile: String { path("rs256.pub.pem") }
    public var ecPublicFile: String { path("es256.pub.pem") }
    public var jwksFile: String { path("keys.jwks") }
    /// The public key of the stranger's RSA key (what `token(.rs256, stranger: true)` is signed
    /// with), for a server that rotates to it.
    public var strangerRSAPublicFile: String { path("stranger-rsa.pub.pem") }
    public static let audience = "wsevent-test"
    public static let issuer = "https://app.test"

    /// The keys that sign: ours, and strangers' of the same kinds (a wrong key).
    private let signers: JWTKeyCollection
    private let strangers: JWTKeyCollection

    public init() async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("wsevent-jwt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        signers = JWTKeyCollection()
        strangers = JWTKeyCollection()
        let secret = Self.randomSecret()
        try Data(secret.utf8 + [0x0A]).write(to: URL(fileURLWithPath: hsSecretFile))
        await signers.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256, kid: "hs256")
        await strangers.add(hmac: HMACKey(from: Self.randomSecret()), digestAlgorithm: .sha256, kid: "hs256")

        let rsa = try await Self.keyPair(.rsa, in: directory, named: "rs256")
        await signers.add(rsa: try Insecure.RSA.PrivateKey(pem: rsa), digestAlgorithm: .sha256, kid: "rs256")
        let ec = try await Self.keyPair(.ec, in: directory, named: "es256")
        await signers.add(ecdsa: try ES256PrivateKey(pem: ec), kid: "es256")

        let k1 = try await Self.keyPair(.rsa, in: directory, named: "k1")
        let k1Private = try Insecure.RSA.PrivateKey(pem: k1)
        await signers.add(rsa: k1Private, digestAlgorithm: .sha256, kid: "k1")
        let k2 = ES256PrivateKey()
        await signers.add(ecdsa: k2, kid: "k2")
        let (modulus, exponent) = try k1Private.publicKey.getKeyPrimitives()
        guard let (x, y) = k2.parameters else { throw OpenSSLFailure(message: "no EC parameters") }
        let jwks = """
            {"keys":[
              {"kty":"RSA","kid":"k1","alg":"RS256","use":"sig","n":"\(modulus.base64URL)","e":"\(exponent.base64URL)"},
              {"kty":"EC","kid":"k2","crv":"P-256","x":"\(x)","y":"\(y)"}
            ]}
            """
        try Data(jwks.utf8).write(to: URL(fileURLWithPath: jwksFile))

        // Strangers: keys of the same kinds that the server does not have.
        await strangers.add(rsa: try Insecure.RSA.PrivateKey(pem: try await Self.keyPair(.rsa, in: directory, named: "stranger-rsa")), digestAlgorithm: .sha256, kid: "rs256")
        await strangers.add(ecdsa: ES256PrivateKey(), kid: "es256")
        await strangers.add(rsa: try Insecure.RSA.PrivateKey(pem: try await Self.keyPair(.rsa, in: directory, named: "stranger-k1")), digestAlgorithm: .sha256, kid: "k1")
        await strangers.add(ecdsa: ES256PrivateKey(), kid: "k2")
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }

    /// The settings of a server that has every key here.
    public func settings(cookie: String? = nil, queryToken: Bool = false) -> JWTSettings {
        JWTSettings(
            keyFiles: [hsSecretFile, rsaPublicFile, ecPublicFile],
            jwksFiles: [jwksFile],
            audience: Self.audience,
            issuer: Self.issuer,
            cookieName: cookie,
            allowsQueryToken: queryToken
        )
    }

    /// A token signed by `signer` (or by a stranger's key of the same kind), with the claims
    /// of a good token unless overridden: `exp` in `expiresIn` seconds, our audience and issuer.
    public func token(
        _ signer: Signer = .hs256,
        subscribe: [String] = [],
        publish: [String] = [],
        expiresIn: Double = 300,
        notBefore: Double? = nil,
        audience: String = TestJWTKeys.audience,
        issuer: String = TestJWTKeys.issuer,
        subject: String = "user-42",
        stranger: Bool = false
    ) async throws -> String {
        let now = Date().timeIntervalSince1970
        let claims = TestClaims(
            exp: ExpirationClaim(value: Date(timeIntervalSince1970: now + expiresIn)),
            nbf: notBefore.map { NotBeforeClaim(value: Date(timeIntervalSince1970: now + $0)) },
            aud: AudienceClaim(value: [audience]),
            iss: IssuerClaim(value: issuer),
            sub: SubjectClaim(value: subject),
            wsevent: .init(subscribe: subscribe, publish: publish)
        )
        let kid = JWKIdentifier(string: Self.kid(of: signer))
        var header = JWTHeader()
        // Key files have no kid: tokens for them carry none.
        if signer == .jwksRSA || signer == .jwksEC { header.kid = kid.string }
        return try await (stranger ? strangers : signers).sign(claims, kid: kid, header: header)
    }

    /// A token with this header and payload JSON and this signature, as written: `alg: none`,
    /// malformed claims, and the like.
    public static func unsigned(header: String, payload: String, signature: String = "") -> String {
        "\(Data(header.utf8).base64URL).\(Data(payload.utf8).base64URL).\(signature)"
    }

    /// The claims of a good token as JSON, for ``unsigned(header:payload:signature:)``.
    public static func goodPayload(subscribe: [String], publish: [String] = []) -> String {
        let exp = Int(Date().timeIntervalSince1970) + 300
        let list = { (paths: [String]) in paths.map { "\"\($0)\"" }.joined(separator: ",") }
        return #"{"exp":\#(exp),"aud":"\#(audience)","iss":"\#(issuer)","wsevent":{"subscribe":[\#(list(subscribe))],"publish":[\#(list(publish))]}}"#
    }

    private static func kid(of signer: Signer) -> String {
        switch signer {
        case .hs256: "hs256"
        case .rs256: "rs256"
        case .es256: "es256"
        case .jwksRSA: "k1"
        case .jwksEC: "k2"
        }
    }

    private func path(_ file: String) -> String { directory.appendingPathComponent(file).path }

    private static func randomSecret() -> String {
        (0..<48).map { _ in String("abcdefghijklmnopqrstuvwxyz0123456789".randomElement()!) }.joined()
    }

    /// The key pair named `name`: the private key's PEM (kept in memory only); the public key's
    /// PEM written to `NAME.pub.pem` in `directory`. Made by `openssl genpkey` once per test
    /// process (``KeyPairs``): every instance has the same pairs, and its own secret and files.
    private static func keyPair(_ kind: KeyPairs.Kind, in directory: URL, named name: String) async throws -> String {
        let pair = try await KeyPairs.shared.pair(kind, named: name)
        try Data(pair.publicPEM.utf8).write(to: directory.appendingPathComponent("\(name).pub.pem"))
        return pair.privatePEM
    }
}

/// Key pairs by name, each made by `openssl genpkey` once per test process: 2048-bit RSA
/// generation is the costly part of ``TestJWTKeys`` (four pairs), and a full test run makes
/// dozens of instances at once.
private actor KeyPairs {
    enum Kind {
        case rsa, ec

        var options: [String] {
            switch self {
            case .rsa: ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]
            case .ec: ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]
            }
        }
    }

    struct Pair: Sendable {
        var privatePEM: String
        var publicPEM: String
    }

    static let shared = KeyPairs()
    /// One task per name, so that instances asking at once wait for the same generation.
    private var pairs: [String: Task<Pair, any Error>] = [:]

    func pair(_ kind: Kind, named name: String) async throws -> Pair {
        if let made = pairs[name] { return try await made.value }
        let making = Task { try await Self.generate(kind) }
        pairs[name] = making
        do {
            return try await making.value
        } catch {
            pairs[name] = nil
            throw error
        }
    }

    private static func generate(_ kind: Kind) async throws -> Pair {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("wsevent-keypair-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let privateFile = directory.appendingPathComponent("key.pem").path
        let publicFile = directory.appendingPathComponent("pub.pem").path
        try await TestCertificates.openssl(["genpkey"] + kind.options + ["-out", privateFile])
        try await TestCertificates.openssl(["pkey", "-in", privateFile, "-pubout", "-out", publicFile])
        return Pair(privatePEM: try String(contentsOfFile: privateFile, encoding: .utf8), publicPEM: try String(contentsOfFile: publicFile, encoding: .utf8))
    }
}

/// What test tokens carry.
struct TestClaims: JWTPayload {
    struct Grants: Codable, Sendable {
        var subscribe: [String]
        var publish: [String]
    }

    var exp: ExpirationClaim
    var nbf: NotBeforeClaim?
    var aud: AudienceClaim
    var iss: IssuerClaim
    var sub: SubjectClaim
    var wsevent: Grants

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

extension Data {
    /// Base64url without padding, as JWTs and JWKs write it.
    public var base64URL: String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}
