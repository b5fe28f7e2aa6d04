import Testing
import TestSupport
import WSEventCLI
import WSEventCore

/// `-tls-cert`, `-tls-key` and `-tls-ca`, from flags or the environment, each file loaded once.
@Suite struct ServiceFlagsTLSTests {
    @Test func certificateKeyAndCAComeFromFlagsOrTheEnvironment() async throws {
        let certificates = try await TestCertificates()
        #expect(try FlagRun.configuration([]).tls == nil)
        let flags = try FlagRun.configuration(["-tls-cert", certificates.certificateFile, "-tls-key", certificates.keyFile, "-tls-ca", certificates.caFile])
        #expect(flags.tls == certificates.server)
        #expect(flags.upstreamTLS == certificates.client)
        #expect(flags.webSocket.tls == certificates.client)
        let env = try FlagRun.configuration([], env: [
            "WSEVENT_TLS_CERT": certificates.certificateFile, "WSEVENT_TLS_KEY": certificates.keyFile, "WSEVENT_TLS_CA": certificates.caFile,
        ])
        #expect(env.tls == certificates.server)
        #expect(env.upstreamTLS == certificates.client)
    }

    @Test func bothOrNeitherAndFilesThatDoNotLoadAreOneLine() async throws {
        let certificates = try await TestCertificates()
        #expect(FlagRun.refusal(["-tls-cert", certificates.certificateFile]) == "-tls-cert needs -tls-key: give both or neither")
        #expect(FlagRun.refusal([], env: ["WSEVENT_TLS_KEY": certificates.keyFile]) == "-tls-key needs -tls-cert: give both or neither")
        #expect(
            FlagRun.refusal(["-tls-cert", "/nonexistent.pem", "-tls-key", certificates.keyFile])
                == "-tls-cert/-tls-key: cannot load certificate '/nonexistent.pem': no such file"
        )
        #expect(
            FlagRun.refusal(["-tls-cert", certificates.keyFile, "-tls-key", certificates.keyFile])
                .hasPrefix("-tls-cert/-tls-key: cannot load certificate '\(certificates.keyFile)': ")
        )
        #expect(
            FlagRun.refusal(["-tls-cert", certificates.certificateFile, "-tls-key", certificates.certificateFile])
                == "-tls-cert/-tls-key: cannot load private key '\(certificates.certificateFile)': not a PEM private key"
        )
        // Two valid PEM files that are not a pair: the key is fine, it just belongs elsewhere.
        let others = try await TestCertificates(name: "another CA")
        #expect(
            FlagRun.refusal(["-tls-cert", certificates.certificateFile, "-tls-key", others.keyFile])
                == "-tls-cert/-tls-key: the private key '\(others.keyFile)' does not match the certificate '\(certificates.certificateFile)'"
        )
        #expect(FlagRun.refusal(["-tls-ca", "/nonexistent-ca.pem"]) == "-tls-ca: cannot load CA '/nonexistent-ca.pem': no such file")
        for arguments in [["-tls-cert", certificates.certificateFile], ["-tls-ca", "/nonexistent-ca.pem"]] {
            #expect(!FlagRun.refusal(arguments).contains("\n"))
        }
    }
}
