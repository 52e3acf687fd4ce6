// screen-bench (make bench): what drawing the visitor's screen costs on the daemon's loop thread, per panel,
// against a baseline measured in the same run: filling the whole panel once (the cheapest full-screen draw).
// The render runs on the hot path between a decision and the next frame, so its figure is what a decision waits.
import Foundation
import GateCore
import GateScreen
#if canImport(Glibc)
import Glibc
#endif

func seconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

let fontPath = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
let renderer: ScreenRenderer
do {
    renderer = ScreenRenderer(font: try FontFace(path: fontPath), language: .both)
} catch {
    print("screen-bench: \(error)")
    exit(2)
}
let refusal = Announcement(signal: .refused, reasons: [.fever, .natExpired], maskedName: "张*三", temperature: 37.9,
                           nucleicAcidAgeHours: 73, vaccinationDoses: 3, occupancy: 45, maximumOccupancy: 75)
let runs = 30
print("screen render (\(fontPath), language both, a refusal with two reasons and every detail), median of \(runs):")
print("  panel       fill ms   render ms   ratio to fill   png ms (simulated board)")
for panel in ScreenRenderer.panels {
    _ = renderer.render(refusal, width: panel.width, height: panel.height, clock: "12:00")  // glyph cache warm, as after the first visitor
    var fill: [Double] = [], render: [Double] = [], png: [Double] = []
    var checksum = 0
    for _ in 0..<runs {
        var t = seconds()
        let blank = Canvas(width: panel.width, height: panel.height, fill: RGB(255, 255, 255))
        fill.append(seconds() - t)
        checksum &+= Int(blank.pixel(x: 1, y: 1).r)
        t = seconds()
        let canvas = renderer.render(refusal, width: panel.width, height: panel.height, clock: "12:00")
        render.append(seconds() - t)
        t = seconds()
        checksum &+= canvas.png().count
        png.append(seconds() - t)
    }
    let f = median(fill) * 1000, r = median(render) * 1000, p = median(png) * 1000
    let name = "\(panel.width)x\(panel.height)".padding(toLength: 10, withPad: " ", startingAt: 0)
    print("  \(name)  \(String(format: "%7.2f", f))   \(String(format: "%9.2f", r))   \(String(format: "%13.1fx", r / f))   \(String(format: "%6.2f", p))   (checksum \(checksum % 1000))")
}
