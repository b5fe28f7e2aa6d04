import Logging
import UnixSignals
import WSEventCore

/// SIGHUP reloads the TLS certificate and key (after a renewal): new connections get the new
/// ones, open connections keep theirs; files that do not load leave the current ones in force.
enum TLSReloadOnHangup {
    /// Handles SIGHUP until the returned task is cancelled.
    static func start(server: EventServer, logger: Logger) async -> Task<Void, Never> {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        return Task {
            for await _ in hangups {
                guard server.configuration.tls != nil else {
                    logger.notice("SIGHUP: nothing to reload (no -tls-cert)")
                    continue
                }
                do {
                    try server.reloadTLS()
                } catch {
                    logger.error("SIGHUP: TLS reload failed, keeping the current certificate: \(error)")
                }
            }
        }
    }
}
