import ArgumentParser
import NIOCore
import WSEventCLI
import WSEventCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `wsclient`: subscribe to a stream and print each payload to stdout as it arrives.
@main
struct WSClient: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wsclient",
        abstract: "Print the events of a wsevent stream (or any WebSocket) to stdout, one payload per line.",
        discussion: """
            Reconnects with backoff and resumes where it left off (using wsevent.v1) unless \
            --no-reconnect. Examples: `wsclient 8080 events`, `wsclient ws://host:9090/proxy-events --json --count 10`.
            """
    )

    @OptionGroup var options: ClientOptions

    func run() async throws {
        signal(SIGPIPE, SIG_IGN)
        // As a container's first process nothing would stop us on these unless we handle them.
        signal(SIGINT) { _ in _exit(130) }
        signal(SIGTERM) { _ in _exit(143) }
        let url = try options.url()
        var subscriber = ResumingSubscriber(url)
        subscriber.reconnect = !options.noReconnect
        subscriber.offersV1 = !options.plain
        subscriber.configuration.tls = try options.tls()
        let printer = EventPrinter(json: options.json, raw: options.raw, limit: options.count)
        let start = try options.resumePoint()
        let work: @Sendable () async throws -> Void = { [subscriber] in
            try await subscriber.run(from: start) { printer.handle($0) }
        }
        do {
            if let timeout = try options.timeoutDuration() {
                let finished = try await withThrowingTaskGroup(of: Bool.self) { group in
                    group.addTask { try await work(); return true }
                    group.addTask { try await Task.sleep(for: timeout); return false }
                    let first = try await group.next()!
                    group.cancelAll()
                    return first
                }
                if !finished, let count = options.count {
                    FileDescriptorOutput.standardError.write("wsclient: \(url): timed out after \(printer.printed) of \(count) events\n")
                    throw ExitCode(1)
                }
            } else {
                try await work()
            }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            FileDescriptorOutput.standardError.write("wsclient: \(Self.describe(error, url: url))\n")
            throw ExitCode(1)
        }
        if printer.brokenPipe { throw ExitCode(0) }
        if let count = options.count, printer.printed < count {
            FileDescriptorOutput.standardError.write("wsclient: \(url): stream ended after \(printer.printed) of \(count) events\n")
            throw ExitCode(1)
        }
    }

    static func describe(_ error: Error, url: StreamURL) -> String {
        if let clientError = error as? any StreamClientError { return clientError.description }
        return "\(url): \(error)"
    }
}
