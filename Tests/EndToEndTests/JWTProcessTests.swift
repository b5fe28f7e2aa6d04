import Foundation
import Testing

import TestSupport

/// JWTs in the built `wsevent-service`: SIGHUP reads the key files again (a rotation), and a
/// refused token's reason is logged, the token never.
@Suite struct JWTProcessTests {
    static func serve(keyFile: String, _ extra: [String] = []) async throws -> ServiceProcess {
        try await ServiceProcess(
            ["-serve-address", "127.0.0.1:0", "-interval", "50ms", "-jwt-key-file", keyFile, "-jwt-audience", TestJWTKeys.audience, "-jwt-issuer", TestJWTKeys.issuer]
                + extra
        )
    }

    @Test func sighupReadsTheKeyFilesAgain() async throws {
        let keys = try await TestJWTKeys()
        let keyFile = keys.directory.appendingPathComponent("active.pem").path
        try FileManager.default.copyItem(atPath: keys.rsaPublicFile, toPath: keyFile)
        let service = try await Self.serve(keyFile: keyFile)
        let old = try await keys.token(.rs256, subscribe: ["/events"], expiresIn: 600)
        let new = try await keys.token(.es256, subscribe: ["/events"], expiresIn: 600)
        let status = { (token: String) in
            try await AccessProbe.answer(port: service.port, .sse, "/events", headers: ["Authorization": "Bearer \(token)"]).status
        }
        #expect(try await status(old) == 200)
        #expect(try await status(new) == 401)
        // A subscriber let in with the old key...
        let existing = try ManagedProcess(Binaries.client, ["\(service.port)", "events", "--token-file", try Self.write(old, in: keys, "old.jwt")])
        try await eventually("the old key's subscriber to print events") { !existing.stdout.isEmpty }

        // ... the issuer rotates to the EC key: the file is rewritten and SIGHUP read.
        try Data(contentsOf: URL(fileURLWithPath: keys.ecPublicFile)).write(to: URL(fileURLWithPath: keyFile), options: .atomic)
        service.process.signal(SIGHUP)
        try await service.process.waitForLog("reloaded the JWT keys: ES256")
        #expect(try await status(new) == 200)
        #expect(try await status(old) == 401)
        // ... and keeps its subscription until its token expires.
        let printed = existing.stdout.count
        try await eventually("the existing subscription to keep receiving") { existing.stdout.count > printed }

        // A file that does not load leaves the keys in force.
        try Data("not a key".utf8).write(to: URL(fileURLWithPath: keyFile), options: .atomic)
        service.process.signal(SIGHUP)
        let line = try await service.process.waitForLog("JWT key reload failed")
        #expect(line.contains("keeping the current keys"))
        #expect(try await status(new) == 200)
    }

    @Test func aRefusalLogsWhyAndNeverTheToken() async throws {
        let keys = try await TestJWTKeys()
        let service = try await Self.serve(keyFile: keys.hsSecretFile, ["-jwt-query-token"])
        let wrongAudience = try await keys.token(.hs256, subscribe: ["/events"], audience: "another-app")
        let answer = try await AccessProbe.answer(port: service.port, .webSocket, "/events?token=\(wrongAudience)")
        #expect(answer.status == 401)
        let line = try await service.process.waitForLog("refused subscribe with 401")
        #expect(line.contains("its aud is not '\(TestJWTKeys.audience)'"), "\(line)")
        #expect(line.contains("path=/events"), "the path without its query: \(line)")

        let ungranted = try await keys.token(.hs256, subscribe: ["/other"], publish: ["/other"])
        #expect(try await AccessProbe.answer(port: service.port, .publish, "/events", headers: ["Authorization": "Bearer \(ungranted)"]).status == 403)
        try await service.process.waitForLog("refused publish with 403")
        for token in [wrongAudience, ungranted] {
            // Not the token, nor any of its three parts.
            for part in token.split(separator: ".") {
                #expect(!service.process.stderr.contains(part), "a part of the token is in the log")
            }
        }
    }

    static func write(_ token: String, in keys: TestJWTKeys, _ name: String) throws -> String {
        let file = keys.directory.appendingPathComponent(name)
        try Data(token.utf8).write(to: file)
        return file.path
    }
}
