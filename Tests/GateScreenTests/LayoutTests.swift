import GateCore
import GateScreen
import Testing

/// Layouts measured with the real FreeType and the Debian CJK font (fonts-wqy-microhei): every text the gate
/// can show, in each language setting, on each supported panel, stays inside the panel.
@Suite struct LayoutTests {
    /// One face per test: FreeType faces are not shared between threads (tests run in parallel).
    static var font: FontFace { try! FontFace(path: ScreenFixture.fontPath) }

    /// The worst cases: every reason at once on each decision signal, every figure present, a fault on every device.
    static var announcements: [Announcement] {
        Signal.allCases.flatMap { signal in
            [Announcement(signal: signal, reasons: Reason.allCases, maskedName: "欧阳**", temperature: 37.8,
                          nucleicAcidAgeHours: 168, vaccinationDoses: 3, occupancy: 100_000, maximumOccupancy: 750_000,
                          faults: FaultSource.allCases),
             Announcement(signal: signal)]
        } + Reason.allCases.map { Announcement(signal: .refused, reasons: [$0], temperature: 38.2, nucleicAcidAgeHours: 73) }
    }

    @Test(arguments: VisitorLanguage.allCases)
    func everyTextFitsEveryPanel(language: VisitorLanguage) {
        let renderer = ScreenRenderer(font: Self.font, language: language)
        for panel in ScreenRenderer.panels {
            for announcement in Self.announcements {
                let layout = renderer.layout(announcement, width: panel.width, height: panel.height, clock: "23:59")
                for line in layout.lines {
                    #expect(line.x >= 0 && line.x + line.width <= panel.width,
                            "\(panel) \(announcement.signal): \"\(line.text)\" is \(line.width) px at x \(line.x)")
                    #expect(line.top >= 0 && line.bottom <= panel.height,
                            "\(panel) \(announcement.signal): \"\(line.text)\" spans \(line.top)…\(line.bottom)")
                }
                // Nothing is dropped: the headline and every reason's words are all on the screen.
                let shown = layout.lines.map(\.text).joined().filter { $0 != " " }
                for block in language.languages.map({ VisitorWords.screen(announcement, $0) }) {
                    for text in [block.headline] + block.reasons {
                        #expect(shown.contains(text.filter { $0 != " " }), "\(panel): \"\(text)\" missing")
                    }
                }
            }
        }
    }

    @Test func aSingleDecisionIsShownAtTheDesignSize() {
        let renderer = ScreenRenderer(font: Self.font, language: .both)
        let announcement = Announcement(signal: .refused, reasons: [.redCode], maskedName: "张*", temperature: 36.5, occupancy: 12, maximumOccupancy: 75)
        for panel in ScreenRenderer.panels {
            #expect(renderer.layout(announcement, width: panel.width, height: panel.height, clock: "09:41").scale == 1)
        }
    }

    @Test func cjkWrapsBetweenCharactersAndLatinBetweenWords() {
        let font = Self.font
        let renderer = ScreenRenderer(font: font, language: .zh)
        let zh = renderer.wrap("闸机数据未更新，请联系工作人员", size: 40, maxWidth: 200)
        #expect(zh.count > 1)
        #expect(zh.joined() == "闸机数据未更新，请联系工作人员")
        #expect(!zh.dropFirst().contains { $0.hasPrefix("，") })  // punctuation never starts a line
        let en = renderer.wrap("The gate's county data is out of date: ask the staff", size: 40, maxWidth: 300)
        #expect(en.count > 1)
        #expect(en.joined(separator: " ") == "The gate's county data is out of date: ask the staff")
        for line in zh + en { #expect(font.width(line, size: 40) <= 300) }
        // A word longer than the line is broken rather than overflowing.
        let long = renderer.wrap(String(repeating: "W", count: 40), size: 40, maxWidth: 200)
        #expect(long.count > 1 && long.allSatisfy { font.width($0, size: 40) <= 200 })
    }

    @Test func aFontWithoutChineseGlyphsIsRefused() throws {
        let latinOnly = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
        try #require(ScreenFixture.exists(latinOnly))
        #expect(throws: ScreenError.self) { try FontFace(path: latinOnly) }
        #expect(throws: ScreenError.self) { try FontFace(path: "/nonexistent/font.ttc") }
    }
}
