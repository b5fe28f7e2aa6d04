/// The last `capacity` elements of a stream, oldest first, with strictly increasing ids.
///
/// Ids are usually contiguous; a relay that mirrors an upstream which itself reported a gap
/// holds a hole, and ``ResumePlan`` turns such holes into `gap` messages.
package struct ReplayBuffer<Element>: Sendable where Element: Sendable {
    package let capacity: Int
    private var storage: [Element?]
    private var ids: [UInt64]
    private var start = 0
    package private(set) var count = 0

    package init(capacity: Int) {
        precondition(capacity >= 0, "capacity must not be negative")
        self.capacity = capacity
        self.storage = Array(repeating: nil, count: capacity)
        self.ids = Array(repeating: 0, count: capacity)
    }

    /// The id of the oldest element still held.
    package var firstID: UInt64? { count == 0 ? nil : ids[start] }
    /// The id of the newest element held.
    package var lastID: UInt64? { count == 0 ? nil : ids[index(count - 1)] }

    /// Appends an element; ids must increase. Drops the oldest element when full.
    /// - Returns: the element dropped to make room, if any (with capacity 0: `element` itself).
    @discardableResult
    package mutating func append(id: UInt64, _ element: Element) -> Element? {
        guard capacity > 0 else { return element }
        precondition(lastID.map { id > $0 } ?? true, "replay buffer ids must increase")
        if count == capacity {
            let dropped = storage[start]
            storage[start] = element
            ids[start] = id
            start = (start + 1) % capacity
            return dropped
        } else {
            let slot = index(count)
            storage[slot] = element
            ids[slot] = id
            count += 1
            return nil
        }
    }

    /// Removes everything, as when a relay's upstream starts a new epoch.
    package mutating func removeAll() {
        for i in 0..<capacity { storage[i] = nil }
        start = 0
        count = 0
    }

    /// The elements with an id greater than `id`, oldest first, with their ids.
    package func elements(after id: UInt64) -> [(id: UInt64, element: Element)] {
        // Binary search for the first position whose id is greater than `id`.
        var low = 0
        var high = count
        while low < high {
            let mid = (low + high) / 2
            if ids[index(mid)] <= id { low = mid + 1 } else { high = mid }
        }
        var result: [(id: UInt64, element: Element)] = []
        result.reserveCapacity(count - low)
        for position in low..<count {
            let slot = index(position)
            result.append((ids[slot], storage[slot]!))
        }
        return result
    }

    private func index(_ position: Int) -> Int { (start + position) % capacity }
}
