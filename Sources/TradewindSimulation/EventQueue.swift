import TradewindWire

/// A min-heap of events ordered by (time, insertion order): equal times keep their
/// scheduling order, so a run is a pure function of its seed.
///
/// The keys and the events live in parallel arrays: sifting compares keys only and
/// moves events without copying them (an event holds a message; a copy would retain it).
struct EventQueue<Event> {
    private var keys: [(time: MonotonicInstant, order: UInt64)] = []
    private var events: [Event] = []
    private var nextOrder: UInt64 = 0

    var isEmpty: Bool { keys.isEmpty }
    var count: Int { keys.count }
    var nextTime: MonotonicInstant? { keys.first?.time }

    mutating func push(_ event: Event, at time: MonotonicInstant) {
        keys.append((time, nextOrder))
        events.append(event)
        nextOrder += 1
        var child = keys.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard precedes(child, parent) else { break }
            swap(child, parent)
            child = parent
        }
    }

    mutating func pop() -> (time: MonotonicInstant, event: Event)? {
        guard !keys.isEmpty else { return nil }
        swap(0, keys.count - 1)
        let time = keys.removeLast().time
        let event = events.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < keys.count && precedes(left, smallest) { smallest = left }
            if right < keys.count && precedes(right, smallest) { smallest = right }
            if smallest == parent { break }
            swap(parent, smallest)
            parent = smallest
        }
        return (time, event)
    }

    private func precedes(_ a: Int, _ b: Int) -> Bool {
        keys[a] < keys[b]
    }

    private mutating func swap(_ a: Int, _ b: Int) {
        keys.swapAt(a, b)
        events.swapAt(a, b)
    }
}
