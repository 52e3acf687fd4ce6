import GateCore

/// One line of text placed on the panel: `x` and `baseline` in pixels, `width` as measured with the font.
public struct PlacedText: Sendable, Equatable {
    public var text: String
    public var x: Int
    public var baseline: Int
    public var size: Int
    public var width: Int
    /// From the top of the line box to its bottom (ascender above the baseline, the rest below).
    public var top: Int
    public var bottom: Int
    var colour: RGB
}

/// Where everything goes on one panel: a coloured band with the symbol and the headline, the reasons and
/// details below it, the clock in the corner.
public struct ScreenLayout: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var bandHeight: Int
    public var bandColour: RGB
    public var symbol: VisitorSymbol
    public var symbolCentre: (x: Int, y: Int)
    public var symbolRadius: Int
    public var lines: [PlacedText]
    /// The scale the text was shrunk to so that everything fits (1 = the design sizes).
    public var scale: Double

    public static func == (a: ScreenLayout, b: ScreenLayout) -> Bool {
        a.width == b.width && a.height == b.height && a.lines == b.lines && a.bandHeight == b.bandHeight
    }
}

/// Draws announcements with FreeType: the panels the gate supports are 800x480, 1024x600 and 1920x1080, and
/// any other size gets the same proportions. Text wraps between words (Latin) and between characters (CJK),
/// and everything shrinks together until it fits: nothing is ever cut off the panel.
public final class ScreenRenderer {
    public static let panels: [(width: Int, height: Int)] = [(800, 480), (1024, 600), (1920, 1080)]

    public let font: FontFace
    public let language: VisitorLanguage

    public init(font: FontFace, language: VisitorLanguage) {
        self.font = font
        self.language = language
    }

    public static func bandColour(_ tone: VisitorTone) -> RGB {
        switch tone {
        case .neutral: return RGB(0x1E, 0x3A, 0x5F)
        case .go: return RGB(0x1B, 0x8A, 0x3A)
        case .caution: return RGB(0xF2, 0xB7, 0x05)
        case .stop: return RGB(0xC6, 0x28, 0x28)
        case .alarm: return RGB(0xE6, 0x51, 0x00)
        case .outOfOrder: return RGB(0x5F, 0x63, 0x68)
        }
    }

    /// Text on the band: black on amber (white would be unreadable), white elsewhere.
    static func bandText(_ tone: VisitorTone) -> RGB {
        tone == .caution ? RGB(0x10, 0x10, 0x10) : RGB(0xFF, 0xFF, 0xFF)
    }

    static let background = RGB(0xFF, 0xFF, 0xFF)
    static let bodyText = RGB(0x1A, 0x1A, 0x1A)
    static let detailText = RGB(0x4A, 0x4A, 0x4A)

    public func layout(_ announcement: Announcement, width: Int, height: Int, clock: String? = nil) -> ScreenLayout {
        var scale = 1.0
        while true {
            let candidate = layout(announcement, width: width, height: height, clock: clock, scale: scale)
            if let candidate { return candidate }
            scale *= 0.9
            if scale < 0.2 {
                // Cannot happen with the gate's texts (the layout tests prove every one fits); still never overflow.
                return layout(announcement, width: width, height: height, clock: nil, scale: 0.2, force: true)!
            }
        }
    }

    private func layout(_ announcement: Announcement, width: Int, height: Int, clock: String?, scale: Double,
                        force: Bool = false) -> ScreenLayout? {
        let h = Double(height)
        let pad = max(6, Int(h * 0.035))
        let tone = VisitorWords.tone(announcement.signal)
        let words = language.languages.map { VisitorWords.screen(announcement, $0) }
        func px(_ fraction: Double) -> Int { max(10, Int(h * fraction * scale)) }

        // Band: the symbol on the left, the headline(s) beside it.
        let radius = max(12, Int(h * 0.12 * min(1, scale * 1.1)))
        let textLeft = pad * 2 + radius * 2
        let textWidth = width - textLeft - pad
        var lines: [PlacedText] = []
        var y = pad
        for (index, block) in words.enumerated() {
            let size = index == 0 ? px(0.105) : px(0.07)
            for text in wrap(block.headline, size: size, maxWidth: textWidth) {
                lines.append(place(text, x: textLeft, top: &y, size: size, colour: Self.bandText(tone)))
            }
        }
        let bandHeight = max(y, pad + radius * 2) + pad
        let symbolCentre = (x: pad + radius, y: bandHeight / 2)

        // Body: the reasons, then the details, per language.
        y = bandHeight + pad
        let bodyWidth = width - 2 * pad
        for block in words {
            for reason in block.reasons {
                for text in wrap(reason, size: px(0.068), maxWidth: bodyWidth) {
                    lines.append(place(text, x: pad, top: &y, size: px(0.068), colour: Self.bodyText))
                }
            }
            if !block.details.isEmpty {
                for text in wrap(block.details.joined(separator: " · "), size: px(0.052), maxWidth: bodyWidth) {
                    lines.append(place(text, x: pad, top: &y, size: px(0.052), colour: Self.detailText))
                }
            }
            y += pad / 2
        }
        if let clock {
            let size = px(0.045)
            var top = height - pad - font.metrics(size: size).lineHeight
            guard top >= y || force else { return nil }
            let clockWidth = font.width(clock, size: size)
            lines.append(place(clock, x: width - pad - clockWidth, top: &top, size: size, colour: Self.detailText))
        }
        guard y <= height - pad / 2 || force else { return nil }
        // Only at the smallest scale, and never with the gate's own texts: what does not fit is left off, never drawn past the edge.
        lines.removeAll { $0.bottom > height || $0.x + $0.width > width }
        return ScreenLayout(width: width, height: height, bandHeight: bandHeight, bandColour: Self.bandColour(tone),
                            symbol: VisitorWords.symbol(announcement.signal), symbolCentre: symbolCentre,
                            symbolRadius: radius, lines: lines, scale: scale)
    }

    private func place(_ text: String, x: Int, top: inout Int, size: Int, colour: RGB) -> PlacedText {
        let metrics = font.metrics(size: size)
        let line = PlacedText(text: text, x: x, baseline: top + metrics.ascender, size: size,
                              width: font.width(text, size: size), top: top, bottom: top + metrics.lineHeight, colour: colour)
        top += metrics.lineHeight
        return line
    }

    /// Greedy wrapping: Latin breaks at spaces, CJK between characters (a CJK punctuation mark stays with the
    /// character before it); a word wider than the line is broken between characters.
    public func wrap(_ text: String, size: Int, maxWidth: Int) -> [String] {
        var lines: [String] = []
        var current = ""
        for token in Self.tokens(text) {
            let candidate = current.isEmpty ? token.text : current + (token.spaceBefore ? " " : "") + token.text
            if font.width(candidate, size: size) <= maxWidth {
                current = candidate
                continue
            }
            if !current.isEmpty { lines.append(current) }
            current = ""
            // Too wide on a line of its own: break it between characters.
            for character in token.text {
                let longer = current + String(character)
                if !current.isEmpty && font.width(longer, size: size) > maxWidth {
                    lines.append(current)
                    current = String(character)
                } else {
                    current = longer
                }
            }
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }

    struct Token { var text: String; var spaceBefore: Bool }

    static func tokens(_ text: String) -> [Token] {
        var tokens: [Token] = []
        var word = ""
        var spaceBefore = false
        func flush() {
            if !word.isEmpty { tokens.append(Token(text: word, spaceBefore: spaceBefore)); spaceBefore = false }
            word = ""
        }
        for character in text {
            let value = character.unicodeScalars.first!.value
            if character == " " {
                flush()
                spaceBefore = true
            } else if isCJKPunctuation(value) {
                word.append(character)  // never starts a line
                flush()
            } else if isCJK(value) {
                flush()
                word.append(character)
            } else {
                if let last = word.unicodeScalars.last?.value, isCJK(last) { flush() }
                word.append(character)
            }
        }
        flush()
        return tokens
    }

    static func isCJK(_ value: UInt32) -> Bool {
        (0x2E80...0x9FFF).contains(value) || (0xF900...0xFAFF).contains(value) || (0xFF00...0xFFEF).contains(value)
    }

    static func isCJKPunctuation(_ value: UInt32) -> Bool {
        (0x3000...0x303F).contains(value) || [0xFF0C, 0xFF1A, 0xFF1B, 0xFF01, 0xFF1F, 0xFF09, 0xFF0E].contains(value)
    }

    public func render(_ announcement: Announcement, width: Int, height: Int, clock: String? = nil) -> Canvas {
        render(layout(announcement, width: width, height: height, clock: clock))
    }

    public func render(_ layout: ScreenLayout) -> Canvas {
        var canvas = Canvas(width: layout.width, height: layout.height, fill: Self.background)
        canvas.fillRect(x: 0, y: 0, width: layout.width, height: layout.bandHeight, layout.bandColour)
        let ink = layout.bandColour == Self.bandColour(.caution) ? Self.bandText(.caution) : Self.bandText(.go)
        drawSymbol(layout.symbol, on: &canvas, cx: Double(layout.symbolCentre.x), cy: Double(layout.symbolCentre.y),
                   r: Double(layout.symbolRadius), ink)
        for line in layout.lines {
            var pen = line.x
            for scalar in line.text.unicodeScalars {
                let glyph = font.glyph(scalar, size: line.size)
                canvas.draw(glyph, penX: pen, baseline: line.baseline, line.colour)
                pen += glyph.advance
            }
        }
        return canvas
    }

    private func drawSymbol(_ symbol: VisitorSymbol, on canvas: inout Canvas, cx: Double, cy: Double, r: Double, _ ink: RGB) {
        let t = max(3, r * 0.14)
        canvas.ring(cx: cx, cy: cy, radius: r, thickness: t, ink)
        let s = r * 0.5
        switch symbol {
        case .tick:
            canvas.line(cx - s, cy, cx - s * 0.25, cy + s * 0.7, thickness: t * 1.3, ink)
            canvas.line(cx - s * 0.25, cy + s * 0.7, cx + s, cy - s * 0.7, thickness: t * 1.3, ink)
        case .cross:
            canvas.line(cx - s, cy - s, cx + s, cy + s, thickness: t * 1.3, ink)
            canvas.line(cx - s, cy + s, cx + s, cy - s, thickness: t * 1.3, ink)
        case .exclamation:
            canvas.line(cx, cy - s, cx, cy + s * 0.3, thickness: t * 1.3, ink)
            canvas.ring(cx: cx, cy: cy + s * 0.8, radius: t * 0.8, thickness: t, ink)
        case .qrCode:
            for (dx, dy) in [(-1.0, -1.0), (1.0, -1.0), (-1.0, 1.0)] {
                let x = cx + dx * s * 0.55, y = cy + dy * s * 0.55, q = s * 0.35
                canvas.line(x - q, y - q, x + q, y - q, thickness: t * 0.6, ink)
                canvas.line(x + q, y - q, x + q, y + q, thickness: t * 0.6, ink)
                canvas.line(x + q, y + q, x - q, y + q, thickness: t * 0.6, ink)
                canvas.line(x - q, y + q, x - q, y - q, thickness: t * 0.6, ink)
            }
            canvas.ring(cx: cx + s * 0.55, cy: cy + s * 0.55, radius: s * 0.15, thickness: s * 0.15, ink)
        case .thermometer:
            canvas.line(cx, cy - s, cx, cy + s * 0.4, thickness: t * 1.2, ink)
            canvas.ring(cx: cx, cy: cy + s * 0.6, radius: s * 0.3, thickness: s * 0.3, ink)
        case .wrench:
            canvas.line(cx - s * 0.7, cy + s * 0.7, cx + s * 0.3, cy - s * 0.3, thickness: t * 1.3, ink)
            canvas.ring(cx: cx + s * 0.45, cy: cy - s * 0.45, radius: s * 0.4, thickness: t, ink)
        case .exit:
            canvas.line(cx - s, cy, cx + s, cy, thickness: t * 1.3, ink)
            canvas.line(cx + s, cy, cx + s * 0.4, cy - s * 0.6, thickness: t * 1.3, ink)
            canvas.line(cx + s, cy, cx + s * 0.4, cy + s * 0.6, thickness: t * 1.3, ink)
        }
    }
}
