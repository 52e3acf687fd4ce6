/// The one clock of the daemon: wall time with the kernel's "synchronised" (for validity windows and log
/// rows), monotonic time (for timers, back-offs and lamps, which must not jump with the wall clock), and a
/// way to wait. The controller never calls it: the executor reads it once per event and passes the reading
/// in. Everything else takes it injected, so tests and simulations run on `VirtualClock` without sleeping.
public protocol GateClock: AnyObject, Sendable {
    func read() -> ClockReading
    /// Seconds on a clock that only moves forward, from an arbitrary origin.
    func monotonic() -> Double
    /// Waits this long (a virtual clock just moves on).
    func sleep(seconds: Double)
}

/// A clock that only moves when told to (or slept on), for tests and simulations.
public final class VirtualClock: GateClock, @unchecked Sendable {
    // Confined to one test's thread; @unchecked because tests drive it from a single task.
    public var now: EpochSeconds
    public var synchronised: Bool
    /// Monotonic time moves with every advance and sleep, never with a wall-clock step (`now = …`).
    public private(set) var monotonicSeconds: Double = 1_000

    public init(now: EpochSeconds = 1_764_400_000, synchronised: Bool = true) {
        self.now = now
        self.synchronised = synchronised
    }

    public func advance(milliseconds: Int) {
        advance(seconds: Double(milliseconds) / 1000)
    }

    public func advance(seconds: Double) {
        now += seconds
        monotonicSeconds += seconds
    }

    public func read() -> ClockReading { ClockReading(now: now, synchronised: synchronised, monotonic: monotonicSeconds) }
    public func monotonic() -> Double { monotonicSeconds }
    public func sleep(seconds: Double) { if seconds > 0 { advance(seconds: seconds) } }
}
