import CZlib

public struct RGB: Sendable, Equatable, Hashable {
    public var r: UInt8, g: UInt8, b: UInt8
    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) { self.r = r; self.g = g; self.b = b }
}

/// An 8-bit RGB image the renderer draws into; the framebuffer converts it to the panel's pixel format.
public struct Canvas: Sendable, Equatable {
    public let width: Int
    public let height: Int
    /// Row-major, 3 bytes a pixel.
    public private(set) var pixels: [UInt8]

    public init(width: Int, height: Int, fill: RGB) {
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 3)
        fillRect(x: 0, y: 0, width: width, height: height, fill)
    }

    /// An image from 3-byte RGB pixels, row-major (a framebuffer read back).
    public init?(width: Int, height: Int, pixels: [UInt8]) {
        guard width > 0, height > 0, pixels.count == width * height * 3 else { return nil }
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    public func pixel(x: Int, y: Int) -> RGB {
        let i = (y * width + x) * 3
        return RGB(pixels[i], pixels[i + 1], pixels[i + 2])
    }

    public mutating func fillRect(x: Int, y: Int, width w: Int, height h: Int, _ colour: RGB) {
        let x0 = max(0, x), y0 = max(0, y), x1 = min(width, x + w), y1 = min(height, y + h)
        guard x0 < x1, y0 < y1 else { return }
        pixels.withUnsafeMutableBufferPointer { p in
            for row in y0..<y1 {
                var i = (row * width + x0) * 3
                for _ in x0..<x1 { p[i] = colour.r; p[i + 1] = colour.g; p[i + 2] = colour.b; i += 3 }
            }
        }
    }

    /// Blends `colour` over the pixel with coverage 0…255.
    @inline(__always)
    mutating func blend(x: Int, y: Int, _ colour: RGB, coverage: Int) {
        guard x >= 0, y >= 0, x < width, y < height, coverage > 0 else { return }
        let i = (y * width + x) * 3
        let a = min(coverage, 255), na = 255 - a
        pixels[i] = UInt8((Int(colour.r) * a + Int(pixels[i]) * na) / 255)
        pixels[i + 1] = UInt8((Int(colour.g) * a + Int(pixels[i + 1]) * na) / 255)
        pixels[i + 2] = UInt8((Int(colour.b) * a + Int(pixels[i + 2]) * na) / 255)
    }

    mutating func draw(_ glyph: Glyph, penX: Int, baseline: Int, _ colour: RGB) {
        let left = penX + glyph.left, top = baseline - glyph.top
        for row in 0..<glyph.rows {
            for column in 0..<glyph.width {
                blend(x: left + column, y: top + row, colour, coverage: Int(glyph.coverage[row * glyph.width + column]))
            }
        }
    }

    /// A thick anti-aliased segment (for the symbols): coverage from the distance to the segment.
    mutating func line(_ ax: Double, _ ay: Double, _ bx: Double, _ by: Double, thickness: Double, _ colour: RGB) {
        let r = thickness / 2
        let minX = Int(min(ax, bx) - r - 1), maxX = Int(max(ax, bx) + r + 1)
        let minY = Int(min(ay, by) - r - 1), maxY = Int(max(ay, by) + r + 1)
        let dx = bx - ax, dy = by - ay, length2 = max(dx * dx + dy * dy, 1e-9)
        for y in max(0, minY)...max(0, min(height - 1, maxY)) {
            for x in max(0, minX)...max(0, min(width - 1, maxX)) {
                let px = Double(x) + 0.5, py = Double(y) + 0.5
                let t = max(0, min(1, ((px - ax) * dx + (py - ay) * dy) / length2))
                let ex = ax + t * dx - px, ey = ay + t * dy - py
                let distance = (ex * ex + ey * ey).squareRoot()
                blend(x: x, y: y, colour, coverage: Int(max(0, min(1, r - distance + 0.5)) * 255))
            }
        }
    }

    /// A ring (or a disc with `thickness` ≥ radius).
    mutating func ring(cx: Double, cy: Double, radius: Double, thickness: Double, _ colour: RGB) {
        let outer = radius + 1
        for y in max(0, Int(cy - outer))...max(0, min(height - 1, Int(cy + outer))) {
            for x in max(0, Int(cx - outer))...max(0, min(width - 1, Int(cx + outer))) {
                let dx = Double(x) + 0.5 - cx, dy = Double(y) + 0.5 - cy
                let d = (dx * dx + dy * dy).squareRoot()
                let inside = min(radius - d, d - (radius - thickness)) + 0.5
                blend(x: x, y: y, colour, coverage: Int(max(0, min(1, inside)) * 255))
            }
        }
    }

    /// The image as a PNG file's bytes (8-bit RGB, zlib through CZlib).
    public func png() -> [UInt8] {
        var raw = [UInt8]()
        raw.reserveCapacity((width * 3 + 1) * height)
        for row in 0..<height {
            raw.append(0)  // filter: none
            raw.append(contentsOf: pixels[(row * width * 3)..<((row + 1) * width * 3)])
        }
        var compressedLength = compressBound(uLong(raw.count))
        var compressed = [UInt8](repeating: 0, count: Int(compressedLength))
        _ = compress2(&compressed, &compressedLength, raw, uLong(raw.count), 6)
        compressed.removeLast(compressed.count - Int(compressedLength))

        var file: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        func chunk(_ type: String, _ data: [UInt8]) {
            file += bigEndian(UInt32(data.count))
            let body = Array(type.utf8) + data
            file += body
            file += bigEndian(UInt32(crc32(0, body, uInt(body.count))))
        }
        chunk("IHDR", bigEndian(UInt32(width)) + bigEndian(UInt32(height)) + [8, 2, 0, 0, 0])
        chunk("IDAT", compressed)
        chunk("IEND", [])
        return file
    }

    private func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }
}
