import ArgumentParser
import GateCore

/// `healthgate-dev voice-texts`: every voice clip the gate may play and its words, one `NAME<TAB>TEXT` a line,
/// for scripts/make-voice-clips.sh to speak with espeak-ng (or a venue to record).
struct VoiceTextsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "voice-texts",
        abstract: "List the voice clips (name and words) for one language: zh or en.")

    @Option(help: "zh or en.")
    var language: String

    func run() throws {
        guard let language = VisitorLanguage(rawValue: language), language != .both else {
            throw fail("--language must be zh or en (got \"\(self.language)\")")
        }
        for clip in VisitorWords.allClips(language) { print("\(clip.name)\t\(clip.text)") }
    }
}
