/// The daemon's scanner stage: `ScanPlanner` decides per frame whether and where to decode, zbar
/// decodes only that region, and the last result stands in for frames that did not change.
/// Frames of an empty entrance cost a sparse contrast pass and no decode; a code held still is
/// decoded once and then again at least every `ScanPlanner.Settings.retryInterval` (so one that
/// failed, e.g. under glare, is retried). Not thread-safe: one per capture loop, like `ZbarScanner`.
public final class PlannedScanner: CodeScanner {
    private var planner: ScanPlanner
    private let decoder: ZbarScanner
    private let clock: () -> Double
    /// What the last decode found; returned as is for `.reuse` (no copy, no allocation).
    private var lastResult: [ScannedCode] = []
    /// The last region decode found nothing: the next decode takes the whole frame. zbar's binariser
    /// adapts its windows to the image size, and a few faint, striped codes that a cropped image misses
    /// are found in the full frame; this gives every presentation that attempt within one retry.
    private var widenNext = false

    /// `clock` is monotonic seconds (default: CLOCK_MONOTONIC); tests pass their own to step through the retry interval.
    public init(planner: ScanPlanner = ScanPlanner(), decoder: ZbarScanner, clock: (() -> Double)? = nil) {
        self.planner = planner
        self.decoder = decoder
        self.clock = clock ?? SystemClock(assumeSynchronised: true).monotonic
    }

    public func scan(_ frame: LumaFrame) -> [ScannedCode] {
        let now = clock()
        switch planner.plan(frame, now: now) {
        case .skip:
            lastResult = []
            widenNext = false
        case .reuse:
            break
        case .scan(let region):
            if widenNext {
                lastResult = decoder.scan(frame)
                widenNext = false
            } else {
                lastResult = decoder.scan(frame, region: region)
                widenNext = lastResult.isEmpty
            }
            planner.decoded(at: now)
        }
        return lastResult
    }
}
