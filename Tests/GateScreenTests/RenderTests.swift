import GateCore
import GateHardware
import GateScreen
import PNGImage
import Testing
import Foundation

enum ScreenFixture {
    static let fontPath = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
    static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }
    static func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "healthgate screen \(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

@Suite struct RenderTests {
    /// One face per test: FreeType faces are not shared between threads (tests run in parallel).
    static var font: FontFace { try! FontFace(path: ScreenFixture.fontPath) }

    @Test(arguments: [Signal.admitted, .refused, .refusedYellow, .emergencyOpen])
    func theBandHasTheDecisionsColourAndTextIsDrawnOnIt(signal: Signal) {
        let renderer = ScreenRenderer(font: Self.font, language: .both)
        let announcement = Announcement(signal: signal, reasons: signal == .refused ? [.redCode] : [], maskedName: "张*")
        let layout = renderer.layout(announcement, width: 800, height: 480)
        let canvas = renderer.render(layout)
        let band = ScreenRenderer.bandColour(VisitorWords.tone(signal))
        #expect(canvas.pixel(x: 799, y: 2) == band)
        // Text pixels: inside the headline's box, colours other than the band's.
        let headline = layout.lines[0]
        var inked = 0
        for y in headline.top..<headline.bottom { for x in headline.x..<(headline.x + headline.width) where canvas.pixel(x: x, y: y) != band { inked += 1 } }
        #expect(inked > headline.width)  // strokes, not a stray pixel
        // Below the band the background is white where nothing is written (bottom-left corner).
        #expect(canvas.pixel(x: 1, y: 478) == RGB(255, 255, 255))
    }

    @Test func pngFilesReadBackAsTheCanvas() throws {
        var canvas = Canvas(width: 7, height: 5, fill: RGB(10, 20, 30))
        canvas.fillRect(x: 2, y: 1, width: 3, height: 2, RGB(250, 250, 250))
        let directory = try ScreenFixture.temporaryDirectory()
        let path = directory + "/c.png"
        #expect(FileManager.default.createFile(atPath: path, contents: Data(canvas.png())))
        // Read with libpng (PNGImage, a luma reader): the bright rectangle is where it was drawn.
        let luma = try PNGReader.decode(canvas.png())
        #expect(luma.width == 7 && luma.height == 5)
        #expect(luma.pixels[1 * 7 + 3] > 240 && luma.pixels[0] < 40)
    }

    @Test func pngScreenWritesOneFilePerDecisionAndTheIdleScreenOnce() throws {
        let directory = try ScreenFixture.temporaryDirectory()
        let printed = Printed()
        let screen = try PNGScreen(directory: directory, renderer: ScreenRenderer(font: Self.font, language: .en),
                                   width: 800, height: 480, printer: { printed.append($0) })
        screen.clock = { "12:00" }
        for signal in [Signal.ready, .measuring, .admitted, .ready, .measuring, .refused, .ready] {
            screen.announce(Announcement(signal: signal))
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        #expect(files == ["0001-ready.png", "0002-admitted.png", "0003-refused.png"])
        #expect(printed.lines == ["screen 0001-ready.png", "screen 0002-admitted.png", "screen 0003-refused.png"])
        #expect(screen.takeFault() == nil)
    }
}

final class Printed: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    func append(_ line: String) { lock.lock(); stored.append(line); lock.unlock() }
    var lines: [String] { lock.lock(); defer { lock.unlock() }; return stored }
}

/// Real kernel interface on the host: a path that is not a framebuffer. Announcing returns at once (drawing is
/// on the screen's thread) and the failure comes back as a fault for the log, once.
@Suite struct FramebufferScreenTests {
    @Test func aMissingFramebufferIsAFaultAndNeverBlocks() throws {
        let screen = FramebufferScreen(device: "/dev/nonexistent-fb9", renderer: ScreenRenderer(font: RenderTests.font, language: .en))
        defer { screen.stop() }
        let started = Date()
        screen.announce(Announcement(signal: .refused, reasons: [.redCode]))
        #expect(Date().timeIntervalSince(started) < 0.05)
        var fault: String?
        for _ in 0..<300 where fault == nil {
            fault = screen.takeFault()
            if fault == nil { Thread.sleep(forTimeInterval: 0.01) }
        }
        #expect(fault?.contains("/dev/nonexistent-fb9: open failed") == true, "\(fault ?? "no fault")")
        #expect(screen.drawn == 0)
    }
}
