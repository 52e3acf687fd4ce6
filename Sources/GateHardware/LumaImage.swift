/// An owned 8-bit luma image: the simulated camera's frames and the tooling's QR renderings.
/// The daemon's real cameras only ever lend frames (`LumaFrame`).
public struct LumaImage: Sendable, Equatable {
    public var width: Int
    public var height: Int
    /// Row-major, `width` bytes per row.
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height, "pixel count must be width × height")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    public init(width: Int, height: Int, fill: UInt8) {
        self.init(width: width, height: height, pixels: [UInt8](repeating: fill, count: width * height))
    }
}

public enum ImageError: Error, Equatable, Sendable, CustomStringConvertible {
    case malformed(String)
    case unsupported(String)
    public var description: String {
        switch self {
        case .malformed(let message): "malformed image: \(message)"
        case .unsupported(let message): "unsupported image: \(message)"
        }
    }
}

/// Netpbm P5 (binary greymap), 8-bit only.
public enum PGM {
    public static func encode(_ image: LumaImage) -> [UInt8] {
        Array("P5\n\(image.width) \(image.height)\n255\n".utf8) + image.pixels
    }

    public static func decode(_ bytes: [UInt8]) throws(ImageError) -> LumaImage {
        var index = 0
        func skipSpaceAndComments() {
            while index < bytes.count {
                if bytes[index] == UInt8(ascii: "#") {
                    while index < bytes.count, bytes[index] != UInt8(ascii: "\n") { index += 1 }
                } else if [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) {
                    index += 1
                } else {
                    return
                }
            }
        }
        func number() throws(ImageError) -> Int {
            skipSpaceAndComments()
            var value = 0
            var digits = 0
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39, digits < 6 {
                value = value * 10 + Int(bytes[index] - 0x30)
                index += 1
                digits += 1
            }
            guard digits > 0 else { throw .malformed("PGM header number expected") }
            return value
        }
        guard bytes.starts(with: Array("P5".utf8)) else { throw .unsupported("not a binary PGM (P5)") }
        index = 2
        let width = try number(), height = try number(), maxValue = try number()
        guard maxValue == 255 else { throw .unsupported("PGM maxval \(maxValue), only 255") }
        guard width > 0, height > 0, width <= 8192, height <= 8192 else { throw .malformed("PGM size \(width)x\(height)") }
        index += 1  // the single whitespace after maxval
        guard bytes.count - index == width * height else { throw .malformed("PGM holds \(bytes.count - index) pixel bytes, expected \(width * height)") }
        return LumaImage(width: width, height: height, pixels: Array(bytes[index...]))
    }
}
