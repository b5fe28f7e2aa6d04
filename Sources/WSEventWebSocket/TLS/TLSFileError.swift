import NIOSSL

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A certificate, key or CA file that did not load, said in one line:
/// `cannot load certificate 'cert.pem': no such file`, or a key and certificate that each load
/// but are not a pair: `the private key 'key.pem' does not match the certificate 'cert.pem'`.
public struct TLSFileError: Error, CustomStringConvertible, Sendable {
    /// "certificate", "private key", "CA"...
    public let what: String
    public let path: String
    /// Why, in a few words.
    public let reason: String
    /// The whole line, when it is not `cannot load ...`.
    private let line: String?

    package init(what: String, path: String, reason: String) {
        self.what = what
        self.path = path
        self.reason = reason
        line = nil
    }

    /// A private key that is not the certificate's (both files are fine on their own).
    package init(keyFile: String, notMatching certificateFile: String) {
        what = "private key"
        path = keyFile
        reason = "does not match the certificate '\(certificateFile)'"
        line = "the private key '\(keyFile)' \(reason)"
    }

    package init(what: String, path: String, underlying: any Error) {
        let reason: String
        if let ssl = underlying as? NIOSSLError {
            switch ssl {
            case .failedToLoadCertificate: reason = "not a PEM certificate"
            case .failedToLoadPrivateKey: reason = "not a PEM private key"
            default: reason = TLSFailure.summary(of: ssl)
            }
        } else {
            reason = TLSFailure.summary(of: underlying)
        }
        self.init(what: what, path: path, reason: reason)
    }

    /// Throws unless `path` can be read, naming why (NIOSSL says only "failed to load").
    package static func checkReadable(_ path: String, what: String) throws {
        guard access(path, R_OK) != 0 else { return }
        let reason: String
        switch errno {
        case ENOENT: reason = "no such file"
        case EACCES: reason = "permission denied"
        case let code: reason = String(cString: strerror(code))
        }
        throw TLSFileError(what: what, path: path, reason: reason)
    }

    public var description: String { line ?? "cannot load \(what) '\(path)': \(reason)" }
}
