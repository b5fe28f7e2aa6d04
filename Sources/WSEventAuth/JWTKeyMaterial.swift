import JWTKit

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The keys of ``JWTSettings``'s files, read and checked but not yet made into verifiers:
/// reading is synchronous, so a flag naming a bad file fails before anything listens.
///
/// The algorithm is the key's: an HS256 secret, an RSA public key (RS256), an EC P-256 public
/// key (ES256), a JWK's `alg` (or, when it has none, what its type implies). A token's `alg`
/// header only picks among these keys; it never chooses how a signature is checked.
public struct JWTKeyMaterial: Sendable {
    enum Key: Sendable {
        case hmac(HMACKey, origin: String)
        case rsa(Insecure.RSA.PublicKey, origin: String)
        case es256(ES256PublicKey, origin: String)
        case jwk(JWK, origin: String)
    }

    let keys: [Key]

    /// The shortest HS256 secret accepted: RFC 7518 §3.2 asks for a key as long as the hash.
    public static let minimumSecretBytes = 32

    /// Reads and checks every file.
    /// - Throws: ``JWTKeyFileError`` for the first file that does not load.
    public static func read(_ settings: JWTSettings) throws -> JWTKeyMaterial {
        var keys: [Key] = []
        for file in settings.keyFiles {
            keys.append(try key(file: file, bytes: contents(of: file)))
        }
        for file in settings.jwksFiles {
            keys += try jwks(file: file, bytes: contents(of: file))
        }
        guard !keys.isEmpty else { throw JWTKeyFileError(file: "", problem: "no key: give -jwt-key-file or -jwks-file") }
        return JWTKeyMaterial(keys: keys)
    }

    private static func contents(of file: String) throws -> [UInt8] {
        do {
            return Array(try Data(contentsOf: URL(fileURLWithPath: file)))
        } catch {
            throw JWTKeyFileError(file: file, problem: "cannot be read")
        }
    }

    /// One key file: PEM (a public key or a certificate), else an HS256 secret.
    static func key(file: String, bytes: [UInt8]) throws -> Key {
        let text = String(decoding: bytes, as: UTF8.self)
        guard text.contains("-----BEGIN") else {
            var secret = bytes[...]
            while let last = secret.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") { secret = secret.dropLast() }
            guard secret.count >= minimumSecretBytes else {
                throw JWTKeyFileError(
                    file: file,
                    problem: "an HS256 secret must be at least \(minimumSecretBytes) bytes (this one has \(secret.count)); a public key must be PEM"
                )
            }
            return .hmac(HMACKey(from: secret), origin: file)
        }
        if text.contains("PRIVATE KEY") {
            throw JWTKeyFileError(file: file, problem: "is a private key: give the public key (openssl pkey -in KEY -pubout)")
        }
        if let key = try? Insecure.RSA.PublicKey(pem: text) { return .rsa(key, origin: file) }
        if let key = try? Insecure.RSA.PublicKey(certificatePEM: text) { return .rsa(key, origin: file) }
        if let key = try? ES256PublicKey(pem: text) { return .es256(key, origin: file) }
        if let key = try? ES256PublicKey(certificate: text) { return .es256(key, origin: file) }
        throw JWTKeyFileError(file: file, problem: "is PEM but not an RSA (RS256) or EC P-256 (ES256) public key or certificate")
    }

    /// A JWKS file: every key needs a `kid`; one without `alg` gets the one its type implies.
    static func jwks(file: String, bytes: [UInt8]) throws -> [Key] {
        let set: JWKS
        do {
            set = try JSONDecoder().decode(JWKS.self, from: Data(bytes))
        } catch {
            throw JWTKeyFileError(file: file, problem: "is not a JWKS ({\"keys\": [...]}) of RSA, EC or OKP keys")
        }
        guard !set.keys.isEmpty else { throw JWTKeyFileError(file: file, problem: "has no keys") }
        return try set.keys.enumerated().map { index, jwk in
            guard let kid = jwk.keyIdentifier?.string, !kid.isEmpty else {
                throw JWTKeyFileError(file: file, problem: "key \(index + 1) has no kid: every key of a JWKS needs one")
            }
            var jwk = jwk
            if jwk.algorithm == nil {
                guard let implied = impliedAlgorithm(of: jwk) else {
                    throw JWTKeyFileError(file: file, problem: "key '\(kid)' has no alg and its type implies none: add \"alg\"")
                }
                jwk.algorithm = implied
            }
            return .jwk(jwk, origin: "\(file)#\(kid)")
        }
    }

    private static func impliedAlgorithm(of jwk: JWK) -> JWK.Algorithm? {
        switch jwk.keyType {
        case .rsa: return .rs256
        case .ecdsa:
            switch jwk.curve?.rawValue {
            case "P-256": return .es256
            case "P-384": return .es384
            case "P-521": return .es512
            default: return nil
            }
        case .octetKeyPair: return .eddsa
        default: return nil
        }
    }
}
