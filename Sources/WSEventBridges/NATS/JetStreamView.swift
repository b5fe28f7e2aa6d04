import WSEventStreams

/// What a JetStream stream's info means for the served stream: its epoch, whether its
/// sequence can be the stream's ids, and where the ordered consumer starts. Pure logic, from
/// what `js_GetStreamInfo` answered.
///
/// The epoch comes from the stream's name and creation time, so every instance reading the
/// same stream derives the same one, and a stream deleted and made again (same name, new
/// creation time) is a new epoch: subscribers are told as of a restarted origin.
public struct JetStreamView: Sendable, Equatable {
    /// What the stream's info says.
    public struct Info: Sendable, Equatable {
        public var name: String
        /// Creation time, nanoseconds since 1970 (UTC).
        public var created: Int64
        /// The subjects it captures.
        public var subjects: [String]
        /// The oldest sequence it still holds, and the newest it assigned (0 when empty).
        public var firstSequence: UInt64
        public var lastSequence: UInt64

        public init(name: String, created: Int64, subjects: [String], firstSequence: UInt64, lastSequence: UInt64) {
            self.name = name
            self.created = created
            self.subjects = subjects
            self.firstSequence = firstSequence
            self.lastSequence = lastSequence
        }
    }

    /// How the served stream's ids come.
    public enum IDs: Sendable, Equatable {
        /// The stream sequence: the consumer's filter covers the whole stream.
        case sequence
        /// The instance's own: the filter is narrower than the stream (the sequence would have
        /// holes that are not losses), or the stream is merged with other feeds.
        case local(reason: String)
    }

    public var epoch: Epoch
    public var ids: IDs

    /// - Parameters:
    ///   - filter: the consumer's filter subject; `nil` for the whole stream.
    ///   - asLog: whether the stream may be the served stream's log (it is its one feed).
    public init(info: Info, filter: String?, asLog: Bool) {
        epoch = Self.epoch(name: info.name, created: info.created)
        if !asLog {
            ids = .local(reason: "merged with other feeds: the instance gives the ids")
        } else if NATSSubject.covers(filter, stream: info.subjects) {
            ids = .sequence
        } else {
            let subjects = info.subjects.joined(separator: ", ")
            ids = .local(reason: "the filter \(filter ?? ">") is narrower than stream \(info.name) (\(subjects)): the instance gives the ids")
        }
    }

    /// Why publishing on `subject` cannot reach the stream (none of its subjects matches it, so
    /// JetStream answers no one), in one line; `nil` when it can.
    public static func publishProblem(subject: String, info: Info) -> String? {
        guard !info.subjects.contains(where: { NATSSubject.covers($0, subject) }) else { return nil }
        return "-publish-to subject \(subject) is not one stream \(info.name) takes (\(info.subjects.joined(separator: ", "))): every POST is refused"
    }

    /// The epoch of stream `name` made at `created`: 16 characters of `[a-z0-9]` from an FNV-1a
    /// hash of both, the same on every machine.
    public static func epoch(name: String, created: Int64) -> Epoch {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789".utf8)
        var first: UInt64 = 0xcbf2_9ce4_8422_2325
        var second: UInt64 = 0x8422_2325_cbf2_9ce4
        for byte in Array(name.utf8) + [0] + Array(String(created).utf8) {
            first = (first ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            second = (second ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 &+ 0x9e37
        }
        var characters: [UInt8] = []
        for var value in [first, second] {
            for _ in 0..<8 {
                characters.append(alphabet[Int(value % UInt64(alphabet.count))])
                value /= UInt64(alphabet.count)
            }
        }
        return Epoch(String(decoding: characters, as: UTF8.self))!
    }
}
