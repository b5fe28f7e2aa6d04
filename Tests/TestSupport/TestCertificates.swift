import Foundation
import WSEventCore

/// A throwaway CA and a certificate for 127.0.0.1 (subjectAltName IP:127.0.0.1) it signed, made
/// by `openssl` in a fresh temporary directory, removed when the value goes away.
public final class TestCertificates: Sendable {
    public let directory: URL
    /// The CA's certificate, PEM: what a client trusts.
    public var caFile: String { directory.appendingPathComponent("ca.pem").path }
    /// The server's certificate, PEM.
    public var certificateFile: String { directory.appendingPathComponent("server.pem").path }
    /// The server's private key, PEM.
    public var keyFile: String { directory.appendingPathComponent("server.key").path }

    /// The server side: serve with this certificate.
    public var server: ServerTLS { ServerTLS(certificateFile: certificateFile, keyFile: keyFile) }
    /// The client side: trust only this CA.
    public var client: ClientTLS { ClientTLS(caFile: caFile) }

    /// Makes a CA named `name` and a server certificate for 127.0.0.1 signed by it.
    /// - Throws: with the install hint when `openssl` is missing, or its stderr when it fails.
    public init(name: String = "wsevent test CA") async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("wsevent-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let openssl = try Self.openssl()
        let path = { (file: String) in self.directory.appendingPathComponent(file).path }
        let extensions = "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
        try extensions.write(toFile: path("server.ext"), atomically: true, encoding: .utf8)
        let curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try await Self.run(openssl, ["req", "-x509"] + curve + [
            "-keyout", path("ca.key"), "-out", path("ca.pem"), "-days", "2", "-subj", "/CN=\(name)",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        ])
        try await Self.run(openssl, ["req"] + curve + ["-keyout", path("server.key"), "-out", path("server.csr"), "-subj", "/CN=127.0.0.1"])
        try await Self.run(openssl, [
            "x509", "-req", "-in", path("server.csr"), "-CA", path("ca.pem"), "-CAkey", path("ca.key"),
            "-set_serial", "1", "-days", "2", "-extfile", path("server.ext"), "-out", path("server.pem"),
        ])
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }

    /// Copies this server certificate and key over `server`'s files (what a renewal does).
    public func install(over server: ServerTLS) throws {
        for (source, target) in [(keyFile, server.keyFile), (certificateFile, server.certificateFile)] {
            let data = try Data(contentsOf: URL(fileURLWithPath: source))
            try data.write(to: URL(fileURLWithPath: target), options: .atomic)
        }
    }

    /// Where `openssl` is.
    private static func openssl() throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/openssl"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw OpenSSLFailure(message: "the TLS tests need the openssl command: install it (apt-get install openssl; scripts/test does)")
    }

    private static func run(_ openssl: String, _ arguments: [String]) async throws {
        let process = try ManagedProcess(openssl, arguments)
        let status = try await process.waitForExit(timeout: 30)
        guard status == 0 else {
            throw OpenSSLFailure(message: "openssl \(arguments.first ?? "") exited \(status): \(process.stderr)")
        }
    }
}

/// `openssl` is missing or failed: the TLS tests cannot make their certificates.
public struct OpenSSLFailure: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
