import GateCore
import Testing
@testable import GateConfig

@Suite struct VisitorOutputsConfigTests {
    let simulated = simulatedBoardConfig

    func errors(_ text: String) -> [String] { configErrors(simulated + text) }

    @Test func screenAndVoiceAreOffByDefault() throws {
        let configuration = try ConfigLoader.parse(text: simulated, file: "test.toml")
        #expect(configuration.screen == ScreenConfiguration())
        #expect(!configuration.screen.enabled && !configuration.voice.enabled)
        #expect(configuration.screen.font == "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
    }

    @Test func everyKeyIsRead() throws {
        let configuration = try ConfigLoader.parse(text: simulated + """
            [screen]
            enabled = true
            device = "/dev/fb1"
            language = "en"
            font = "/opt/fonts/noto.ttc"
            png_dir = "/tmp/screens"
            width = 1024
            height = 600
            [voice]
            enabled = true
            device = "hw:1,0"
            clips_dir = "/srv/voice"
            language = "zh"
            volume = 55
            mute = true
            quiet_hours = "22:30-07:00"
            """, file: "test.toml")
        let screen = configuration.screen, voice = configuration.voice
        #expect(screen.enabled && screen.device == "/dev/fb1" && screen.language == .en && screen.font == "/opt/fonts/noto.ttc")
        #expect(screen.pngDirectory == "/tmp/screens" && screen.width == 1024 && screen.height == 600)
        #expect(voice.enabled && voice.device == "hw:1,0" && voice.clipsDirectory == "/srv/voice" && voice.language == .zh)
        #expect(voice.volumePercent == 55 && voice.mute)
        #expect(voice.quietFromMinute == 22 * 60 + 30 && voice.quietUntilMinute == 7 * 60)
    }

    @Test func badValuesNameTheFileLineAndKey() {
        let found = errors("""
            [screen]
            language = "fr"
            width = 10
            [voice]
            volume = 120
            quiet_hours = "22:00-7:00"
            """)
        #expect(found.contains { $0.hasPrefix("test.toml:6: screen.language:") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("test.toml:7: screen.width:") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("test.toml:9: voice.volume:") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("test.toml:10: voice.quiet_hours:") && $0.contains("HH:MM-HH:MM") }, "\(found)")
        #expect(errors("[voice]\nquiet_hours = \"07:00-07:00\"\n").count == 1)
        #expect(errors("[screen]\nfont = \"\"\n").count == 1)
        #expect(errors("[screen]\ncolour = \"red\"\n").contains { $0.contains("screen.colour") })
    }
}
