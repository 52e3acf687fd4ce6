import CZxingShim

/// QR decoding with zxing-cpp 1.4 (Debian's libzxing) through the C++ shim `CZxingShim`: QR only, raw
/// bytes out. zxing-cpp reads many screen and low-contrast photos zbar misses (docs/performance.md), at
/// a higher cost per pixel, so the daemon runs it only where the planner saw a code and zbar read nothing.
/// Not thread-safe: one scanner per capture loop (it owns scratch and payload buffers, reused every call).
public final class ZxingScanner: CodeScanner {
    public enum Binarizer: Int32, Sendable, CaseIterable {
        /// Threshold = mean of the neighbourhood: zxing's default, best on uneven light.
        case localAverage = 0
        /// Threshold = valley of the histogram: faint codes on an even background.
        case globalHistogram = 1
        /// Threshold = 127: after `normalise`, the middle of the region's range.
        case fixedThreshold = 2
    }

    public struct Options: Sendable, Equatable {
        public var binarizer: Binarizer
        /// zxing's tryHarder: denser finder-pattern search.
        public var tryHarder: Bool
        /// zxing's tryDownscale: also decode downscaled copies (helps blurred, large codes).
        public var tryDownscale: Bool
        /// Decode the inverted image (light modules on dark: a phone in dark mode). zxing-cpp 1.4 has no
        /// such option; the shim inverts.
        public var invert: Bool
        /// 2: bilinear 2x upscale first, for codes whose modules are under ~3 px.
        public var upscale: Int32
        /// Stretch the region's 1st..99th percentile to full range (faint codes, glare).
        public var normalise: Bool

        public init(binarizer: Binarizer = .localAverage, tryHarder: Bool = true, tryDownscale: Bool = true,
                    invert: Bool = false, upscale: Int32 = 1, normalise: Bool = false) {
            self.binarizer = binarizer
            self.tryHarder = tryHarder
            self.tryDownscale = tryDownscale
            self.invert = invert
            self.upscale = upscale
            self.normalise = normalise
        }
    }

    /// The zxing-cpp version the shim was built against, e.g. "1.4.0".
    public static var version: String { String(cString: hg_zxing_version()) }

    /// Codes reported per call at most; a visitor shows one.
    static let maximumCodes = 4
    /// A QR code holds at most 2,953 bytes (version 40-L, byte mode).
    static let payloadCapacity = maximumCodes * 2953

    public var options: Options
    /// Why the last scan failed (a malformed frame, an exception inside zxing-cpp); nil after a scan that ran.
    public private(set) var lastError: String?
    private let decoder: OpaquePointer
    private var payloads = [UInt8](repeating: 0, count: ZxingScanner.payloadCapacity)
    private var lengths = [Int](repeating: 0, count: ZxingScanner.maximumCodes)

    public init(options: Options = Options()) throws(DeviceError) {
        guard let decoder = hg_zxing_create() else {
            throw DeviceError(device: .scanner, path: "zxing", operation: "hg_zxing_create", message: "out of memory")
        }
        self.decoder = decoder
        self.options = options
    }

    deinit { hg_zxing_destroy(decoder) }

    public func scan(_ frame: LumaFrame) -> [ScannedCode] {
        scan(frame, region: ScanPlanner.Region(x: 0, y: 0, width: frame.width, height: frame.height), options: options)
    }

    public func scan(_ frame: LumaFrame, region: ScanPlanner.Region) -> [ScannedCode] {
        scan(frame, region: region, options: options)
    }

    /// Decodes `region` of the frame (clipped to it) with `options` instead of the scanner's own.
    /// zxing takes a row stride, so neither a region nor a padded frame is copied (unless preprocessing asks for it).
    public func scan(_ frame: LumaFrame, region: ScanPlanner.Region, options: Options) -> [ScannedCode] {
        guard let base = frame.pixels.baseAddress else {
            lastError = "frame has no pixels"
            return []
        }
        var shimOptions = hg_zxing_options(
            binarizer: options.binarizer.rawValue, try_harder: options.tryHarder ? 1 : 0, try_rotate: 0,
            try_downscale: options.tryDownscale ? 1 : 0, invert: options.invert ? 1 : 0, upscale: options.upscale,
            normalise: options.normalise ? 1 : 0)
        let count = payloads.withUnsafeMutableBufferPointer { payloadBuffer in
            lengths.withUnsafeMutableBufferPointer { lengthBuffer in
                hg_zxing_decode(decoder, base.assumingMemoryBound(to: UInt8.self), frame.pixels.count,
                                Int32(clamping: frame.width), Int32(clamping: frame.height), Int32(clamping: frame.bytesPerRow),
                                Int32(clamping: region.x), Int32(clamping: region.y),
                                Int32(clamping: region.width), Int32(clamping: region.height), &shimOptions,
                                payloadBuffer.baseAddress, payloadBuffer.count, lengthBuffer.baseAddress, Int32(lengthBuffer.count))
            }
        }
        guard count >= 0 else {
            lastError = String(cString: hg_zxing_last_error(decoder))
            return []
        }
        lastError = nil
        guard count > 0 else { return [] }
        var codes: [ScannedCode] = []
        var offset = 0
        for index in 0..<Int(count) {
            let length = lengths[index]
            codes.append(ScannedCode(payload: Array(payloads[offset..<offset + length])))
            offset += length
        }
        return codes
    }
}
