#if canImport(Glibc)
import Glibc
#endif

/// CPU time and memory of a server by PID, its children included (nginx's master and its
/// workers, a shell and what it started), read from /proc.
package struct ProcessTree: Sendable {
    /// The processes named on the command line; their descendants are found at each sample.
    package let roots: [Int32]

    package init(roots: [Int32]) {
        self.roots = roots
    }

    /// One reading of the whole tree.
    package struct Sample: Sendable {
        /// The processes read (roots and descendants alive at the time).
        package var pids: [Int32] = []
        /// User plus system CPU time, summed over them, in seconds.
        package var cpuSeconds = 0.0
        /// Resident memory summed over them (shared pages counted once per process).
        package var rssBytes: UInt64 = 0
        /// Proportional set size summed over them (shared pages counted once in all).
        package var pssBytes: UInt64 = 0
    }

    /// Reads every process of the tree now. Processes that exit while being read are left out.
    package func sample() -> Sample {
        let stats = Self.allStats()
        let pids = ProcFiles.tree(roots: roots, stats: stats).filter { pid in stats.contains { $0.pid == pid } }
        var sample = Sample()
        sample.pids = pids
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let page = UInt64(sysconf(Int32(_SC_PAGESIZE)))
        for stat in stats where pids.contains(stat.pid) {
            sample.cpuSeconds += Double(stat.userTicks + stat.systemTicks) / ticks
            sample.rssBytes += stat.residentPages * page
            if let text = Self.read("/proc/\(stat.pid)/smaps_rollup"), let pss = ProcFiles.parsePSS(smapsRollup: text) {
                sample.pssBytes += pss
            }
        }
        return sample
    }

    /// This process's own CPU time so far, in seconds (the load generator's, to show when it
    /// is the bottleneck).
    package static func ownCPUSeconds() -> Double {
        guard let text = read("/proc/self/stat"), let stat = ProcFiles.parseStat(text) else { return 0 }
        return Double(stat.userTicks + stat.systemTicks) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Whether `pid` is a running process.
    package static func exists(_ pid: Int32) -> Bool {
        read("/proc/\(pid)/stat") != nil
    }

    /// `/proc/PID/stat` of every process.
    static func allStats() -> [ProcFiles.Stat] {
        guard let directory = opendir("/proc") else { return [] }
        defer { closedir(directory) }
        var stats: [ProcFiles.Stat] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { bytes in
                String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard let pid = Int32(name), let text = read("/proc/\(pid)/stat"), let stat = ProcFiles.parseStat(text) else { continue }
            stats.append(stat)
        }
        return stats
    }

    /// A small /proc file's text, or nil if it cannot be read (the process is gone).
    static func read(_ path: String) -> String? {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            bytes += chunk[0..<count]
            if bytes.count > 1 << 20 { break }
        }
        return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self)
    }
}
