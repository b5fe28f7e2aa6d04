import WSEventStreams

/// Whether a subscriber of a durable stream needs the store before it joins: pure logic over
/// the stream's status, tested without a database.
package enum HistoryReplay: Equatable, Sendable {
    /// Join as usual: live only, or the replay buffer reaches back to `since`, or another
    /// epoch (told of a `gap` as usual).
    case none
    /// `since` is older than the replay buffer: replay from the store first, from `since` on.
    case fromStore(since: UInt64)
    /// `since` is newer than this instance has: the client came from another instance of the
    /// same store. Catch up with the store first.
    case catchUp

    package static func decide(resume: ResumePoint?, status: StreamStatus) -> HistoryReplay {
        guard let resume, status.source == .store else { return .none }
        if let epoch = resume.epoch, epoch != status.epoch { return .none }
        if resume.since > status.lastID { return .catchUp }
        return resume.since + 1 < firstBuffered(status) ? .fromStore(since: resume.since) : .none
    }

    /// The oldest id the replay buffer holds (the one after the last when it holds none). A
    /// store stream's buffer holds contiguous ids, the newest ones.
    package static func firstBuffered(_ status: StreamStatus) -> UInt64 {
        status.lastID + 1 - UInt64(min(status.bufferedEvents, Int(clamping: status.lastID)))
    }
}
