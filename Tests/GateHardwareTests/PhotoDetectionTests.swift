import Foundation
import GateTooling
import PNGImage
import Testing
@testable import GateHardware

/// Real photos of QR codes (Photos/README.md), decoded as camera frames. A change to a decoder, the
/// shim or the schedule that loses one of these fails here, naming the photo.
@Suite struct PhotoDetectionTests {
    /// Read by zbar and by zxing-cpp each alone, on the whole frame, in one attempt.
    static let readByBoth = [
        "qrcode-1_13", "qrcode-1_18", "qrcode-3_01", "qrcode-3_04", "qrcode-3_05", "qrcode-3_07", "qrcode-3_09",
        "qrcode-3_14", "qrcode-3_18", "qrcode-3_19", "qrcode-3_24", "qrcode-3_25", "qrcode-3_27", "qrcode-3_28",
        "qrcode-3_30", "qrcode-5_17", "qrcode-5_18", "qrcode-5_19",
    ]
    /// Read only by the scanner stage's later steps (zxing-cpp's other binarizers, the 2x upscale) or by zbar
    /// alone (3_21, 3_22, 3_23): the stage must read these too.
    static let readByTheStage = readByBoth + [
        "qrcode-1_1", "qrcode-1_11", "qrcode-1_17", "qrcode-1_20", "qrcode-1_7", "qrcode-1_8", "qrcode-3_03",
        "qrcode-3_21", "qrcode-3_22", "qrcode-3_23", "qrcode-5_02", "qrcode-5_04", "qrcode-5_05", "qrcode-5_08",
        "qrcode-5_09", "qrcode-5_11", "qrcode-5_13", "qrcode-5_14", "qrcode-5_15", "qrcode-5_16",
    ]

    struct Photo {
        var image: LumaImage
        var expected: [UInt8]
    }

    static func photo(_ name: String) throws -> Photo {
        guard let folder = Bundle.module.url(forResource: "Photos", withExtension: nil) else {
            throw PhotoError(description: "the test bundle has no Photos folder")
        }
        let image = try PNGReader.decode(Array(try Data(contentsOf: folder.appendingPathComponent(name + ".png"))))
        let expected = Array(try Data(contentsOf: folder.appendingPathComponent(name + ".txt")))
        return Photo(image: image, expected: expected)
    }

    struct PhotoError: Error, CustomStringConvertible { var description: String }

    func scan(_ scanner: CodeScanner, _ image: LumaImage) -> [ScannedCode] {
        image.pixels.withUnsafeBytes {
            scanner.scan(LumaFrame(width: image.width, height: image.height, bytesPerRow: image.width, pixels: $0, sequence: 0))
        }
    }

    @Test func theBundleHoldsEveryListedPhoto() throws {
        #expect(Set(Self.readByTheStage).count == 38)
        for name in Self.readByTheStage { _ = try Self.photo(name) }
    }

    @Test(arguments: readByBoth) func zbarAloneReadsIt(_ name: String) throws {
        let photo = try Self.photo(name)
        #expect(scan(try ZbarScanner(), photo.image).map(\.payload) == [photo.expected])
    }

    @Test(arguments: readByBoth) func zxingAloneReadsIt(_ name: String) throws {
        let photo = try Self.photo(name)
        let scanner = try ZxingScanner()
        #expect(scan(scanner, photo.image).map(\.payload) == [photo.expected])
        #expect(scanner.lastError == nil)
    }

    /// The default stage, the photo held still for 20 frames at 20 fps as the simulated board plays it.
    @Test(arguments: readByTheStage) func theScannerStageReadsItWhileItIsHeld(_ name: String) throws {
        let photo = try Self.photo(name)
        var now = 0.0
        let scanner = try PlannedScanner(decoders: [.zbar, .zxing], clock: { now })
        var readAt: Int?
        for frame in 1...20 where readAt == nil {
            now += 0.05
            if scan(scanner, photo.image).contains(where: { $0.payload == photo.expected }) { readAt = frame }
        }
        #expect(readAt != nil, "\(name) not read in 20 frames")
        // Every round of the schedule runs on the frames right after the code arrives, not at the retry cadence.
        #expect((readAt ?? .max) <= scanner.schedule.count)
    }

    /// The stage's gain is zxing-cpp's: with zbar alone these stay unread however long they are held.
    @Test(arguments: ["qrcode-1_1", "qrcode-5_02", "qrcode-5_16"]) func zbarAloneNeverReadsThese(_ name: String) throws {
        let photo = try Self.photo(name)
        var now = 0.0
        let scanner = try PlannedScanner(decoders: [.zbar], clock: { now })
        for _ in 1...20 {
            now += 0.05
            #expect(!scan(scanner, photo.image).contains { $0.payload == photo.expected })
        }
    }
}
