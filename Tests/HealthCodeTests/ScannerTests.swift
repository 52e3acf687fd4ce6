import Foundation
import GateHardware
import GateTooling
import HealthCode
import PNGImage
import Testing

extension LumaImage {
    func withFrame<R>(_ body: (LumaFrame) -> R) -> R {
        pixels.withUnsafeBytes { body(LumaFrame(width: width, height: height, bytesPerRow: width, pixels: $0, sequence: 0)) }
    }
}

/// Real libqrencode → real zbar: the frames are synthetic, the decoder is the one the daemon runs.
@Suite struct ZbarScannerTests {
    static let payload = try! HG1IssuerKey(region: "110105").sign(
        HG1Claims(issuer: "110105", issuedAt: 1_764_400_000, expiresAt: 1_764_400_300, colour: .green, subjectID: Array(0..<16),
                  maskedName: "张*", maskedIDNumber: "110105********123X")).bytes

    @Test(arguments: [2.0, 3.0, 4.0, 6.0])
    func decodesRenderedCodesAtSeveralModuleSizes(moduleSize: Double) throws {
        var options = QRRenderOptions()
        options.moduleSize = moduleSize
        let image = try QRRenderer.render(Self.payload, options: options)
        let scanner = try ZbarScanner()
        #expect(image.withFrame { scanner.scan($0) } == [ScannedCode(payload: Self.payload)])
    }

    @Test(arguments: QREncodingMode.allCases)
    func byteAndAlphanumericModesCarryTheSameBytes(mode: QREncodingMode) throws {
        var options = QRRenderOptions()
        options.mode = mode
        options.errorCorrection = .low
        let image = try QRRenderer.render(Self.payload, options: options)
        #expect(image.withFrame { try! ZbarScanner().scan($0) }.first?.payload == Self.payload)
    }

    @Test func rotatedLowContrastInvertedAndPaddedRows() throws {
        var options = QRRenderOptions()
        options.rotationDegrees = 20
        options.contrast = 0.4
        options.blurRadius = 1
        let scanner = try ZbarScanner()
        #expect(try QRRenderer.render(Self.payload, options: options).withFrame { scanner.scan($0) }.first?.payload == Self.payload)
        options = QRRenderOptions()
        options.inverted = true
        #expect(try QRRenderer.render(Self.payload, options: options).withFrame { scanner.scan($0) }.first?.payload == Self.payload)
        // Rows padded to 704 bytes, as some V4L2 drivers deliver them.
        let image = try QRRenderer.render(Self.payload)
        var padded = [UInt8](repeating: 255, count: 704 * image.height)
        for row in 0..<image.height { padded[row * 704..<row * 704 + image.width] = image.pixels[row * image.width..<(row + 1) * image.width] }
        let codes = padded.withUnsafeBytes { scanner.scan(LumaFrame(width: image.width, height: image.height, bytesPerRow: 704, pixels: $0, sequence: 1)) }
        #expect(codes.first?.payload == Self.payload)
    }

    @Test func blankAndNoiseFramesGiveNoCode() throws {
        let scanner = try ZbarScanner()
        #expect(LumaImage(width: 640, height: 480, fill: 255).withFrame { scanner.scan($0) }.isEmpty)
        var generator = SystemRandomNumberGenerator()
        let noise = LumaImage(width: 320, height: 240, pixels: (0..<320 * 240).map { _ in UInt8.random(in: 0...255, using: &generator) })
        #expect(noise.withFrame { scanner.scan($0) }.isEmpty)
    }
}

@Suite struct ImageFileTests {
    @Test func pgmRoundTrips() throws {
        let image = LumaImage(width: 3, height: 2, pixels: [0, 1, 2, 253, 254, 255])
        #expect(try PGM.decode(PGM.encode(image)) == image)
        #expect(try PGM.decode(Array("P5\n# comment\n3 2\n255\n".utf8) + image.pixels) == image)
    }

    @Test(arguments: ["P2\n1 1\n255\n0", "P5\n2 2\n255\n\u{0}", "P5\n1 1\n65535\n\u{0}\u{0}", "P5\nx 1\n255\n"])
    func pgmRejects(text: String) {
        #expect(throws: ImageError.self) { try PGM.decode(Array(text.utf8)) }
    }

    @Test func pngDecodesToLuma() throws {
        // A 2x1 greyscale PNG (black, white), built by hand: signature, IHDR, IDAT (zlib), IEND.
        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
            let body = Array(type.utf8) + data
            var crc: UInt32 = 0xFFFF_FFFF
            for byte in body {
                crc ^= UInt32(byte)
                for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
            }
            crc ^= 0xFFFF_FFFF
            let length = UInt32(data.count)
            return [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)] + body
                + [UInt8(crc >> 24), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc & 0xFF)]
        }
        let png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
            + chunk("IHDR", [0, 0, 0, 2, 0, 0, 0, 1, 8, 0, 0, 0, 0])
            + chunk("IDAT", Zlib.deflate([0, 0, 255]))
            + chunk("IEND", [])
        #expect(try PNGReader.decode(png) == LumaImage(width: 2, height: 1, pixels: [0, 255]))
        #expect(throws: ImageError.self) { try PNGReader.decode(Array(png.prefix(20))) }
    }
}
