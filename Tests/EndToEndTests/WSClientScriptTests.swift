import Foundation
import TestSupport
import Testing

/// `scripts/wsclient` runs the release binary at once when it is newer than every source, and
/// builds only when a source changed, it is missing, or `--build` asks. Run in a scratch copy
/// of the repository's layout with a `swift` that records its calls and "builds" a stand-in.
@Suite struct WSClientScriptTests {
    @Test func buildsOnlyWhenMissingChangedOrAsked() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("wsclient-script-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let scripts = NginxProcess.repositoryRoot.appendingPathComponent("scripts")
        for directory in ["scripts", "Sources/x", ".build/release", "bin"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(directory), withIntermediateDirectories: true)
        }
        for script in ["wsclient", "release-build"] {
            try FileManager.default.copyItem(at: scripts.appendingPathComponent(script), to: root.appendingPathComponent("scripts/\(script)"))
        }
        try "let x = 1\n".write(to: root.appendingPathComponent("Sources/x/x.swift"), atomically: true, encoding: .utf8)
        try "// package\n".write(to: root.appendingPathComponent("Package.swift"), atomically: true, encoding: .utf8)
        let swift = root.appendingPathComponent("bin/swift")
        try """
            #!/bin/sh
            echo "$*" >> "$SWIFT_CALLS"
            printf '#!/bin/sh\\necho ran "$@"\\n' > .build/release/wsclient
            chmod +x .build/release/wsclient
            """.write(to: swift, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: swift.path)
        let calls = root.appendingPathComponent("calls")
        let environment = ["PATH": "\(root.path)/bin:/usr/bin:/bin", "SWIFT_CALLS": calls.path]

        func run(_ arguments: [String]) async throws -> (stdout: String, builds: Int) {
            let process = try ManagedProcess(root.appendingPathComponent("scripts/wsclient").path, arguments, environment: environment)
            #expect(try await process.waitForExit() == 0, "\(process.stderr)")
            let recorded = (try? String(contentsOf: calls, encoding: .utf8)) ?? ""
            return (process.stdout, recorded.split(separator: "\n").count)
        }
        #expect(try await run(["8080", "events"]) == ("ran 8080 events\n", 1), "missing: built")
        #expect(try await run(["8080"]) == ("ran 8080\n", 1), "up to date: not built")
        // A source changed after the binary was built (mtimes set apart, whatever their granularity).
        let now = Date()
        try FileManager.default.setAttributes([.modificationDate: now.addingTimeInterval(-10)], ofItemAtPath: root.appendingPathComponent(".build/release/wsclient").path)
        try FileManager.default.setAttributes([.modificationDate: now.addingTimeInterval(-5)], ofItemAtPath: root.appendingPathComponent("Sources/x/x.swift").path)
        #expect(try await run(["1"]) == ("ran 1\n", 2), "a source changed: built")
        #expect(try await run(["2"]) == ("ran 2\n", 2), "built since: not built again")
        #expect(try await run(["--build", "3"]) == ("ran 3\n", 3), "--build: built")
    }
}
