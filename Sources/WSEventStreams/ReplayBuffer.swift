import DequeModule

/// The last events of a stream, oldest first, with strictly increasing ids, bounded both by
/// count and by bytes: whichever is reached first drops the oldest.
///
/// Ids are usually contiguous; a relay that mirrors an upstream which itself reported a gap
/// holds a hole, and ``ResumePlan`` turns such holes into `gap` messages. Nothing is
/// preallocated: a generous count costs memory only as events arrive.
package struct ReplayBuffer<Element>: Sendable where Element: Sendable {
    private struct Item: Sendable {
        var id: UInt64
        var element: Element
        var bytes: Int
    }

    /// How many elements are kept at most.
    package let capacity: Int
    /// How many bytes (as each element reports them) are kept at most.
    package let maxBytes: Int
    private var items = Deque<Item>()
    /// The bytes of the elements held.
    package private(set) var bytes = 0

    package init(capacity: Int, maxBytes: Int = .max) {
        precondition(capacity >= 0 && maxBytes >= 0, "replay buffer bounds must not be negative")
        self.capacity = capacity
        self.maxBytes = maxBytes
    }

    /// How many elements are held.
    package var count: Int { items.count }
    /// The id of the oldest element still held.
    package var firstID: UInt64? { items.first?.id }
    /// The id of the newest element held.
    package var lastID: UInt64? { items.last?.id }

    /// Appends an element of `bytes` bytes; ids must increase. Drops the oldest elements while
    /// either bound is exceeded (an element larger than `maxBytes` on its own is not kept).
    package mutating func append(id: UInt64, _ element: Element, bytes: Int = 0) {
        guard capacity > 0 else { return }
        precondition(lastID.map { id > $0 } ?? true, "replay buffer ids must increase")
        items.append(Item(id: id, element: element, bytes: bytes))
        self.bytes += bytes
        while items.count > capacity || self.bytes > maxBytes, let oldest = items.popFirst() {
            self.bytes -= oldest.bytes
        }
    }

    /// Removes everything, as when a relay's upstream starts a new epoch.
    package mutating func removeAll() {
        items.removeAll()
        bytes = 0
    }

    /// The elements with an id greater than `id`, oldest first, with their ids.
    package func elements(after id: UInt64) -> [(id: UInt64, element: Element)] {
        // Binary search for the first position whose id is greater than `id`.
        var low = 0
        var high = items.count
        while low < high {
            let mid = (low + high) / 2
            if items[mid].id <= id { low = mid + 1 } else { high = mid }
        }
        return items[low...].map { ($0.id, $0.element) }
    }
}
