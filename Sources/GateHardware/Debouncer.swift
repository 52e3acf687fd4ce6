/// Debounces one input from its edge events. Pure: times are passed in (CLOCK_MONOTONIC nanoseconds in
/// the driver, a virtual clock in tests). A change counts once it has held for the interval; shorter
/// flips (contact bounce, noise) are dropped.
struct Debouncer {
    let intervalNanoseconds: Int64
    /// The last level that held for the interval.
    private(set) var stable: Bool
    /// A change not yet held long enough: its level and when it started.
    private var pending: (level: Bool, since: Int64)?

    init(intervalMilliseconds: Int, initial: Bool) {
        intervalNanoseconds = Int64(max(0, intervalMilliseconds)) * 1_000_000
        stable = initial
    }

    /// The line went to `level` at `time`. Returns the level that became stable because the change before
    /// this edge had held for the interval, if any.
    mutating func edge(to level: Bool, at time: Int64) -> Bool? {
        let committed = settle(now: time)
        pending = level == stable ? nil : (level, time)
        return committed
    }

    /// Returns the new stable level when the pending change has held for the interval by `now`.
    mutating func settle(now: Int64) -> Bool? {
        guard let change = pending, now - change.since >= intervalNanoseconds else { return nil }
        pending = nil
        stable = change.level
        return change.level
    }
}
