import GateHardware
import CPng

/// PNG → luma through libpng's simplified API (any colour type converted to 8-bit grey).
public enum PNGReader {
    public static func decode(_ bytes: [UInt8]) throws(ImageError) -> LumaImage {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        let begun = bytes.withUnsafeBytes { png_image_begin_read_from_memory(&image, $0.baseAddress, $0.count) }
        guard begun != 0 else { throw .malformed(message(image)) }
        defer { png_image_free(&image) }
        let width = Int(image.width), height = Int(image.height)
        guard width > 0, height > 0, width <= 8192, height <= 8192 else { throw .unsupported("PNG size \(width)x\(height)") }
        image.format = UInt32(PNG_FORMAT_GRAY)
        var pixels = [UInt8](repeating: 0, count: width * height)
        let finished = pixels.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, Int32(width), nil) }
        guard finished != 0 else { throw .malformed(message(image)) }
        return LumaImage(width: width, height: height, pixels: pixels)
    }

    private static func message(_ image: png_image) -> String {
        var text = image.message
        return withUnsafeBytes(of: &text) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }
}
