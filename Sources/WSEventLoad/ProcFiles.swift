/// Parsers of the Linux /proc files the load generator reads, as pure functions of their text
/// (tested on fixtures; ``ProcessTree`` does the reading).
package enum ProcFiles {
    /// The fields of `/proc/PID/stat` the generator needs.
    package struct Stat: Sendable, Equatable {
        package var pid: Int32
        package var parent: Int32
        /// User and system CPU time, in clock ticks (`sysconf(_SC_CLK_TCK)`, 100 on Linux).
        package var userTicks: UInt64
        package var systemTicks: UInt64
        /// Resident pages.
        package var residentPages: UInt64
    }

    /// Parses `/proc/PID/stat`. The command name (field 2) is in parentheses and may itself
    /// hold spaces and parentheses (`nginx: worker process` is in cmdline; comm could be
    /// `a) b`), so the fields are counted from the last `)`.
    package static func parseStat(_ text: String) -> Stat? {
        guard let open = text.firstIndex(of: "("), let close = text.lastIndex(of: ")"),
            let pid = Int32(text[..<open].filter { $0 != " " })
        else { return nil }
        // After ") ": field 3 (state) is index 0 here; ppid is field 4, utime 14, stime 15,
        // rss 24 (proc(5)).
        let fields = text[text.index(after: close)...].split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count > 21,
            let parent = Int32(fields[1]),
            let user = UInt64(fields[11]),
            let system = UInt64(fields[12]),
            let rss = Int64(fields[21])
        else { return nil }
        return Stat(pid: pid, parent: parent, userTicks: user, systemTicks: system, residentPages: UInt64(max(0, rss)))
    }

    /// `Pss:` of `/proc/PID/smaps_rollup`, in bytes: the process's resident memory with each
    /// page shared by n processes counted 1/n, so a sum over nginx's master and workers
    /// counts their shared memory once (a sum of RSS counts it once per process).
    package static func parsePSS(smapsRollup text: String) -> UInt64? {
        for line in text.split(separator: "\n") where line.hasPrefix("Pss:") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count >= 3, parts[2] == "kB", let kilobytes = UInt64(parts[1]) else { return nil }
            return kilobytes * 1024
        }
        return nil
    }

    /// Every pid in `roots` and all their descendants, found through the parent of each
    /// process in `stats` (a process whose parent is gone is not followed).
    package static func tree(roots: [Int32], stats: [Stat]) -> [Int32] {
        var children: [Int32: [Int32]] = [:]
        for stat in stats { children[stat.parent, default: []].append(stat.pid) }
        var seen = Set<Int32>()
        var order: [Int32] = []
        var queue = roots
        while let pid = queue.popLast() {
            guard seen.insert(pid).inserted else { continue }
            order.append(pid)
            queue += children[pid] ?? []
        }
        return order.sorted()
    }
}
