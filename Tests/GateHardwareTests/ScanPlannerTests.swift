import GateCore
import Testing
@testable import GateHardware

/// Frames built in memory: sensor noise, and a checkerboard patch with the contrast of a QR code.
@Suite struct ScanPlannerTests {
    static let width = 640, height = 480

    static func noise(seed: UInt64) -> [UInt8] {
        var generator = SplitMix64(seed: seed)
        return (0..<(width * height)).map { _ in UInt8(100 + Int(generator.next() % 13) - 6) }
    }

    /// A 120×120 pattern of 4-pixel modules at (x, y), dark 30 / light 200 (or the given contrast).
    static func withPatch(_ base: [UInt8], x: Int, y: Int, dark: UInt8 = 30, light: UInt8 = 200) -> [UInt8] {
        var pixels = base
        for row in 0..<120 {
            for column in 0..<120 {
                let module = (row / 4 + column / 4) % 2 == 0
                pixels[(y + row) * width + x + column] = module ? dark : light
            }
        }
        return pixels
    }

    func plan(_ planner: inout ScanPlanner, _ pixels: [UInt8], at now: Double) -> ScanPlanner.Plan {
        pixels.withUnsafeBytes { buffer in
            planner.plan(LumaFrame(width: Self.width, height: Self.height, bytesPerRow: Self.width, pixels: buffer, sequence: 0), now: now)
        }
    }

    @Test func noiseOnlyFramesAreSkipped() {
        var planner = ScanPlanner()
        for seed in 0..<5 {
            #expect(plan(&planner, Self.noise(seed: UInt64(seed)), at: Double(seed) / 30) == .skip)
        }
    }

    @Test func aCodeIsDecodedInItsRegionOnly() {
        var planner = ScanPlanner()
        let frame = Self.withPatch(Self.noise(seed: 1), x: 200, y: 160)
        guard case .scan(let region) = plan(&planner, frame, at: 0) else {
            Issue.record("a frame with a code must be decoded")
            return
        }
        // The patch, block-aligned, plus the margin; far smaller than the frame.
        #expect(region.x <= 200 && region.y <= 160)
        #expect(region.x + region.width >= 320 && region.y + region.height >= 280)
        #expect(region.width * region.height < Self.width * Self.height / 4)
    }

    @Test func aStillFrameReusesTheResultButIsRetriedWithin200ms() {
        var planner = ScanPlanner()
        let frame = Self.withPatch(Self.noise(seed: 1), x: 200, y: 160)
        #expect(plan(&planner, frame, at: 0.000) != .reuse)
        planner.decoded(at: 0.000)
        let nextFrame = Self.withPatch(Self.noise(seed: 2), x: 200, y: 160)  // same scene, new noise
        #expect(plan(&planner, nextFrame, at: 0.033) == .reuse)
        #expect(plan(&planner, frame, at: 0.166) == .reuse)
        guard case .scan = plan(&planner, nextFrame, at: 0.200) else {
            Issue.record("a held code must be decoded again at least every 200 ms")
            return
        }
    }

    @Test func aMovedCodeIsDecodedAtOnce() {
        var planner = ScanPlanner()
        _ = plan(&planner, Self.withPatch(Self.noise(seed: 1), x: 200, y: 160), at: 0)
        planner.decoded(at: 0)
        guard case .scan(let region) = plan(&planner, Self.withPatch(Self.noise(seed: 1), x: 400, y: 300), at: 0.033) else {
            Issue.record("a changed frame must be decoded")
            return
        }
        #expect(region.x + region.width >= 520)
    }

    @Test func phoneScreenContrastStillCounts() {
        var planner = ScanPlanner()
        let frame = Self.withPatch(Self.noise(seed: 3), x: 100, y: 100, dark: 80, light: 150)
        guard case .scan = plan(&planner, frame, at: 0) else {
            Issue.record("a low-contrast screen code must still be decoded")
            return
        }
    }
    @Test func contrastElsewhereInTheSceneDoesNotStretchTheRegion() {
        var planner = ScanPlanner()
        // The code, and the corner of a door frame (a sharp edge, a few contrasty blocks) far from it.
        var frame = Self.withPatch(Self.noise(seed: 4), x: 400, y: 300)
        for y in 400..<440 { for x in 20..<60 where x < 40 || y < 420 { frame[y * Self.width + x] = 20 } }
        guard case .scan(let region) = plan(&planner, frame, at: 0) else {
            Issue.record("a frame with a code must be decoded")
            return
        }
        #expect(region.x <= 400 && region.x + region.width >= 520)
        #expect(region.x > 60, "the door frame's corner must stay out of the code's region")
    }

    @Test func contrastyBlocksTooFewToBeACodeAreSkipped() {
        var planner = ScanPlanner()
        var frame = Self.noise(seed: 5)
        // Two separate small edges (two blocks each): each alone is smaller than the smallest code.
        for (x0, y0) in [(32, 32), (400, 300)] { for y in y0..<(y0 + 16) { for x in x0..<(x0 + 8) { frame[y * Self.width + x] = 10 } } }
        #expect(plan(&planner, frame, at: 0) == .skip)
    }
}
