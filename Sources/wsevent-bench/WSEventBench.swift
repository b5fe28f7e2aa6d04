import ArgumentParser

/// `wsevent-bench`: micro and load benchmarks of this machine. Prints numbers; run on
/// purpose, never as a test.
@main
struct WSEventBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wsevent-bench",
        abstract: "Time parts of wsevent on this machine.",
        // Fan-out stays the default so `wsevent-bench --subscribers N` keeps working as before.
        subcommands: [FanOutBenchmark.self, ReassemblyBenchmark.self],
        defaultSubcommand: FanOutBenchmark.self
    )
}
