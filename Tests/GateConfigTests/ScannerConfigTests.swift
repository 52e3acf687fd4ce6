import GateCore
import GateHardware
import Testing
@testable import GateConfig

/// `[scanner] decoders`: which QR decoders run, in which order; every bad value is an error at start.
@Suite struct ScannerConfigTests {
    let simulated = simulatedBoardConfig

    func errors(_ text: String) -> [String] { configErrors(text) }

    @Test func theDefaultIsZbarThenZxing() throws {
        let config = try ConfigLoader.parse(text: simulated, file: "test.toml")
        #expect(config.board.scanner.decoders == [.zbar, .zxing])
    }

    @Test func orderAndChoiceAreKept() throws {
        let reversed = try ConfigLoader.parse(text: simulated + "[scanner]\ndecoders = [\"zxing\", \"zbar\"]\n", file: "test.toml")
        #expect(reversed.board.scanner.decoders == [.zxing, .zbar])
        let zbarOnly = try ConfigLoader.parse(text: simulated + "[scanner]\ndecoders = [\"zbar\"]\n", file: "test.toml")
        #expect(zbarOnly.board.scanner.decoders == [.zbar])
    }

    @Test func anUnknownDecoderIsAnErrorNotAFallback() {
        #expect(errors(simulated + "[scanner]\ndecoders = [\"zbar\", \"quirc\"]\n") ==
            ["test.toml:6: scanner.decoders: unknown decoder \"quirc\": this build has \"zbar\", \"zxing\""])
    }

    @Test func anEmptyListARepeatedNameAndAWrongTypeAreErrors() {
        #expect(errors(simulated + "[scanner]\ndecoders = []\n") ==
            ["test.toml:6: scanner.decoders: must name at least one decoder (\"zbar\", \"zxing\")"])
        #expect(errors(simulated + "[scanner]\ndecoders = [\"zxing\", \"zxing\"]\n") ==
            ["test.toml:6: scanner.decoders: \"zxing\" is listed twice"])
        #expect(errors(simulated + "[scanner]\ndecoders = \"zbar\"\n") ==
            ["test.toml:6: scanner.decoders: expected an array of strings, found a string"])
        #expect(errors(simulated + "[scanner]\ndecoder = [\"zbar\"]\n") == ["test.toml:6: scanner.decoder: unknown key"])
    }

    @Test func theConfiguredDecodersAreTheOnesTheScannerRuns() throws {
        // The schedule holds steps of the named decoders only, the first-named leading.
        let zxingFirst = PlannedScanner.schedule(for: [.zxing, .zbar])
        #expect(zxingFirst.first?.first?.name == .zxing)
        #expect(PlannedScanner.schedule(for: [.zbar, .zxing]).first?.first?.name == .zbar)
        #expect(PlannedScanner.schedule(for: [.zbar]).joined().allSatisfy { $0.name == .zbar })
        #expect(PlannedScanner.schedule(for: [.zxing]).joined().allSatisfy { $0.name == .zxing })
    }

    @Test func theCameraPixelFormatIsAutoUnlessForced() throws {
        #expect(try ConfigLoader.parse(text: simulated, file: "test.toml").board.camera.pixelFormat == .auto)
        let forced = try ConfigLoader.parse(text: simulated + "[board.camera]\npixel_format = \"YUYV\"\n", file: "test.toml")
        #expect(forced.board.camera.pixelFormat == .yuyv)
        #expect(errors(simulated + "[board.camera]\npixel_format = \"MJPG\"\n") ==
            ["test.toml:6: board.camera.pixel_format: must be one of \"auto\", \"GREY\", \"YUYV\" (got \"MJPG\")"])
    }
}
