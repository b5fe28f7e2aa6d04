import ArgumentParser
import Foundation
import NIOCore
import WSEventLoad

#if canImport(Glibc)
import Glibc
#endif

/// `wsevent-bench fan-out` (the default): N subscribers, events published by POST.
struct FanOutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fan-out",
        abstract: "Open N subscribers, publish by POST for a while, report delivery, latency, loss and server CPU.")

    @OptionGroup var load: LoadOptions
    @OptionGroup var publish: PublishOptions

    func run() async throws {
        var generator = try load.generator(defaultSubscribers: 100)
        try publish.apply(to: &generator, load: load, defaultRate: 0)
        try await Output.run(bound: generator.rampTimeout.inSeconds + publish.duration + publish.drain + publish.settle) {
            try await generator.fanOut()
        }
    }
}

/// `wsevent-bench chain`: publish at the head of a relay chain, subscribe at its tail.
struct ChainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chain",
        abstract: "Publish at the head of a relay chain (--publish-url), subscribe at its tail (--subscribe-url): latency through every hop.")

    @OptionGroup var load: LoadOptions
    @OptionGroup var publish: PublishOptions

    func validate() throws {
        guard publish.publishURL != nil else { throw ValidationError("chain needs --publish-url (the head of the chain)") }
    }

    func run() async throws {
        var generator = try load.generator(defaultSubscribers: 1)
        try publish.apply(to: &generator, load: load, defaultRate: 100)
        try await Output.run(bound: generator.rampTimeout.inSeconds + publish.duration + publish.drain + publish.settle) {
            try await generator.fanOut(mode: "chain")
        }
    }
}

/// `wsevent-bench idle`: memory per idle subscriber.
struct IdleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "idle",
        abstract: "Open N idle subscribers and report the server's memory (RSS and PSS, children included) per connection.")

    @OptionGroup var load: LoadOptions

    @Option(help: "Seconds to wait after the last subscriber before reading the server's memory")
    var settle = 2.0

    func validate() throws {
        guard !load.serverPID.isEmpty else { throw ValidationError("idle needs --server-pid (whose memory to read)") }
        guard settle >= 0 else { throw ValidationError("--settle must not be negative") }
    }

    func run() async throws {
        let generator = try load.generator(defaultSubscribers: 100)
        try await Output.run(bound: generator.rampTimeout.inSeconds + settle) {
            try await generator.idleMemory(settleAfter: .seconds(settle))
        }
    }
}

/// `wsevent-bench handshake`: subscriptions per second.
struct HandshakeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "handshake",
        abstract: "Subscribe and close at once, --handshakes-in-flight at a time, for --duration seconds or --count handshakes.")

    @OptionGroup var load: LoadOptions

    @Option(help: "Seconds to run at most")
    var duration = 5.0

    @Option(help: "Handshakes at most (each uses a local port for a while: keep it under ~20000)")
    var count = 10_000

    func validate() throws {
        guard duration > 0, duration <= 3600, count > 0 else { throw ValidationError("--duration (at most 3600) and --count must be positive") }
    }

    func run() async throws {
        var generator = try load.generator(defaultSubscribers: count)
        generator.duration = .seconds(duration)
        try await Output.run(bound: duration) { try await generator.handshakeRate(count: count) }
    }
}

/// Prints a report: its lines, then its JSON line; exit 1 when the run could not measure.
enum Output {
    /// Runs `body` under a watchdog: a run that overstays `bound` seconds by a minute is a bug
    /// in the generator or a hung server, and must not hang a script, so the process exits 3.
    static func run(bound: Double, _ body: () async throws -> RunReport) async throws {
        raiseFileLimit()
        let limit = bound + 60
        DispatchQueue.global().asyncAfter(deadline: .now() + limit) {
            FileHandle.standardError.write(Data("wsevent-bench: still running \(Int(limit)) s after starting; giving up\n".utf8))
            exit(3)
        }
        let report = try await body()
        for line in report.lines { print(line) }
        print(report.jsonLine)
        fflush(nil)  // all streams: naming `stdout` is not concurrency-safe
        if report.error != nil { throw ExitCode(1) }
    }

    /// Open files up to the hard limit: each subscriber is a descriptor.
    static func raiseFileLimit() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
}

extension TimeAmount {
    var inSeconds: Double { Double(nanoseconds) / 1e9 }
}
