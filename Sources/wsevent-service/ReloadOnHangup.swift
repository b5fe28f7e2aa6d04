import Logging
import UnixSignals
import WSEventCore

/// SIGHUP reloads the TLS certificate and key (after a renewal) and the JWT keys (after a
/// rotation): new connections and requests get the new ones, open connections keep what they
/// were admitted with; files that do not load leave the current ones in force.
enum ReloadOnHangup {
    /// Handles SIGHUP until the returned task is cancelled.
    static func start(server: EventServer, logger: Logger) async -> Task<Void, Never> {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        return Task {
            for await _ in hangups {
                let configuration = server.configuration
                guard configuration.tls != nil || configuration.jwt != nil else {
                    logger.notice("SIGHUP: nothing to reload (no -tls-cert, no JWT keys)")
                    continue
                }
                if configuration.tls != nil {
                    do {
                        try server.reloadTLS()
                    } catch {
                        logger.error("SIGHUP: TLS reload failed, keeping the current certificate: \(error)")
                    }
                }
                if configuration.jwt != nil {
                    do {
                        try await server.reloadKeys()
                    } catch {
                        logger.error("SIGHUP: JWT key reload failed, keeping the current keys: \(error)")
                    }
                }
            }
        }
    }
}
