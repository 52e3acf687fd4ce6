import GateCore
import LinuxSystem

/// The daemon's scanner stage: `ScanPlanner` decides per frame whether and where to decode, and a
/// schedule of rounds of decode steps (`Step`: which decoder, the planner's region or the whole frame,
/// which preprocessing) runs one round per frame until a step reads a code. The last result stands in for
/// frames that did not change.
/// - Frames of an empty entrance cost a sparse contrast pass and no decode.
/// - A code comes into view: the first round (zbar, then zxing-cpp, on the region) reads most codes.
/// - A code no round has read yet: the next rounds run on the frames that follow, one per frame, even when
///   the frame looks unchanged (a held code is seen ~20 times: spreading the expensive steps over them
///   keeps each frame about as cheap as one step); once all were tried, again at the planner's retry cadence.
/// - The round that read a code is kept for that presentation's retries.
/// Not thread-safe: one per capture loop, like the decoders.
public final class PlannedScanner: CodeScanner {
    /// One decode attempt.
    public struct Step: Sendable, Equatable, CustomStringConvertible {
        public enum Area: Sendable, Equatable { case region, wholeFrame }
        public enum Decoder: Sendable, Equatable {
            case zbar
            case zxing(ZxingScanner.Options)
        }
        public var decoder: Decoder
        public var area: Area
        public init(_ decoder: Decoder, _ area: Area) {
            self.decoder = decoder
            self.area = area
        }

        public var name: QRDecoder {
            if case .zbar = decoder { return .zbar }
            return .zxing
        }

        public var description: String {
            let place = area == .region ? "region" : "frame"
            switch decoder {
            case .zbar: return "zbar \(place)"
            case .zxing(let options):
                return "zxing \(place) \(options.binarizer)" + (options.upscale == 2 ? " x2" : "") +
                    (options.normalise ? " normalised" : "") + (options.invert ? " inverted" : "")
            }
        }
    }

    /// The tuned schedule: what each frame tries, in order, until a step reads a code. Chosen on the real
    /// photos and checked on frames it was not tuned on (docs/performance.md "Choosing the steps"): cheap,
    /// productive steps first; zxing-cpp's binarizers each read codes the others miss; a 2x upscale reads
    /// small or blurred modules; the whole frame last (the planner's region can cut a code it misjudged).
    /// zbar tries the inverted image itself (dark-mode screens); zxing-cpp 1.4 needs its own step.
    public static let tunedRounds: [[Step]] = [
        [Step(.zbar, .region), Step(.zxing(.init(binarizer: .localAverage)), .region)],
        [Step(.zxing(.init(binarizer: .globalHistogram)), .region), Step(.zxing(.init(binarizer: .localAverage, upscale: 2)), .region)],
        [Step(.zxing(.init(binarizer: .fixedThreshold, upscale: 2)), .region), Step(.zxing(.init(binarizer: .fixedThreshold)), .region),
         Step(.zxing(.init(binarizer: .localAverage, invert: true)), .region)],
        [Step(.zbar, .wholeFrame)],
        [Step(.zxing(.init(binarizer: .localAverage, upscale: 2, normalise: true)), .wholeFrame)],
    ]

    /// The rounds for `decoders`: the tuned rounds with only the named decoders' steps, the first-named
    /// decoder's steps first within each round.
    public static func schedule(for decoders: [QRDecoder]) -> [[Step]] {
        tunedRounds.map { round in
            decoders.flatMap { decoder in round.filter { $0.name == decoder } }
        }.filter { !$0.isEmpty }
    }

    /// One round per frame (see `tunedRounds`).
    public let schedule: [[Step]]
    private var planner: ScanPlanner
    private let zbar: ZbarScanner?
    private let zxing: ZxingScanner?
    private let clock: () -> Double
    /// What the last decode found; returned as is for `.reuse` (no copy, no allocation).
    private var lastResult: [ScannedCode] = []
    /// The region of the last `.scan` plan: a `.reuse` plan means the frame still looks like that one.
    private var lastRegion: ScanPlanner.Region?
    /// The round the next decode runs.
    private var nextRound = 0
    /// Rounds that found nothing since the presentation began or last read a code; below `schedule.count`
    /// the next round runs on the next frame even when it looks unchanged.
    private var failedRounds = 0

    /// A stage running `schedule` (rounds of steps); the decoder of every step must be given.
    public init(planner: ScanPlanner = ScanPlanner(), schedule: [[Step]], zbar: ZbarScanner?, zxing: ZxingScanner?,
                clock: (() -> Double)? = nil) {
        precondition(!schedule.isEmpty && schedule.allSatisfy { !$0.isEmpty }, "a scanner needs steps in every round")
        precondition(schedule.joined().allSatisfy { $0.name == .zbar ? zbar != nil : zxing != nil }, "a step's decoder is missing")
        self.planner = planner
        self.schedule = schedule
        self.zbar = zbar
        self.zxing = zxing
        self.clock = clock ?? { KernelClock.monotonic() }
    }

    /// zbar alone (its region, then the whole frame). `clock` is monotonic seconds (default: CLOCK_MONOTONIC);
    /// tests pass their own to step through the retry interval.
    public convenience init(planner: ScanPlanner = ScanPlanner(), decoder: ZbarScanner, clock: (() -> Double)? = nil) {
        self.init(planner: planner, schedule: Self.schedule(for: [.zbar]), zbar: decoder, zxing: nil, clock: clock)
    }

    /// Builds the decoders `decoders` names (in that order, each once) and their schedule. Throws when one
    /// cannot be created: a configured decoder never silently falls back to another.
    public convenience init(decoders: [QRDecoder], zbarOptions: ZbarScanner.Options = .init(),
                            planner: ScanPlanner = ScanPlanner(), clock: (() -> Double)? = nil) throws(DeviceError) {
        guard !decoders.isEmpty else {
            throw DeviceError(device: .scanner, path: "scanner", operation: "configure", message: "no decoder configured")
        }
        let zbar = decoders.contains(.zbar) ? try ZbarScanner(options: zbarOptions) : nil
        let zxing = decoders.contains(.zxing) ? try ZxingScanner() : nil
        self.init(planner: planner, schedule: Self.schedule(for: decoders), zbar: zbar, zxing: zxing, clock: clock)
    }

    public func scan(_ frame: LumaFrame) -> [ScannedCode] {
        let now = clock()
        switch planner.plan(frame, now: now) {
        case .skip:
            lastResult = []
            lastRegion = nil
            nextRound = 0
            failedRounds = 0
        case .reuse:
            // The frame looks unchanged; a code not read yet gets the next step now, not at the retry.
            if lastResult.isEmpty, failedRounds < schedule.count, let region = lastRegion {
                decode(frame, region: region, now: now)
            }
        case .scan(let region):
            lastRegion = region
            decode(frame, region: region, now: now)
        }
        return lastResult
    }

    private func decode(_ frame: LumaFrame, region: ScanPlanner.Region, now: Double) {
        lastResult = []
        for step in schedule[nextRound] where lastResult.isEmpty {
            let area = step.area == .region ? region : ScanPlanner.Region(x: 0, y: 0, width: frame.width, height: frame.height)
            switch step.decoder {
            case .zbar: lastResult = zbar!.scan(frame, region: area)
            case .zxing(let options): lastResult = zxing!.scan(frame, region: area, options: options)
            }
        }
        planner.decoded(at: now)
        if lastResult.isEmpty {
            failedRounds += 1
            nextRound = (nextRound + 1) % schedule.count
        } else {
            failedRounds = 0
        }
    }
}
