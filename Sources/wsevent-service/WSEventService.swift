import ArgumentParser
import Logging
import NIOConcurrencyHelpers
import NIOPosix
import ServiceLifecycle
import UnixSignals
import WSEventBridges
import WSEventCLI
import WSEventCore
import WSEventPostgres

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `wsevent-service`: flags to a configuration, then run until SIGINT/SIGTERM; SIGHUP reloads
/// the TLS certificate.
@main
enum WSEventService {
    /// The stores `-store` may name: each is a plug-in this executable links.
    static let stores: [StoreKind] = [.postgres]
    /// The brokers `-consume` and `-publish-to` may name (with the `Bridges` trait; without it
    /// they refuse, saying how to get them).
    static let bridges: [BridgeKind] = Bridges.kinds

    static func main() async {
        let configuration: ServiceConfiguration
        let level: Logger.Level
        let resetsStore: Bool
        do {
            let flags = try ServiceFlags.parseGoStyle(Array(CommandLine.arguments.dropFirst()))
            configuration = try flags.configuration(environment: ProcessInfoEnvironment.current, stores: stores, bridges: bridges)
            level = try flags.logLevel(environment: ProcessInfoEnvironment.current)
            resetsStore = try flags.resetsStore(environment: ProcessInfoEnvironment.current)
        } catch {
            if ServiceFlags.exitCode(for: error) == .success {
                print(ServiceFlags.helpMessage(columns: 100).replacingUsage())
                exit(0)
            }
            fail("\(ServiceFlags.message(for: error)) (see -help)", code: 2)
        }

        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "wsevent")
        // Trapped before anything else happens, so no SIGTERM or SIGINT is lost: one that came
        // after the port opened but before the service group listened for signals would have
        // left a server that never drains (seen when a terminal's Ctrl-C met a starting server).
        // Before the server runs, a signal ends the process at once; once it runs, the first
        // drains it and a second means "now".
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        let running = NIOLockedValueBox<ServiceGroup?>(nil)
        let handler = Task {
            var draining = false
            for await signal in signals {
                guard !draining, let group = running.withLockedValue({ $0 }) else {
                    if draining { logger.warning("second signal during shutdown: exiting at once", metadata: ["signal": "\(signal)"]) }
                    exit(128 + signal.rawValue)
                }
                draining = true
                await group.triggerGracefulShutdown()
            }
        }
        defer { handler.cancel() }
        if resetsStore { await resetStore(configuration, logger: logger) }
        let server: EventServer
        do {
            server = try await EventServer.bind(configuration: configuration, logger: logger)
        } catch {
            fail("\(error)", code: 1)
        }
        let group = ServiceGroup(configuration: .init(services: [server], logger: logger))
        running.withLockedValue { $0 = group }
        let reloads = await TLSReloadOnHangup.start(server: server, logger: logger)
        defer { reloads.cancel() }
        do {
            try await group.run()
        } catch {
            fail("\(error)", code: 1)
        }
    }

    /// `-store-reset`: a new epoch for the stream at -serve-path, then exit.
    static func resetStore(_ configuration: ServiceConfiguration, logger: Logger) async -> Never {
        guard let store = configuration.store else { fail("-store-reset needs -store (see -help)", code: 2) }
        do {
            let epoch = try await store.resetStream(path: configuration.servePath, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: logger)
            print("reset \(configuration.servePath) in \(store): new epoch \(epoch), ids start at 1")
            exit(0)
        } catch {
            fail("cannot reset \(configuration.servePath) in \(store): \(error)", code: 1)
        }
    }

    static func fail(_ message: String, code: Int32) -> Never {
        FileDescriptorOutput.standardError.write("wsevent-service: \(message)\n")
        exit(code)
    }
}

extension String {
    /// ArgumentParser prints `--help`; our flags are Go style.
    fileprivate func replacingUsage() -> String {
        "USAGE: wsevent-service [-flag value | -flag=value | --flag value] ...\n\n"
            + (split(separator: "\n", omittingEmptySubsequences: false)
                .drop { !$0.hasPrefix("OPTIONS") }
                .joined(separator: "\n"))
            + "\nSee README.md for the roles (producer, relay, fan-in, hub) and examples.\n"
    }
}
