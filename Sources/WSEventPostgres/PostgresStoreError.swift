/// Why the store could not do something, in one line.
public enum PostgresStoreError: Error, Sendable, CustomStringConvertible {
    /// The database cannot be reached now (or was lost during the operation): nothing was
    /// acknowledged; retry later.
    case unavailable(String)
    /// The database's schema is newer than this build knows.
    case schemaTooNew(found: Int, known: Int)
    /// The stream is not in the store.
    case noSuchStream(String)

    public var description: String {
        switch self {
        case .unavailable(let reason): "the store is unavailable: \(reason)"
        case .schemaTooNew(let found, let known):
            "the store's schema is at version \(found), newer than this build's \(known): upgrade wsevent-service"
        case .noSuchStream(let path): "the store has no stream at \(path)"
        }
    }
}
