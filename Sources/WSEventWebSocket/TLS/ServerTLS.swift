import NIOSSL

/// Where a server's certificate chain and private key are, both PEM: what serving `wss://` and
/// `https://` needs. Read by ``makeContext()`` at start and on every reload.
public struct ServerTLS: Sendable, Hashable {
    /// The certificate chain, leaf first (PEM).
    public var certificateFile: String
    /// The leaf's private key (PEM).
    public var keyFile: String

    public init(certificateFile: String, keyFile: String) {
        self.certificateFile = certificateFile
        self.keyFile = keyFile
    }

    /// Reads both files and builds a server context from them.
    /// - Throws: ``TLSFileError`` naming the file that did not load.
    public func makeContext() throws -> NIOSSLContext {
        try TLSFileError.checkReadable(certificateFile, what: "certificate")
        try TLSFileError.checkReadable(keyFile, what: "private key")
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificateFile)
        } catch {
            throw TLSFileError(what: "certificate", path: certificateFile, underlying: error)
        }
        guard !chain.isEmpty else {
            throw TLSFileError(what: "certificate", path: certificateFile, reason: "no PEM certificate in it")
        }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: keyFile, format: .pem)
        } catch {
            throw TLSFileError(what: "private key", path: keyFile, underlying: error)
        }
        let configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) },
            privateKey: .privateKey(key)
        )
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch NIOSSLError.failedToLoadPrivateKey {
            // Each file loaded on its own above, so BoringSSL refused the pair: the key is not
            // the certificate's (`SSL_CTX_use_PrivateKey` checks them against each other).
            throw TLSFileError(keyFile: keyFile, notMatching: certificateFile)
        } catch {
            throw TLSFileError(what: "certificate and key", path: "\(certificateFile)' and '\(keyFile)", underlying: error)
        }
    }
}
