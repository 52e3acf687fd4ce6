import GateTooling
import Testing
@testable import GateHardware

/// zxing-cpp through the C++ shim: raw payload bytes, regions and strides, and bad frames that must
/// give an error, never a crash.
@Suite struct ZxingScannerTests {
    static let payload = Array("HG1:6BFOXN*TS0BI$ZD4N9:9S6RCVN5+O30K3/XIV0W23NTDE$VK G2EK3:QSCN0J2".utf8)

    func scan(_ scanner: ZxingScanner, _ image: LumaImage, bytesPerRow: Int? = nil,
              region: ScanPlanner.Region? = nil) -> [ScannedCode] {
        image.pixels.withUnsafeBytes { pixels in
            let frame = LumaFrame(width: image.width, height: image.height, bytesPerRow: bytesPerRow ?? image.width,
                                  pixels: pixels, sequence: 0)
            return region.map { scanner.scan(frame, region: $0) } ?? scanner.scan(frame)
        }
    }

    @Test func readsTheHealthCodeTextAsIs() throws {
        let image = try QRRenderer.render(Self.payload)
        #expect(scan(try ZxingScanner(), image) == [ScannedCode(payload: Self.payload)])
    }

    @Test func byteModePayloadsComeOutAsTheRawBytes() throws {
        // Not UTF-8, not Latin-1 text: any character-set conversion would change these bytes.
        let binary: [UInt8] = [0x48, 0x43, 0x31, 0x3A, 0x00, 0x80, 0xFF, 0xC3, 0x28, 0x9D, 0xE9, 0x7F]
        var options = QRRenderOptions()
        options.mode = .byte
        let image = try QRRenderer.render(binary, options: options)
        #expect(scan(try ZxingScanner(), image) == [ScannedCode(payload: binary)])
    }

    @Test func readsARegionOfAPaddedFrameWithoutCopyingIt() throws {
        var options = QRRenderOptions()
        options.centreX = 180
        options.centreY = 150
        let image = try QRRenderer.render(Self.payload, options: options)
        // The same frame with 64 bytes of padding after each row (a driver's stride), the padding black.
        let stride = image.width + 64
        var padded = [UInt8](repeating: 0, count: stride * image.height)
        for row in 0..<image.height {
            padded.replaceSubrange(row * stride..<row * stride + image.width, with: image.pixels[row * image.width..<(row + 1) * image.width])
        }
        let scanner = try ZxingScanner()
        let frame = LumaImage(width: stride, height: image.height, pixels: padded)
        // The frame is declared `image.width` wide: the padding is never read as pixels.
        let codes = frame.pixels.withUnsafeBytes {
            scanner.scan(LumaFrame(width: image.width, height: image.height, bytesPerRow: stride, pixels: $0, sequence: 0),
                         region: .init(x: 0, y: 0, width: 360, height: 320))
        }
        #expect(codes == [ScannedCode(payload: Self.payload)])
        #expect(scan(scanner, image, region: .init(x: 360, y: 0, width: 280, height: 480)).isEmpty)
        #expect(scan(scanner, image, region: .init(x: -50, y: -50, width: 5000, height: 5000)) == [ScannedCode(payload: Self.payload)])
    }

    @Test func theInvertStepReadsADarkModeScreen() throws {
        var options = QRRenderOptions()
        options.inverted = true
        let image = try QRRenderer.render(Self.payload, options: options)
        let scanner = try ZxingScanner()
        // The premise: zxing-cpp 1.4 alone does not read light modules on dark.
        #expect(scan(scanner, image).isEmpty)
        let codes = image.pixels.withUnsafeBytes {
            scanner.scan(LumaFrame(width: 640, height: 480, bytesPerRow: 640, pixels: $0, sequence: 0),
                         region: .init(x: 0, y: 0, width: 640, height: 480), options: .init(invert: true))
        }
        #expect(codes == [ScannedCode(payload: Self.payload)])
    }

    @Test func upscalingAndNormalisingReadTheSameCode() throws {
        let image = try QRRenderer.render(Self.payload)
        let scanner = try ZxingScanner()
        for binarizer in ZxingScanner.Binarizer.allCases {
            let codes = image.pixels.withUnsafeBytes {
                scanner.scan(LumaFrame(width: 640, height: 480, bytesPerRow: 640, pixels: $0, sequence: 0),
                             region: .init(x: 120, y: 40, width: 400, height: 400),
                             options: .init(binarizer: binarizer, upscale: 2, normalise: true))
            }
            #expect(codes == [ScannedCode(payload: Self.payload)], "\(binarizer)")
        }
    }

    @Test func malformedFramesAreErrorsNotCrashes() throws {
        let scanner = try ZxingScanner()
        let small = [UInt8](repeating: 128, count: 100)
        func scanBytes(width: Int, height: Int, bytesPerRow: Int, options: ZxingScanner.Options = .init()) -> [ScannedCode] {
            small.withUnsafeBytes {
                scanner.scan(LumaFrame(width: width, height: height, bytesPerRow: bytesPerRow, pixels: $0, sequence: 0),
                             region: .init(x: 0, y: 0, width: width, height: height), options: options)
            }
        }
        // Claims more pixels than the buffer holds.
        #expect(scanBytes(width: 640, height: 480, bytesPerRow: 640).isEmpty)
        #expect(scanner.lastError?.contains("too small") == true)
        // A stride below the width, a negative size, an absurd size.
        #expect(scanBytes(width: 10, height: 10, bytesPerRow: 5).isEmpty)
        #expect(scanner.lastError?.contains("stride") == true)
        #expect(scanBytes(width: -10, height: 10, bytesPerRow: 10).isEmpty)
        #expect(scanner.lastError?.contains("out of range") == true)
        #expect(scanBytes(width: 1 << 40, height: 1 << 40, bytesPerRow: 1 << 40).isEmpty)
        #expect(scanner.lastError != nil)
        // A bad upscale factor.
        #expect(scanBytes(width: 10, height: 10, bytesPerRow: 10, options: .init(upscale: 3)).isEmpty)
        #expect(scanner.lastError?.contains("upscale") == true)
        // A valid frame afterwards still decodes: the errors left the decoder usable.
        #expect(scan(scanner, try QRRenderer.render(Self.payload)) == [ScannedCode(payload: Self.payload)])
        #expect(scanner.lastError == nil)
    }

    @Test func aFlatOrTinyFrameHoldsNoCode() throws {
        let scanner = try ZxingScanner()
        #expect(scan(scanner, LumaImage(width: 640, height: 480, fill: 200)).isEmpty)
        #expect(scan(scanner, LumaImage(width: 1, height: 1, fill: 0)).isEmpty)
        #expect(scan(scanner, LumaImage(width: 640, height: 480, fill: 200), region: .init(x: 700, y: 0, width: 10, height: 10)).isEmpty)
        #expect(scanner.lastError == nil)
    }
}
