import Foundation
import TestSupport
import Testing

/// `wsevent-service -tls-cert/-tls-key` and `wsclient --ca` as a user runs them.
@Suite struct TLSProcessTests {
    func serveTLS(_ files: TestCertificates, _ extra: [String] = []) async throws -> ServiceProcess {
        try await ServiceProcess(
            ["-serve-address", "127.0.0.1:0", "-interval", "10ms", "-tls-cert", files.certificateFile, "-tls-key", files.keyFile] + extra
        )
    }

    @Test func wsclientSubscribesOverWSSWithThePrivateCA() async throws {
        let certificates = try await TestCertificates()
        let service = try await serveTLS(certificates)
        #expect(service.process.stderr.contains("serving wss://127.0.0.1:\(service.port)/events"))
        let client = try ManagedProcess(Binaries.client, ["wss://127.0.0.1:\(service.port)/events", "--ca", certificates.caFile, "--count", "3"])
        #expect(try await client.waitForExit() == 0, "\(client.stderr)")
        #expect(client.stdout.split(separator: "\n").count == 3)
        let overSSE = try ManagedProcess(Binaries.client, ["https://127.0.0.1:\(service.port)/events", "--sse", "--ca", certificates.caFile, "--count", "3"])
        #expect(try await overSSE.waitForExit() == 0, "\(overSSE.stderr)")
        #expect(overSSE.stdout.split(separator: "\n").count == 3)
    }

    @Test func wsclientRefusesAnotherCAsCertificateInOneLine() async throws {
        let served = try await TestCertificates(name: "served CA")
        let other = try await TestCertificates(name: "other CA")
        let service = try await serveTLS(served)
        let client = try ManagedProcess(Binaries.client, ["wss://127.0.0.1:\(service.port)/events", "--ca", other.caFile])
        #expect(try await client.waitForExit() == 1)
        #expect(client.stderr.hasPrefix("wsclient: wss://127.0.0.1:\(service.port)/events: certificate verify failed: "))
        #expect(client.stderr.split(separator: "\n").count == 1)
    }

    @Test func aRelayBinaryConsumesAWSSOrigin() async throws {
        let certificates = try await TestCertificates()
        let origin = try await serveTLS(certificates)
        let relay = try await ServiceProcess([
            "-serve-address", "127.0.0.1:0", "-consume", "wss://127.0.0.1:\(origin.port)/events", "-no-produce", "-tls-ca", certificates.caFile,
        ])
        let client = try ManagedProcess(Binaries.client, ["\(relay.port)", "--count", "3"])
        #expect(try await client.waitForExit() == 0, "\(client.stderr) \(relay.process.stderr)")
        #expect(client.stdout.split(separator: "\n").allSatisfy { $0.contains(": 127.0.0.1:\(origin.port): ") })
    }

    @Test func sighupReloadsTheCertificateForNewConnections() async throws {
        let first = try await TestCertificates(name: "first CA")
        let second = try await TestCertificates(name: "second CA")
        let files = try await TestCertificates(name: "files CA")
        try first.install(over: files.server)
        let service = try await serveTLS(files)
        let url = "wss://127.0.0.1:\(service.port)/events"
        let existing = try ManagedProcess(Binaries.client, [url, "--ca", first.caFile])
        try await eventually("the first subscriber to print events") { !existing.stdout.isEmpty }

        try second.install(over: files.server)
        service.process.signal(SIGHUP)
        try await service.process.waitForLog("reloaded the TLS certificate")
        let renewed = try ManagedProcess(Binaries.client, [url, "--ca", second.caFile, "--count", "3"])
        #expect(try await renewed.waitForExit() == 0, "\(renewed.stderr)")
        let stale = try ManagedProcess(Binaries.client, [url, "--ca", first.caFile])
        #expect(try await stale.waitForExit() == 1)
        #expect(stale.stderr.contains("certificate verify failed"))

        let printed = existing.stdout.count
        try await eventually("the existing subscription to keep receiving") { existing.stdout.count > printed }
        #expect(existing.isRunning)
    }

    @Test func aFailedReloadLogsOneLineAndKeepsServing() async throws {
        let certificates = try await TestCertificates()
        let files = try await TestCertificates(name: "files CA")
        try certificates.install(over: files.server)
        let service = try await serveTLS(files)
        try "not a certificate".write(toFile: files.certificateFile, atomically: true, encoding: .utf8)
        service.process.signal(SIGHUP)
        let line = try await service.process.waitForLog("TLS reload failed")
        #expect(line.contains("keeping the current certificate"))
        let client = try ManagedProcess(Binaries.client, ["wss://127.0.0.1:\(service.port)/events", "--ca", certificates.caFile, "--count", "1"])
        #expect(try await client.waitForExit() == 0, "\(client.stderr)")
    }

    @Test func tlsFlagsAreCheckedBeforeListening() async throws {
        let certificates = try await TestCertificates()
        let onlyCert = try ManagedProcess(Binaries.service, ["-serve-address", "127.0.0.1:0", "-tls-cert", certificates.certificateFile])
        #expect(try await onlyCert.waitForExit() == 2)
        #expect(onlyCert.stderr == "wsevent-service: -tls-cert needs -tls-key: give both or neither (see -help)\n")
        let missing = try ManagedProcess(
            Binaries.service, ["-serve-address", "127.0.0.1:0", "-tls-key", certificates.keyFile],
            environment: ["WSEVENT_TLS_CERT": "/nonexistent/cert.pem"]
        )
        #expect(try await missing.waitForExit() == 2)
        #expect(missing.stderr == "wsevent-service: -tls-cert/-tls-key: cannot load certificate '/nonexistent/cert.pem': no such file (see -help)\n")
        let badCA = try ManagedProcess(Binaries.client, ["wss://127.0.0.1:1/events", "--ca", certificates.keyFile])
        #expect(try await badCA.waitForExit() != 0)
        #expect(badCA.stderr.contains("--ca: cannot load CA"))
    }
}
