import Logging
import NIOCore
import WSEventStreams
import WSEventTransports

/// Removes the streams opened on demand that nobody has used for the idle timeout, so topics
/// that come and go do not pile up against `-max-streams`.
struct IdleStreamSweeper {
    let registry: StreamRegistry<EncodedEvent>
    let idleTimeout: Duration
    let logger: Logger

    /// How often to look: a quarter of the timeout, so a stream goes at most a quarter late,
    /// but never busier than every 10 ms nor lazier than every 30 s.
    var period: Duration {
        min(max(idleTimeout / 4, .milliseconds(10)), .seconds(30))
    }

    /// Sweeps until the task is cancelled.
    func run() async {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: period)
            } catch {
                return
            }
            for path in registry.removeIdleStreams(idleSince: .now() - TimeAmount(idleTimeout)) {
                logger.debug("removed idle stream", metadata: ["stream": "\(path)"])
            }
        }
    }
}
