import NIOCore
import NIOSSL

/// How a client verifies the servers of `wss://` and `https://` URLs: always, against the
/// system's trust roots or, with ``caFile``, against that file's certificates only.
public struct ClientTLS: Sendable, Hashable {
    /// PEM certificates of a private CA to trust instead of the system's roots.
    public var caFile: String?

    public init(caFile: String? = nil) {
        self.caFile = caFile
    }

    /// A client context that verifies the peer's certificate and host name.
    /// - Throws: ``TLSFileError`` when ``caFile`` does not load.
    public func makeContext() throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .fullVerification
        if let caFile {
            try TLSFileError.checkReadable(caFile, what: "CA")
            let roots: [NIOSSLCertificate]
            do {
                roots = try NIOSSLCertificate.fromPEMFile(caFile)
            } catch {
                throw TLSFileError(what: "CA", path: caFile, underlying: error)
            }
            guard !roots.isEmpty else { throw TLSFileError(what: "CA", path: caFile, reason: "no PEM certificate in it") }
            configuration.trustRoots = .certificates(roots)
        }
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw TLSFileError(what: "CA", path: caFile ?? "system trust roots", underlying: error)
        }
    }

    /// Puts a TLS client handler first in `channel`'s pipeline when there is a `context`. A host
    /// name is sent as SNI and checked against the certificate; an IP address may not be sent,
    /// and NIOSSL checks the peer's address against the certificate instead.
    package static func addHandlerIfSecure(_ context: NIOSSLContext?, url: WebSocketURL, to channel: Channel) throws {
        guard let context else { return }
        let isAddress = (try? SocketAddress(ipAddress: url.host, port: 0)) != nil
        let handler = try NIOSSLClientHandler(context: context, serverHostname: isAddress ? nil : url.host)
        try channel.pipeline.syncOperations.addHandler(handler, position: .first)
    }
}
