import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Counts the open connections against ``ServiceConfiguration/maxConnections`` and the ones
/// refused past it; shared by every event loop.
package final class ConnectionLimiter: Sendable {
    package let limit: Int
    private let counts = NIOLockedValueBox((open: 0, refused: 0))

    package init(limit: Int) {
        self.limit = limit
    }

    /// Takes a place for a new connection; `false` (and one more refusal counted) when all are taken.
    package func admit() -> Bool {
        counts.withLockedValue { counts in
            guard counts.open < limit else {
                counts.refused += 1
                return false
            }
            counts.open += 1
            return true
        }
    }

    /// Gives back the place of an admitted connection that has closed.
    package func release() {
        counts.withLockedValue { $0.open -= 1 }
    }

    /// Connections open now that were admitted.
    package var open: Int { counts.withLockedValue { $0.open } }
    /// Connections refused with 503 since the server started.
    package var refused: Int { counts.withLockedValue { $0.refused } }

    /// The default limit: what the process's file-descriptor limit (`RLIMIT_NOFILE`, soft)
    /// allows, less a reserve for everything else (listening, upstreams, the store, logs, and
    /// the connections being refused with a 503).
    package static func defaultLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return defaultLimit(descriptors: 1024) }
        // Unlimited (RLIM_INFINITY, all bits set) clamps to the largest descriptor count.
        return defaultLimit(descriptors: min(Int(clamping: limit.rlim_cur), Int(Int32.max)))
    }

    /// The default limit for a process allowed `descriptors` open files: the reserve is 10% of
    /// them and at least 64, but never more than half, so that a small limit (`ulimit -n 64`)
    /// still leaves half of it for connections.
    package static func defaultLimit(descriptors: Int) -> Int {
        let reserve = min(max(64, descriptors / 10), descriptors / 2)
        return max(1, descriptors - reserve)
    }
}
