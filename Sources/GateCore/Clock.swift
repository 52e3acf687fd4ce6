/// Where the daemon gets the time from. The controller never calls it: the daemon reads it once per
/// event and passes the reading in, so tests substitute `VirtualClock`.
public protocol GateClock: AnyObject, Sendable {
    func read() -> ClockReading
}

/// A clock that only moves when told to, for tests and simulations.
public final class VirtualClock: GateClock, @unchecked Sendable {
    // Confined to one test's thread; @unchecked because tests drive it from a single task.
    public var now: EpochSeconds
    public var synchronised: Bool

    public init(now: EpochSeconds = 1_764_400_000, synchronised: Bool = true) {
        self.now = now
        self.synchronised = synchronised
    }

    public func advance(milliseconds: Int) {
        now += Double(milliseconds) / 1000
    }

    public func read() -> ClockReading { ClockReading(now: now, synchronised: synchronised) }
}
