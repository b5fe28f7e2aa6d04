import ArgumentParser

/// `wsevent-bench`: a load generator that measures any running server by URL (wsevent, Nchan,
/// ...), and a micro benchmark of the message assembler. Prints numbers; run on purpose (see
/// scripts/bench and docs/BENCHMARKS.md), never as a test of speed.
@main
struct WSEventBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wsevent-bench",
        abstract: "Measure a running event-stream server on this machine by URL.",
        discussion: """
            Every mode prints a few lines for a person and then exactly one JSON line with the same \
            figures. Every run ends by itself; only loopback addresses are accepted.
            """,
        subcommands: [FanOutCommand.self, ChainCommand.self, IdleCommand.self, HandshakeCommand.self, ReassemblyBenchmark.self],
        defaultSubcommand: FanOutCommand.self
    )
}
