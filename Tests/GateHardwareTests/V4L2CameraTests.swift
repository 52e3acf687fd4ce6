import Glibc
import Testing

@testable import GateHardware

@Suite struct LumaTests {
    @Test func yuyvLumaIsGatheredRowByRowSkippingPadding() {
        // 3x2 pixels, rows padded to 8 bytes: Y0 U Y1 V Y2 U pad pad.
        let yuyv: [UInt8] = [
            10, 128, 11, 129, 12, 128, 0xEE, 0xEE,
            20, 128, 21, 129, 22, 128, 0xEE, 0xEE,
        ]
        var plane = [UInt8](repeating: 0, count: 6)
        let copied = yuyv.withUnsafeBytes { source in
            plane.withUnsafeMutableBytes { copyLuma(fromYUYV: source, bytesPerRow: 8, width: 3, height: 2, into: $0) }
        }
        #expect(copied)
        #expect(plane == [10, 11, 12, 20, 21, 22])
    }

    @Test(arguments: [
        (5, 3, 2, 6),  // bytes per row smaller than 2 × width
        (8, 3, 3, 9),  // frame shorter than three rows
        (8, 3, 2, 5),  // plane too small
        (8, 0, 2, 6),  // no width
    ])
    func shortOrInconsistentFramesAreRefused(bytesPerRow: Int, width: Int, height: Int, planeSize: Int) {
        let yuyv = [UInt8](repeating: 1, count: 16)
        var plane = [UInt8](repeating: 0, count: planeSize)
        let copied = yuyv.withUnsafeBytes { source in
            plane.withUnsafeMutableBytes {
                copyLuma(fromYUYV: source, bytesPerRow: bytesPerRow, width: width, height: height, into: $0)
            }
        }
        #expect(!copied)
        #expect(plane.allSatisfy { $0 == 0 })
    }

    @Test func fourCCMatchesVideodev2() {
        #expect(fourCC("YUYV") == 0x5659_5559)
        #expect(fourCC("GREY") == 0x5945_5247)
    }

    @Test(arguments: [
        ([fourCC("MJPG"), fourCC("YUYV"), fourCC("GREY")], LumaLayout.grey),
        ([fourCC("MJPG"), fourCC("YUYV")], .yuyv),
        ([fourCC("MJPG")], .yuv420),
        ([], .yuv420),
    ])
    func prefersGreyThenYUYVThenConversion(formats: [UInt32], expected: LumaLayout) {
        #expect(LumaLayout.choose(nativeFormats: formats) == expected)
    }

    @Test func aForcedFormatIsTakenOnlyWhenTheDeviceProducesIt() {
        let vivid = [fourCC("YUYV"), fourCC("GREY"), fourCC("RGB3")]
        #expect(LumaLayout.choose(nativeFormats: vivid, preferred: .yuyv) == .yuyv)
        #expect(LumaLayout.choose(nativeFormats: vivid, preferred: .grey) == .grey)
        #expect(LumaLayout.choose(nativeFormats: [fourCC("MJPG"), fourCC("YUYV")], preferred: .grey) == nil)
        #expect(LumaLayout.choose(nativeFormats: [fourCC("MJPG")], preferred: .yuyv) == nil)
    }

    @Test(arguments: [("video0", "/dev/v4l/by-id/video0"), ("/dev/video2", "/dev/video2")])
    func deviceNamesResolveUnderByID(device: String, path: String) {
        #expect(CameraSettings(device: device).devicePath == path)
    }
}

/// Real V4L2 calls on the host, which has no camera.
@Suite struct CameraDeviceTests {
    @Test func missingDeviceIsAFaultThatAsksForReopen() {
        let camera = V4L2Camera(settings: CameraSettings(device: "/dev/video99"))
        let error = #expect(throws: DeviceError.self) { try camera.open() }
        #expect(error?.device == .camera)
        #expect(error?.path == "/dev/video99")
        #expect(error?.errno == ENOENT)
        camera.close()
        camera.close()  // closing twice is harmless
    }

    @Test func nodeThatIsNotACameraIsRejected() {
        let camera = V4L2Camera(settings: CameraSettings(device: "/dev/null"))
        let error = #expect(throws: DeviceError.self) { try camera.open() }
        #expect(error?.errno == ENOTTY)  // libv4l2 refuses it in v4l2_open already (its own QUERYCAP)
    }

    @Test func captureBeforeOpenAsksForReopen() {
        let camera = V4L2Camera(settings: CameraSettings())
        let error = #expect(throws: DeviceError.self) { _ = try camera.withNextFrame(timeoutMilliseconds: 0) { $0.width } }
    }
}
