import CZbar

/// QR decoding with zbar: one image scanner for the scanner's lifetime, QR only, raw bytes out.
/// Not thread-safe: one scanner per capture loop.
public final class ZbarScanner: CodeScanner {
    public struct Options: Sendable {
        /// Scan every Nth column / row (1 = every line: slowest, finds the smallest codes).
        public var xDensity: Int32
        public var yDensity: Int32
        /// Also try the inverted image (light modules on dark) when nothing decodes.
        public var tryInverted: Bool
        public init(xDensity: Int32 = 1, yDensity: Int32 = 1, tryInverted: Bool = true) {
            self.xDensity = xDensity
            self.yDensity = yDensity
            self.tryInverted = tryInverted
        }
    }

    /// 'Y800': 8-bit luma, one byte per pixel.
    static let y800: UInt = 0x3030_3859

    private let scanner: OpaquePointer
    private let image: OpaquePointer
    /// Packed copy of a region, or of a frame whose rows are padded (zbar expects width == bytes per row).
    private var packed: [UInt8] = []

    public init(options: Options = Options()) throws(DeviceError) {
        guard let scanner = zbar_image_scanner_create() else {
            throw DeviceError(device: .scanner, path: "zbar", operation: "zbar_image_scanner_create", message: "out of memory")
        }
        guard let image = zbar_image_create() else {
            zbar_image_scanner_destroy(scanner)
            throw DeviceError(device: .scanner, path: "zbar", operation: "zbar_image_create", message: "out of memory")
        }
        self.scanner = scanner
        self.image = image
        // Everything off, then QR on: other symbologies only cost time and false positives.
        zbar_image_scanner_set_config(scanner, ZBAR_NONE, ZBAR_CFG_ENABLE, 0)
        zbar_image_scanner_set_config(scanner, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1)
        // Binary: payload bytes untouched (no ECI/charset guessing that could alter Base45 or a token).
        zbar_image_scanner_set_config(scanner, ZBAR_QRCODE, ZBAR_CFG_BINARY, 1)
        zbar_image_scanner_set_config(scanner, ZBAR_NONE, ZBAR_CFG_X_DENSITY, options.xDensity)
        zbar_image_scanner_set_config(scanner, ZBAR_NONE, ZBAR_CFG_Y_DENSITY, options.yDensity)
        zbar_image_scanner_set_config(scanner, ZBAR_NONE, ZBAR_CFG_TEST_INVERTED, options.tryInverted ? 1 : 0)
        zbar_image_set_format(image, Self.y800)
    }

    deinit {
        // Detach the borrowed frame before destroying: zbar must never free memory it does not own.
        zbar_image_set_data(image, nil, 0, nil)
        zbar_image_destroy(image)
        zbar_image_scanner_destroy(scanner)
    }

    public func scan(_ frame: LumaFrame) -> [ScannedCode] {
        scan(frame, region: ScanPlanner.Region(x: 0, y: 0, width: frame.width, height: frame.height))
    }

    /// Decodes only `region` of the frame (clipped to it). zbar binarises its whole image, so a
    /// smaller image is the only way to make it do less work; zbar has no row stride, so a region
    /// narrower than the frame (or a padded frame) is packed into a buffer sized once for the whole
    /// frame: no allocation per frame after the first.
    public func scan(_ frame: LumaFrame, region: ScanPlanner.Region) -> [ScannedCode] {
        guard frame.width > 0, frame.height > 0, frame.bytesPerRow >= frame.width,
              frame.pixels.count >= frame.bytesPerRow * (frame.height - 1) + frame.width,
              let base = frame.pixels.baseAddress else { return [] }
        let x = min(max(region.x, 0), frame.width), y = min(max(region.y, 0), frame.height)
        let width = min(max(region.width, 0), frame.width - x), height = min(max(region.height, 0), frame.height - y)
        guard width > 0, height > 0 else { return [] }
        if width == frame.bytesPerRow {
            // Whole rows of an unpadded frame are already contiguous: lend them to zbar as they are.
            return scan(base + y * frame.bytesPerRow, width: width, height: height)
        }
        if packed.count < frame.width * frame.height { packed = [UInt8](repeating: 0, count: frame.width * frame.height) }
        return packed.withUnsafeMutableBytes { destination in
            guard let target = destination.baseAddress else { return [] }
            for row in 0..<height {
                (target + row * width).copyMemory(from: base + (y + row) * frame.bytesPerRow + x, byteCount: width)
            }
            return scan(UnsafeRawPointer(target), width: width, height: height)
        }
    }

    private func scan(_ pixels: UnsafeRawPointer?, width: Int, height: Int) -> [ScannedCode] {
        zbar_image_set_size(image, UInt32(width), UInt32(height))
        zbar_image_set_data(image, pixels, UInt(width * height), nil)
        defer { zbar_image_set_data(image, nil, 0, nil) }
        guard zbar_scan_image(scanner, image) > 0 else { return [] }
        var codes: [ScannedCode] = []
        var symbol = zbar_image_first_symbol(image)
        while let current = symbol {
            if zbar_symbol_get_type(current) == ZBAR_QRCODE, let data = zbar_symbol_get_data(current) {
                let length = Int(zbar_symbol_get_data_length(current))
                codes.append(ScannedCode(payload: Array(UnsafeRawBufferPointer(start: data, count: length))))
            }
            symbol = zbar_symbol_next(current)
        }
        return codes
    }
}
