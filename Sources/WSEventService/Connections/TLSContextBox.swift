import NIOConcurrencyHelpers
import NIOSSL
import WSEventWebSocket

/// The server's current TLS context behind a lock: every new connection takes the one in force
/// when it is accepted, and ``reload()`` swaps in a new one without touching open connections.
final class TLSContextBox: Sendable {
    /// The files read at start and on every reload.
    let files: ServerTLS
    private let current: NIOLockedValueBox<NIOSSLContext>

    /// Loads the files once.
    /// - Throws: ``TLSFileError`` when one does not load.
    init(files: ServerTLS) throws {
        self.files = files
        current = NIOLockedValueBox(try files.makeContext())
    }

    /// The context for a connection accepted now.
    var context: NIOSSLContext { current.withLockedValue { $0 } }

    /// Reads the files again and, only if they load, makes them the context of new connections.
    /// - Throws: ``TLSFileError``; the current context stays.
    func reload() throws {
        let loaded = try files.makeContext()
        current.withLockedValue { $0 = loaded }
    }
}
