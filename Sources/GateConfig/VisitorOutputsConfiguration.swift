import GateCore

/// `[screen]`: the visitor's screen, a Linux framebuffer on a real board, PNG files on the simulated one.
public struct ScreenConfiguration: Sendable, Equatable {
    public var enabled = false
    /// The framebuffer device (a real board).
    public var device = "/dev/fb0"
    public var language: VisitorLanguage = .both
    /// A TrueType/OpenType font (collection) with CJK glyphs.
    public var font = ScreenConfiguration.defaultFont
    /// Simulated board: each screen is written here as a PNG (required when the screen is enabled there).
    public var pngDirectory = ""
    /// Simulated board: the panel's size (a framebuffer reports its own).
    public var width = 800
    public var height = 480

    public static let defaultFont = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
    public init() {}
}

/// `[voice]`: spoken prompts through ALSA (a real board) or the transcript (the simulated board).
public struct VoiceConfiguration: Sendable, Equatable {
    public var enabled = false
    /// The ALSA PCM to play on.
    public var device = "default"
    /// Holds `zh/NAME.wav` and `en/NAME.wav` (`healthgate-dev voice clips` writes them; a venue may supply its own).
    public var clipsDirectory = "/usr/share/healthgate/voice"
    public var language: VisitorLanguage = .both
    /// 0…100, applied to the samples.
    public var volumePercent = 80
    public var mute = false
    /// Local minutes after midnight; nil = never quiet. A range may wrap midnight (22:00-07:00).
    public var quietFromMinute: Int?
    public var quietUntilMinute: Int?

    public init() {}
}

extension ConfigLoader {
    static func readScreen(_ r: ConfigReader) -> ScreenConfiguration {
        var screen = ScreenConfiguration()
        screen.enabled = r.bool("screen.enabled", default: screen.enabled)
        screen.device = r.string("screen.device", default: screen.device)
        screen.language = r.oneOf("screen.language", default: screen.language)
        screen.font = r.string("screen.font", default: screen.font)
        if screen.font.isEmpty { r.fail("screen.font", "must be a font file with Chinese glyphs") }
        screen.pngDirectory = r.string("screen.png_dir", default: screen.pngDirectory)
        screen.width = r.int("screen.width", default: screen.width, range: 320...7680)
        screen.height = r.int("screen.height", default: screen.height, range: 240...4320)
        return screen
    }

    static func readVoice(_ r: ConfigReader) -> VoiceConfiguration {
        var voice = VoiceConfiguration()
        voice.enabled = r.bool("voice.enabled", default: voice.enabled)
        voice.device = r.string("voice.device", default: voice.device)
        voice.clipsDirectory = r.string("voice.clips_dir", default: voice.clipsDirectory)
        voice.language = r.oneOf("voice.language", default: voice.language)
        voice.volumePercent = r.int("voice.volume", default: voice.volumePercent, range: 0...100)
        voice.mute = r.bool("voice.mute", default: voice.mute)
        let quiet = r.string("voice.quiet_hours", default: "")
        if !quiet.isEmpty {
            let ends = quiet.split(separator: "-", omittingEmptySubsequences: false).map { minuteOfDay(String($0)) }
            if ends.count == 2, let from = ends[0], let until = ends[1], from != until {
                voice.quietFromMinute = from
                voice.quietUntilMinute = until
            } else {
                r.fail("voice.quiet_hours", "expected local times \"HH:MM-HH:MM\", e.g. \"22:00-07:00\" (got \"\(quiet)\")")
            }
        }
        return voice
    }

    /// "HH:MM" → minutes after midnight.
    private static func minuteOfDay(_ text: String) -> Int? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2,
              let hour = Int(parts[0]), let minute = Int(parts[1]), (0...23).contains(hour), (0...59).contains(minute)
        else { return nil }
        return hour * 60 + minute
    }
}
