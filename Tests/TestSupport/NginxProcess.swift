import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// nginx in front of `wsevent-service` instances, started through `scripts/wsproxy` (so the
/// tests run the config users run) on a free port of 127.0.0.1. When the object goes away,
/// wsproxy gets SIGTERM and stops nginx with its workers and removes its temp dir; this waits
/// for that, so nothing is left running.
public final class NginxProcess: @unchecked Sendable {
    /// Thrown when nginx is not installed: the reverse-proxy tests fail with this, never skip.
    public struct Missing: Error, CustomStringConvertible {
        public var description: String {
            "nginx is not installed, and the reverse-proxy tests need it: scripts/test installs it (need_pkg nginx nginx), "
                + "or run `apt-get install -y nginx` (Debian's package; no service needs to run)"
        }
    }

    public let process: ManagedProcess
    /// Where nginx listens, on 127.0.0.1.
    public let port: Int
    /// nginx's master process, from wsproxy's "nginx (pid N) listening" line.
    public private(set) var masterPID: Int32?

    /// The repository's root, found from this file's path.
    public static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    public static var wsproxyScript: String { repositoryRoot.appendingPathComponent("scripts/wsproxy").path }

    /// The nginx executable on PATH or in the sbin directories (not on a normal user's PATH).
    public static func executable() throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let directories = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/usr/local/sbin", "/sbin", "/usr/local/nginx/sbin"]
        for directory in directories where !directory.isEmpty {
            let candidate = directory + "/nginx"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw Missing()
    }

    /// Starts `scripts/wsproxy` balancing over `backends` (ports on 127.0.0.1), with POSTs sent to
    /// `origin` when given, and waits until nginx accepts connections.
    public init(backends: [Int], origin: Int? = nil) async throws {
        let nginx = try Self.executable()
        var arguments = [Self.wsproxyScript]
        if let origin { arguments += ["--origin", "127.0.0.1:\(origin)"] }
        port = try RawSocketPortProbe.freePort()
        arguments.append("127.0.0.1:\(port)")
        arguments += backends.map { "127.0.0.1:\($0)" }
        process = try ManagedProcess("/bin/bash", arguments, environment: ["WSPROXY_NGINX": nginx])
        // Fully initialized from here: if a wait below throws, deinit still stops wsproxy.
        let line = try await process.waitForLog("wsproxy: nginx (pid", timeout: 30)
        masterPID = line.split(separator: "(pid ").last.flatMap { Int32($0.prefix { $0.isNumber }) }
        try await eventually("nginx to accept connections on port \(port)", timeout: 10) { [port] in
            (try? RawSocket(port: port)) != nil
        }
    }

    deinit {
        // SIGTERM to wsproxy: its trap stops nginx (master and workers) and removes the temp dir.
        if process.isRunning { process.signal(SIGTERM) }
        var waited = 0
        while process.isRunning, waited < 200 {
            usleep(50_000)
            waited += 1
        }
        // Should wsproxy itself have died, stop nginx directly (its master stops the workers).
        if let masterPID, kill(masterPID, 0) == 0, Self.isNginx(masterPID) {
            kill(masterPID, SIGTERM)
            usleep(500_000)
        }
    }

    private static func isNginx(_ pid: Int32) -> Bool {
        ((try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? "").contains("nginx")
    }

    /// What nginx logged (errors) and wsproxy printed.
    public var stderr: String { process.stderr }
    /// The access log: one line per finished request, with the instance that served it.
    public var accessLog: String { process.stdout }
}
