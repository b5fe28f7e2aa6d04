import NIOSSL

/// Turns NIOSSL's errors into one short line: `certificate verify failed: ...` instead of a dump
/// of BoringSSL's error stack.
package enum TLSFailure {
    /// Whether `error` came from TLS (the handshake, a bad record), not from the socket.
    package static func isTLS(_ error: any Error) -> Bool {
        error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError
    }

    /// One line for a TLS error.
    package static func summary(of error: any Error) -> String {
        if let extra = error as? NIOSSLExtraError, extra == .failedToValidateHostname {
            return "certificate verify failed: \(extra)"
        }
        let messages: [String]
        switch error {
        case NIOSSLError.handshakeFailed(let ssl): messages = lines(of: ssl)
        case let ssl as BoringSSLError: messages = lines(of: ssl)
        default: messages = ["\(error)"]
        }
        if messages.contains("CERTIFICATE_VERIFY_FAILED") {
            return "certificate verify failed: the server's certificate is not signed by a trusted CA, has expired, or is not for this host"
        }
        return "TLS handshake failed: \(messages.joined(separator: "; "))"
    }

    /// BoringSSL's reasons (`WRONG_VERSION_NUMBER`), without its codes and source paths.
    private static func lines(of error: BoringSSLError) -> [String] {
        switch error {
        case .sslError(let stack), .unknownError(let stack):
            return stack.map { internalError in
                // "Error: 268435703 error:100000f7:SSL routines:OPENSSL_internal:WRONG_VERSION_NUMBER at /path:123"
                let text = "\(internalError)"
                let withoutSource = text.firstRange(of: " at ").map { String(text[..<$0.lowerBound]) } ?? text
                return withoutSource.split(separator: ":").last.map(String.init) ?? withoutSource
            }
        default:
            return ["\(error)"]
        }
    }
}
