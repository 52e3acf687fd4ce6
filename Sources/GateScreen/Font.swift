import CFreetype

public struct ScreenError: Error, CustomStringConvertible, Sendable, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// One rendered glyph: an 8-bit coverage bitmap and where it sits relative to the pen (baseline).
struct Glyph {
    var coverage: [UInt8]
    var width: Int
    var rows: Int
    var left: Int
    var top: Int
    var advance: Int
}

/// A FreeType face at pixel sizes, with the glyphs it rendered kept (a screen reuses few characters).
/// Not thread-safe: one per renderer.
public final class FontFace {
    public let path: String
    private var library: FT_Library?
    private var face: FT_Face?
    private var currentSize = 0
    private var glyphs: [UInt64: Glyph] = [:]

    public init(path: String) throws(ScreenError) {
        self.path = path
        var library: FT_Library?
        guard FT_Init_FreeType(&library) == 0, let library else { throw ScreenError("FreeType could not start") }
        self.library = library
        var face: FT_Face?
        let status = FT_New_Face(library, path, 0, &face)
        guard status == 0, let face else {
            FT_Done_FreeType(library)
            self.library = nil
            throw ScreenError("cannot load font \(path) (FreeType error \(status)): install fonts-wqy-microhei or set screen.font")
        }
        self.face = face
        // A font without Chinese glyphs would draw boxes for every zh word: refuse it at start.
        guard FT_Get_Char_Index(face, 0x901A) != 0 else {  // 通
            throw ScreenError("font \(path) has no Chinese glyphs: use a CJK font such as wqy-microhei")
        }
    }

    deinit {
        if let face { FT_Done_Face(face) }
        if let library { FT_Done_FreeType(library) }
    }

    private func setSize(_ pixels: Int) {
        guard pixels != currentSize, let face else { return }
        FT_Set_Pixel_Sizes(face, 0, FT_UInt(pixels))
        currentSize = pixels
    }

    /// Distance from the baseline to the top of the tallest glyphs, and the line advance, in pixels.
    func metrics(size: Int) -> (ascender: Int, lineHeight: Int) {
        setSize(size)
        guard let metrics = face?.pointee.size?.pointee.metrics else { return (size, size * 5 / 4) }
        return (Int(metrics.ascender) >> 6, Int(metrics.height) >> 6)
    }

    func glyph(_ scalar: Unicode.Scalar, size: Int) -> Glyph {
        let key = UInt64(size) << 32 | UInt64(scalar.value)
        if let cached = glyphs[key] { return cached }
        setSize(size)
        var glyph = Glyph(coverage: [], width: 0, rows: 0, left: 0, top: 0, advance: size / 2)
        // FT_LOAD_RENDER (1 << 2): load and render to an 8-bit anti-aliased bitmap.
        if let face, FT_Load_Char(face, FT_ULong(scalar.value), 4) == 0, let slot = face.pointee.glyph {
            let bitmap = slot.pointee.bitmap
            let width = Int(bitmap.width), rows = Int(bitmap.rows), pitch = Int(bitmap.pitch)
            var coverage = [UInt8](repeating: 0, count: width * rows)
            if let buffer = bitmap.buffer, pitch >= width {
                for y in 0..<rows { for x in 0..<width { coverage[y * width + x] = buffer[y * pitch + x] } }
            }
            glyph = Glyph(coverage: coverage, width: width, rows: rows, left: Int(slot.pointee.bitmap_left),
                          top: Int(slot.pointee.bitmap_top), advance: Int(slot.pointee.advance.x) >> 6)
        }
        glyphs[key] = glyph
        return glyph
    }

    /// The advance width of `text` at `size`, in pixels.
    public func width(_ text: String, size: Int) -> Int {
        text.unicodeScalars.reduce(0) { $0 + glyph($1, size: size).advance }
    }
}
