#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file holding a bearer token, read again for every connection (`wsclient --token-file`, a
/// relay's `-consume-token-file`): whatever renews the token rewrites the file, and the next
/// reconnect (after a close for an expired token, say) presents the new one.
public struct TokenFile: Sendable, Hashable {
    public let path: String

    /// The largest token file read: a token is far smaller.
    static let maxBytes = 64 << 10

    public init(path: String) {
        self.path = path
    }

    /// The token now in the file, without surrounding whitespace.
    /// - Throws: ``TokenFileError`` when the file cannot be read or holds no token.
    public func read() throws -> String {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw TokenFileError(path: path, problem: "cannot be read") }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count <= Self.maxBytes {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { throw TokenFileError(path: path, problem: "cannot be read") }
            if count == 0 { break }
            bytes += chunk[..<count]
        }
        guard bytes.count <= Self.maxBytes else { throw TokenFileError(path: path, problem: "is over \(Self.maxBytes) bytes: not a token") }
        let token = String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isWhitespace)
        guard token.count == 1 else {
            throw TokenFileError(path: path, problem: token.isEmpty ? "is empty" : "holds more than one word: a token has no spaces")
        }
        return String(token[0])
    }
}

/// A token file that cannot give a token: its path and one line why.
public struct TokenFileError: Error, Sendable, Hashable, CustomStringConvertible {
    public var path: String
    public var problem: String

    public var description: String { "token file '\(path)' \(problem)" }
}
