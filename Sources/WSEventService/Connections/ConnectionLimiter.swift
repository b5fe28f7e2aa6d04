import NIOConcurrencyHelpers

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Counts the sockets the server holds, shared by every event loop:
/// - *admitted* connections, at most ``limit`` (``ServiceConfiguration/maxConnections``);
/// - connections past it, held only to answer `503`, at most ``refusalSlots`` more.
///
/// Past ``capacity`` in all, ``AcceptGate`` stops accepting until one closes: new connections
/// wait in the kernel's backlog. So accepting never takes the process's last file descriptors.
/// That matters beyond this server: out of descriptors, libdispatch (under Swift concurrency)
/// cannot read `/proc` for its thread pool monitor and traps, taking the process down.
package final class ConnectionLimiter: Sendable {
    /// Connections admitted at once.
    package let limit: Int
    /// Connections held past ``limit`` to be refused with a `503`.
    package let refusalSlots: Int

    private struct Counts {
        var admitted = 0
        var held = 0
        var refused = 0
        /// The gate withheld a read of the listening socket: wake it when a place frees.
        var acceptWithheld = false
    }

    private let counts = NIOLockedValueBox(Counts())

    package init(limit: Int) {
        self.limit = limit
        self.refusalSlots = Self.refusalSlots(for: limit)
    }

    /// Sockets held at most: admitted connections and those being refused.
    package var capacity: Int { limit + refusalSlots }

    // MARK: Accepting

    /// Counts a socket just accepted; it is held until ``unhold()``.
    package func hold() {
        counts.withLockedValue { $0.held += 1 }
    }

    /// Counts a held socket that closed; `true` when a withheld accept may go on now.
    package func unhold() -> Bool {
        counts.withLockedValue { counts in
            counts.held -= 1
            guard counts.acceptWithheld, counts.held < capacity else { return false }
            counts.acceptWithheld = false
            return true
        }
    }

    /// `true` (and remembered) when the server holds all the sockets it may: accept no more.
    package func withholdAcceptIfFull() -> Bool {
        counts.withLockedValue { counts in
            guard counts.held >= capacity else { return false }
            counts.acceptWithheld = true
            return true
        }
    }

    // MARK: Admitting

    /// Takes a place for a new connection; `false` (and one more refusal counted) when all are taken.
    package func admit() -> Bool {
        counts.withLockedValue { counts in
            guard counts.admitted < limit else {
                counts.refused += 1
                return false
            }
            counts.admitted += 1
            return true
        }
    }

    /// Gives back the place of an admitted connection that has closed.
    package func release() {
        counts.withLockedValue { $0.admitted -= 1 }
    }

    /// Connections open now that were admitted.
    package var open: Int { counts.withLockedValue { $0.admitted } }
    /// Connections refused with 503 since the server started.
    package var refused: Int { counts.withLockedValue { $0.refused } }

    // MARK: Sizing

    /// How many refusals may be in flight past `limit`: a tenth of it, at least 1, at most 1024.
    package static func refusalSlots(for limit: Int) -> Int {
        max(1, min(1024, limit / 10))
    }

    /// The process's file-descriptor limit (`RLIMIT_NOFILE`, soft).
    package static func descriptorLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        // Unlimited (RLIM_INFINITY, all bits set) clamps to the largest descriptor count.
        return min(Int(clamping: limit.rlim_cur), Int(Int32.max))
    }

    /// The descriptors connections may take out of `descriptors`: all but a reserve for
    /// everything else (listening, event loops, upstreams, the store, logs, libdispatch's reads
    /// of `/proc`) of 10% and at least 64, but never more than half, so that a small limit
    /// (`ulimit -n 64`) still leaves half of it for connections.
    package static func connectionBudget(descriptors: Int) -> Int {
        let reserve = min(max(64, descriptors / 10), descriptors / 2)
        return max(2, descriptors - reserve)
    }

    /// The largest limit whose ``capacity`` fits `budget` descriptors.
    package static func largestLimit(within budget: Int) -> Int {
        var limit = max(1, budget - refusalSlots(for: budget))
        while limit > 1, limit + refusalSlots(for: limit) > budget { limit -= 1 }
        return limit
    }

    /// The default ``ServiceConfiguration/maxConnections``: as many as the descriptor limit
    /// allows with its reserve and the refusal slots.
    package static func defaultLimit() -> Int {
        largestLimit(within: connectionBudget(descriptors: descriptorLimit()))
    }
}
