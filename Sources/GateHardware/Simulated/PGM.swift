/// A greyscale image in binary PGM (P5, 8-bit), the format the simulated camera plays and the
/// benchmark corpus is written in: simple enough that any decoder can read the same frames.
public struct GreyImage: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height, "pixel count must be width × height")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    public struct FormatError: Error, CustomStringConvertible, Sendable {
        public var message: String
        public var description: String { "not a binary 8-bit PGM: \(message)" }
    }

    /// Parses P5 with maxval ≤ 255; comments in the header are allowed. Sizes are bounded so a
    /// hostile header cannot ask for gigabytes.
    public init(pgm bytes: [UInt8]) throws(FormatError) {
        var index = 0
        func skipSpaceAndComments() {
            while index < bytes.count {
                if bytes[index] == UInt8(ascii: "#") {
                    while index < bytes.count && bytes[index] != UInt8(ascii: "\n") { index += 1 }
                } else if bytes[index] == 0x20 || bytes[index] == 0x09 || bytes[index] == 0x0a || bytes[index] == 0x0d {
                    index += 1
                } else {
                    return
                }
            }
        }
        func number() throws(FormatError) -> Int {
            skipSpaceAndComments()
            var value = 0
            var digits = 0
            while index < bytes.count, (0x30...0x39).contains(bytes[index]) {
                value = value * 10 + Int(bytes[index] - 0x30)
                digits += 1
                index += 1
                if digits > 6 { throw FormatError(message: "header number too long") }
            }
            if digits == 0 { throw FormatError(message: "expected a number in the header") }
            return value
        }
        guard bytes.count >= 2, bytes[0] == UInt8(ascii: "P"), bytes[1] == UInt8(ascii: "5") else {
            throw FormatError(message: "missing the P5 magic")
        }
        index = 2
        let width = try number()
        let height = try number()
        let maxval = try number()
        guard (1...8192).contains(width), (1...8192).contains(height) else { throw FormatError(message: "size \(width)x\(height) out of range") }
        guard (1...255).contains(maxval) else { throw FormatError(message: "maxval \(maxval) is not 8-bit") }
        index += 1  // exactly one whitespace byte before the raster
        let count = width * height
        guard index + count <= bytes.count else { throw FormatError(message: "raster truncated") }
        self.width = width
        self.height = height
        self.pixels = Array(bytes[index..<(index + count)])
    }

    public var pgm: [UInt8] {
        Array("P5\n\(width) \(height)\n255\n".utf8) + pixels
    }
}
