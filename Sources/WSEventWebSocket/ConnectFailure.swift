import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns a client connection's errors into one short line ("connection refused", "connection
/// reset by peer", "certificate verify failed: ...") instead of NIO's dump, for every client
/// that reports them (WebSocket here, SSE in the transports).
package enum ConnectFailure {
    /// Why a connect failed: refused, unreachable, timed out, a name not found.
    package static func summary(of error: any Error) -> String {
        var error = error
        if let connection = error as? NIOConnectionError, let first = connection.connectionErrors.first {
            error = first.error
        } else if let connection = error as? NIOConnectionError, let dns = connection.dnsAAAAError ?? connection.dnsAError {
            error = dns
        }
        if let io = error as? IOError {
            switch io.errnoCode {
            case ECONNREFUSED: return "connection refused"
            case EHOSTUNREACH, ENETUNREACH: return "host unreachable"
            case ETIMEDOUT: return "connect timed out"
            default: return "\(io)"
            }
        }
        if case .connectTimeout = error as? ChannelError { return "connect timed out" }
        return "\(error)"
    }

    /// Why a TLS handshake failed, or its CA file did not load.
    package static func tlsLine(_ error: any Error) -> String {
        (error as? TLSFileError).map { "\($0)" } ?? TLSFailure.summary(of: error)
    }

    /// Why an open connection dropped (`nil`: it ended without an error).
    package static func lostLine(_ error: (any Error)?) -> String {
        if let io = error as? IOError, io.errnoCode == ECONNRESET { return "connection reset by peer" }
        if let error { return "connection lost: \(error)" }
        return "connection lost"
    }
}
