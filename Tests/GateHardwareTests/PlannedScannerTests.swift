import GateTooling
import Testing
@testable import GateHardware

/// The scanner stage the daemon runs (planner + real zbar) on QR frames rendered with libqrencode.
/// Time is a stepped test clock (no timing assertions): each frame says when it was "captured".
@Suite struct PlannedScannerTests {
    static let payload = Array("HG1:6BFOXN*TS0BI$ZD4N9:9S6RCVN5+O30K3/XIV0W23NTDE$VK G2EK3:QSCN0J2".utf8)

    /// A code off-centre (upper left) on a light screen, so a region around it is much smaller than the frame.
    static let code: LumaImage = {
        var options = QRRenderOptions()
        options.moduleSize = 4
        options.centreX = 180
        options.centreY = 150
        return try! QRRenderer.render(payload, options: options)
    }()

    /// The same frame with the pixels the planner never samples (rows not a multiple of its 4-pixel
    /// step) painted white: identical to the planner, unreadable to zbar.
    static let damagedCode: LumaImage = {
        var image = code
        for y in 0..<image.height where y % 4 != 0 {
            for x in 0..<image.width { image.pixels[y * image.width + x] = 255 }
        }
        return image
    }()

    final class TestClock {
        var now = 0.0
    }

    func scan(_ scanner: CodeScanner, _ image: LumaImage) -> [ScannedCode] {
        image.pixels.withUnsafeBytes {
            scanner.scan(LumaFrame(width: image.width, height: image.height, bytesPerRow: image.width, pixels: $0, sequence: 0))
        }
    }

    func scan(_ decoder: ZbarScanner, _ image: LumaImage, region: ScanPlanner.Region) -> [ScannedCode] {
        image.pixels.withUnsafeBytes {
            decoder.scan(LumaFrame(width: image.width, height: image.height, bytesPerRow: image.width, pixels: $0, sequence: 0), region: region)
        }
    }

    @Test func theRegionThePlannerChoosesHoldsTheCode() throws {
        var planner = ScanPlanner()
        let plan = Self.code.pixels.withUnsafeBytes {
            planner.plan(LumaFrame(width: 640, height: 480, bytesPerRow: 640, pixels: $0, sequence: 0), now: 0)
        }
        guard case .scan(let region) = plan else {
            Issue.record("a frame with a code must be decoded, got \(plan)")
            return
        }
        #expect(region.width * region.height < 640 * 480 / 2)
        let decoder = try ZbarScanner()
        #expect(scan(decoder, Self.code, region: region) == [ScannedCode(payload: Self.payload)])
        // The crop is real: the other side of the frame holds no code.
        #expect(scan(decoder, Self.code, region: .init(x: 360, y: 0, width: 280, height: 480)).isEmpty)
        // A region hanging off the frame is clipped, not read out of bounds.
        #expect(scan(decoder, Self.code, region: .init(x: -50, y: -50, width: 2000, height: 2000)) == [ScannedCode(payload: Self.payload)])
    }

    @Test func theDamagedFrameIsUnreadableButLooksTheSameToThePlanner() throws {
        // The premise of the two tests below; without it they would prove nothing.
        #expect(scan(try ZbarScanner(), Self.damagedCode).isEmpty)
        var planner = ScanPlanner()
        func plan(_ image: LumaImage, at now: Double) -> ScanPlanner.Plan {
            image.pixels.withUnsafeBytes { planner.plan(LumaFrame(width: 640, height: 480, bytesPerRow: 640, pixels: $0, sequence: 0), now: now) }
        }
        _ = plan(Self.code, at: 0)
        planner.decoded(at: 0)
        #expect(plan(Self.damagedCode, at: 0.033) == .reuse)
    }

    @Test func anUnchangedFrameGetsTheCachedResultUntilTheRetryInterval() throws {
        let clock = TestClock()
        let scanner = PlannedScanner(decoder: try ZbarScanner(), clock: { clock.now })
        #expect(scan(scanner, Self.code) == [ScannedCode(payload: Self.payload)])
        clock.now = 0.033
        // Not decoded again: zbar would find nothing in this frame.
        #expect(scan(scanner, Self.damagedCode) == [ScannedCode(payload: Self.payload)])
        clock.now = 0.200
        #expect(scan(scanner, Self.damagedCode).isEmpty)
    }

    @Test func aHeldCodeThatFailedIsRetriedWithin200ms() throws {
        let clock = TestClock()
        let scanner = PlannedScanner(decoder: try ZbarScanner(), clock: { clock.now })
        #expect(scanner.schedule.count == 2)  // zbar on the region, then on the whole frame
        // Each round fails on the damaged frame, one per frame, although the frame looks unchanged…
        #expect(scan(scanner, Self.damagedCode).isEmpty)
        clock.now = 0.033
        #expect(scan(scanner, Self.damagedCode).isEmpty)
        // …then the glare is gone but the frame still looks unchanged: the failure stands for now…
        clock.now = 0.100
        #expect(scan(scanner, Self.code).isEmpty)
        clock.now = 0.232
        #expect(scan(scanner, Self.code).isEmpty)
        // …and no longer than 200 ms after the last attempt.
        clock.now = 0.234
        #expect(scan(scanner, Self.code) == [ScannedCode(payload: Self.payload)])
    }

    @Test func theDefaultScheduleTriesEveryRoundOnSuccessiveFramesThenWaitsForTheRetry() throws {
        let clock = TestClock()
        let scanner = try PlannedScanner(decoders: [.zbar, .zxing], clock: { clock.now })
        #expect(scanner.schedule.count > 2)
        for round in 0..<scanner.schedule.count {
            clock.now = Double(round) / 30
            #expect(scan(scanner, Self.damagedCode).isEmpty, "round \(round)")
        }
        // Every round has been tried: an unchanged frame is not decoded again before the retry interval
        // (a readable frame that looks the same proves no decode ran)…
        let lastAttempt = clock.now
        clock.now = lastAttempt + 1.0 / 30
        #expect(scan(scanner, Self.code).isEmpty)
        clock.now = lastAttempt + 0.199
        #expect(scan(scanner, Self.code).isEmpty)
        // …and at the retry the schedule starts again with its first round, which reads it.
        clock.now = lastAttempt + 0.201
        #expect(scan(scanner, Self.code) == [ScannedCode(payload: Self.payload)])
    }

    @Test func anEmptyEntranceIsNeverDecodedAndClearsTheLastResult() throws {
        let clock = TestClock()
        let scanner = PlannedScanner(decoder: try ZbarScanner(), clock: { clock.now })
        #expect(scan(scanner, Self.code) == [ScannedCode(payload: Self.payload)])
        clock.now = 0.033
        #expect(scan(scanner, LumaImage(width: 640, height: 480, fill: 120)).isEmpty)
        // The code back in view is decoded at once, not reused from before.
        clock.now = 0.066
        #expect(scan(scanner, Self.damagedCode).isEmpty)
    }
    @Test func afterARegionFindsNothingTheNextDecodeReadsTheWholeFrame() throws {
        // A small code on the left and a larger patterned patch (a shirt, a poster) on the right: the
        // planner picks the bigger cluster, where zbar finds nothing.
        var options = QRRenderOptions()
        options.moduleSize = 2
        options.centreX = 100
        options.centreY = 240
        var image = try QRRenderer.render(Self.payload, options: options)
        for y in 120..<360 { for x in 380..<620 { image.pixels[y * image.width + x] = (x / 6 + y / 6) % 2 == 0 ? 20 : 230 } }
        #expect(scan(try ZbarScanner(), image) == [ScannedCode(payload: Self.payload)])
        let clock = TestClock()
        let scanner = PlannedScanner(decoder: try ZbarScanner(), clock: { clock.now })
        #expect(scan(scanner, image).isEmpty)
        clock.now = 0.200
        #expect(scan(scanner, image) == [ScannedCode(payload: Self.payload)])
    }
}
