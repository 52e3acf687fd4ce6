import ArgumentParser
import Foundation
import GateScreen

/// `healthgate-dev screen-check`: the VM suite's reading of a framebuffer dump (`dd if=/dev/fb0`). The pixel
/// layout is given on the command line, as the driver documents it (vfb at 32 bpp: R, G, B, A bytes), not
/// asked of the code under test. Saves the screen as PNG and checks the decision's band colour and that
/// text was drawn on the band and below it. Given several dumps (a sequence grabbed while the daemon ran),
/// the first that passes is saved and reported (else the last). Exit 0 when one passes, 1 otherwise.
struct ScreenCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "screen-check",
        abstract: "Check a raw framebuffer dump: band colour, text drawn; save it as PNG (the VM suite).")

    @Option(help: "The raw framebuffer bytes (repeatable: dumps in the order they were grabbed).") var raw: [String]
    @Option var width: Int
    @Option var height: Int
    @Option(help: "Bytes per line.") var stride: Int
    @Option var bytesPerPixel: Int = 4
    @Option(help: "Byte offsets of red, green and blue within a pixel, e.g. 0,1,2.") var channels: String = "0,1,2"
    @Option(help: "The band colour expected, RRGGBB.") var band: String
    @Option(help: "Write the screen here as PNG.") var outPNG: String

    func run() throws {
        let offsets = channels.split(separator: ",").compactMap { Int($0) }
        guard offsets.count == 3, offsets.allSatisfy({ $0 < bytesPerPixel }), let bandValue = UInt32(band, radix: 16) else {
            throw fail("--channels takes three byte offsets, --band RRGGBB")
        }
        let expected = RGB(UInt8(bandValue >> 16), UInt8((bandValue >> 8) & 0xFF), UInt8(bandValue & 0xFF))
        for (index, file) in raw.enumerated() {
            let canvas = try read(file, offsets)
            let (ok, figures) = check(canvas, expected)
            guard ok || index == raw.count - 1 else { continue }
            guard FileManager.default.createFile(atPath: outPNG, contents: Data(canvas.png())) else { throw fail("\(outPNG): cannot write") }
            print(figures + " (dump \(index + 1) of \(raw.count))")
            if ok { return }
        }
        throw ExitCode(1)
    }

    private func read(_ file: String, _ offsets: [Int]) throws -> Canvas {
        guard let data = FileManager.default.contents(atPath: file), data.count >= stride * height else {
            throw fail("\(file): missing or shorter than \(stride)x\(height)")
        }
        let bytes = [UInt8](data)
        var rgb = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let i = y * stride + x * bytesPerPixel, o = (y * width + x) * 3
                rgb[o] = bytes[i + offsets[0]]; rgb[o + 1] = bytes[i + offsets[1]]; rgb[o + 2] = bytes[i + offsets[2]]
            }
        }
        return Canvas(width: width, height: height, pixels: rgb)!
    }

    private func check(_ canvas: Canvas, _ expected: RGB) -> (Bool, String) {
        func near(_ a: RGB, _ b: RGB) -> Bool {
            abs(Int(a.r) - Int(b.r)) <= 8 && abs(Int(a.g) - Int(b.g)) <= 8 && abs(Int(a.b) - Int(b.b)) <= 8
        }
        // The band: rows from the top whose right edge is the decision's colour.
        var bandRows = 0
        while bandRows < height && near(canvas.pixel(x: width - 3, y: bandRows), expected) { bandRows += 1 }
        // Text on the band (right of the symbol) and text below it: pixels far from the background.
        var inkOnBand = 0, inkBelow = 0
        for y in 0..<bandRows { for x in (width / 4)..<(width - 4) where !near(canvas.pixel(x: x, y: y), expected) { inkOnBand += 1 } }
        let white = RGB(255, 255, 255)
        if bandRows > 0 {
            for y in min(height, bandRows + 4)..<height { for x in 0..<width where !near(canvas.pixel(x: x, y: y), white) { inkBelow += 1 } }
        }
        let ok = bandRows >= height / 6 && inkOnBand >= 500 && inkBelow >= 200
        return (ok, "band \(band) rows \(bandRows)/\(height), text pixels on band \(inkOnBand), below \(inkBelow)")
    }
}
