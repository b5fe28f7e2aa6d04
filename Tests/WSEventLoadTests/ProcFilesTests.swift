import Foundation
import Testing

@testable import WSEventLoad

@Suite struct ProcFilesTests {
    /// A real line of /proc/PID/stat, its command name holding spaces and a parenthesis.
    let stat = "4242 (nginx: wor) ker) S 4240 4240 4240 0 -1 4194624 1534 0 0 0 250 75 0 0 20 0 1 0 7263189 58392576 2150 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n"

    @Test func statFieldsAreCountedFromTheLastParenthesis() {
        #expect(ProcFiles.parseStat(stat) == ProcFiles.Stat(pid: 4242, parent: 4240, userTicks: 250, systemTicks: 75, residentPages: 2150))
        #expect(ProcFiles.parseStat("garbage") == nil)
        #expect(ProcFiles.parseStat("12 (x) S 1 2 3") == nil)
    }

    @Test func pssIsReadInBytes() {
        let rollup = """
            55d2c9e7e000-7ffc5a5f4000 ---p 00000000 00:00 0                          [rollup]
            Rss:                6256 kB
            Pss:                1734 kB
            Pss_Anon:            900 kB
            """
        #expect(ProcFiles.parsePSS(smapsRollup: rollup) == 1734 * 1024)
        #expect(ProcFiles.parsePSS(smapsRollup: "Rss: 1 kB") == nil)
    }

    @Test func theTreeHoldsTheRootsAndEveryDescendant() {
        func stat(_ pid: Int32, _ parent: Int32) -> ProcFiles.Stat {
            ProcFiles.Stat(pid: pid, parent: parent, userTicks: 0, systemTicks: 0, residentPages: 0)
        }
        let stats = [stat(1, 0), stat(10, 1), stat(11, 10), stat(12, 10), stat(13, 12), stat(20, 1), stat(21, 20)]
        #expect(ProcFiles.tree(roots: [10], stats: stats) == [10, 11, 12, 13])
        #expect(ProcFiles.tree(roots: [12, 21], stats: stats) == [12, 13, 21])
        #expect(ProcFiles.tree(roots: [], stats: stats).isEmpty)
    }

    @Test func thisProcessAndItsChildAreSampled() throws {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/sleep")
        child.arguments = ["30"]
        try child.run()
        defer { child.terminate() }
        let me = getpid()
        let sample = ProcessTree(roots: [me]).sample()
        #expect(sample.pids.contains(me))
        #expect(sample.pids.contains(child.processIdentifier))
        #expect(sample.rssBytes > 1 << 20)
        #expect(sample.pssBytes > 0)
        #expect(sample.cpuSeconds > 0)
        #expect(ProcessTree.ownCPUSeconds() > 0)
        #expect(ProcessTree(roots: [Int32.max - 1]).sample().pids.isEmpty)
    }
}
