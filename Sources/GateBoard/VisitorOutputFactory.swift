import GateConfig
import GateCore
import GateHardware
import GateScreen
import GateVoice

extension BoardFactory {
    /// The screen and the speaker `[screen]` and `[voice]` enable: the framebuffer and ALSA on a real board,
    /// PNG files and the transcript on the simulated one. An output that cannot be made (no font, an
    /// unwritable PNG directory) is left out and its problem returned for the log: the gate runs without it.
    public static func visitorOutputs(screen: ScreenConfiguration, voice: VoiceConfiguration, simulated: Bool,
                                      echo: (@Sendable (String) -> Void)? = nil) -> (outputs: [VisitorOutput], problems: [String]) {
        var outputs: [VisitorOutput] = []
        var problems: [String] = []
        if screen.enabled {
            do {
                let renderer = ScreenRenderer(font: try FontFace(path: screen.font), language: screen.language)
                if simulated {
                    guard !screen.pngDirectory.isEmpty else { throw ScreenError("screen.png_dir is empty: the simulated board writes its screens there") }
                    outputs.append(try PNGScreen(directory: screen.pngDirectory, renderer: renderer,
                                                 width: screen.width, height: screen.height, printer: echo))
                } else {
                    outputs.append(FramebufferScreen(device: screen.device, renderer: renderer))
                }
            } catch {
                problems.append("screen: \(error)")
            }
        }
        if voice.enabled {
            let policy = VoicePolicy(language: voice.language, volumePercent: voice.volumePercent, mute: voice.mute,
                                     quietFromMinute: voice.quietFromMinute, quietUntilMinute: voice.quietUntilMinute)
            if simulated {
                outputs.append(TranscriptVoice(policy: policy, printer: echo))
            } else {
                outputs.append(AlsaVoice(device: voice.device, clipsDirectory: voice.clipsDirectory, policy: policy))
            }
        }
        return (outputs, problems)
    }
}
