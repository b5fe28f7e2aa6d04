import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// nginx in front of `wsevent-service` instances, started through `scripts/wsproxy` (so the
/// tests run the config users run) on a free port of 127.0.0.1. When the object goes away,
/// nginx's master gets SIGTERM and stops its workers, and wsproxy removes its temp dir and
/// exits; this waits for that, so nothing is left running.
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
        // SIGTERM to nginx's master: it stops its workers and exits, wsproxy's `wait` returns and
        // its exit trap removes the temp dir. (Not SIGTERM to wsproxy: a child of a test process
        // inherits the spawning thread's signal mask, with SIGTERM blocked, so bash's trap would
        // never run. nginx sets its own mask.)
        let masters = masterPID.map { [$0] } ?? Self.nginxChildren(of: process.pid)
        for master in masters where Self.isNginx(master) { kill(master, SIGTERM) }
        var waited = 0
        while process.isRunning, waited < 200 {
            usleep(50_000)
            waited += 1
        }
        // Not expected: wsproxy still running. ManagedProcess's deinit kills it after this.
        if process.isRunning { process.signal(SIGTERM) }
    }

    private static func isNginx(_ pid: Int32) -> Bool {
        ((try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? "").contains("nginx")
    }

    /// Processes whose parent is `pid` and that are nginx.
    private static func nginxChildren(of pid: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { Int32($0) }.filter { child in
            guard let stat = try? String(contentsOfFile: "/proc/\(child)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return false }
            // After "pid (comm) ": state, then the parent's pid.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 1 && Int32(fields[1]) == pid && isNginx(child)
        }
    }

    /// What nginx logged (errors) and wsproxy printed.
    public var stderr: String { process.stderr }
    /// The access log: one line per finished request, with the instance that served it.
    public var accessLog: String { process.stdout }
}
