import Foundation
import TestSupport
import Testing
import WSEventCore

/// The service binary's lifecycle and its answers to bad usage.
@Suite struct ServiceProcessTests {
    @Test func sigtermClosesSubscribersWith1001AndExitsZero() async throws {
        let service = try await ServiceProcess(["-serve-address", "127.0.0.1:0", "-interval", "50ms"])
        let connection = try await WebSocketClient.connect(
            to: WebSocketURL(host: "127.0.0.1", port: service.port, path: "/events"),
            subprotocols: ["wsevent.v1"]
        )
        async let received = TestClient.collect(on: connection, timeout: 60)
        try await Task.sleep(for: .milliseconds(300))
        service.process.signal(SIGTERM)
        #expect(try await received.closeCode == .goingAway)
        #expect(try await service.process.waitForExit() == 0)
    }

    /// A signal as soon as the port opens (a terminal's Ctrl-C, a container stopped while it
    /// starts) is never lost: the server drains and exits 0, or, if it came before the server
    /// ran, the process ends at once. Never a server that ignores it.
    @Test func aSignalAsSoonAsThePortOpensIsNeverLost() async throws {
        for signal in [SIGTERM, SIGINT, SIGTERM, SIGINT] {
            let port = try RawSocketPortProbe.freePort()
            let service = try ManagedProcess(Binaries.service, ["-serve-address", "127.0.0.1:\(port)", "-interval", "1h"])
            try await eventually("port \(port) to open") { (try? RawSocket(port: port)) != nil }
            service.signal(signal)
            let status = try await service.waitForExit(timeout: 30)
            #expect(status == 0 || status == 128 + signal, "\(service.stderr)")
        }
    }

    @Test func portInUseIsOneClearLine() async throws {
        let first = try await ServiceProcess(["-serve-address", "127.0.0.1:0"])
        let second = try ManagedProcess(Binaries.service, ["-serve-address", "127.0.0.1:\(first.port)"])
        #expect(try await second.waitForExit() == 1)
        #expect(second.stderr == "wsevent-service: cannot listen on 127.0.0.1:\(first.port): address already in use\n")
    }

    @Test func badFlagsAreOneClearLineAndExitTwo() async throws {
        for arguments in [["-bogus"], ["-serve-address", "no-port"], ["-interval", "soon"]] {
            let process = try ManagedProcess(Binaries.service, arguments)
            #expect(try await process.waitForExit() == 2)
            let lines = process.stderr.split(separator: "\n")
            #expect(lines.count == 1, "\(arguments): \(process.stderr)")
            #expect(lines.first?.hasPrefix("wsevent-service: ") == true)
        }
    }

    @Test func helpListsFlagsAndEnvironmentNames() async throws {
        let process = try ManagedProcess(Binaries.service, ["-help"])
        #expect(try await process.waitForExit() == 0)
        for name in ["-serve-address", "-consume", "-no-produce", "-interval", "WSEVENT_BUFFER", "SERVE_ADDRESS"] {
            #expect(process.stdout.contains(name), "\(name)")
        }
    }

    /// The default connection cap is what the descriptor limit leaves after its reserve and
    /// the 503 slots (OPERATIONS.md): at `ulimit -n 1024` that is 830, and `-help` says so.
    @Test func helpGivesTheDefaultConnectionCapForTheDescriptorLimit() async throws {
        let process = try ManagedProcess(Binaries.service, ["-help"], fileDescriptorLimit: 1024)
        #expect(try await process.waitForExit() == 0)
        // ArgumentParser wraps help lines: compare with the wrapping undone.
        let help = process.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        let line = help.components(separatedBy: "Connections open at once").dropFirst().first?.components(separatedBy: "[env:").first ?? ""
        #expect(line.contains("default 830 "), "\(line)")
        #expect(!line.contains("less 10%"), "\(line)")
    }

    @Test func environmentConfiguresLikeTheSeedsDockerUsage() async throws {
        let service = try await ServiceProcess([], environment: ["SERVE_ADDRESS": "127.0.0.1:0", "SERVE_PATH": "from-env"])
        let received = try await TestClient.collect(
            WebSocketURL(host: "127.0.0.1", port: service.port, path: "/from-env"), count: 1
        )
        #expect(received.texts.first?.contains(": 127.0.0.1:\(service.port): ") == true)
    }
}
