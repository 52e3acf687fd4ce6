import ArgumentParser
import Foundation
import GateVoice

/// `healthgate-dev voice-check`: the VM suite's judgement of a loopback capture. snd-aloop at volume 100 is
/// bit-exact, so each expected clip must appear in the capture sample for sample, in the order given (other
/// speech may come between or after: a later announcement). Found by its first 256 loud samples, then
/// compared whole; at least 95 % of a clip's samples must match (an underrun under emulation may drop a few).
/// Prints one line per clip and the capture's RMS; exit 1 when a clip is missing.
struct VoiceCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "voice-check",
        abstract: "Check that a captured WAV holds the expected clips, in order (the VM suite).")

    @Option(help: "The captured WAV (16-bit PCM).") var captured: String
    @Argument(help: "The clips expected, in order.") var clips: [String]

    func run() throws {
        let capture = try load(captured)
        let samples = capture.samples
        let rms = (samples.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(max(1, samples.count))).squareRoot() / 32768
        var from = 0
        var missing = 0
        var lines: [String] = []
        for path in clips {
            let clip = try load(path)
            guard clip.sampleRate == capture.sampleRate, clip.channels == capture.channels else {
                throw fail("\(path): \(clip.sampleRate) Hz x\(clip.channels), the capture is \(capture.sampleRate) Hz x\(capture.channels)")
            }
            let name = URL(fileURLWithPath: path).deletingPathExtension().path.split(separator: "/").suffix(2).joined(separator: "/")
            guard let loud = clip.samples.firstIndex(where: { abs(Int($0)) > 500 }), clip.samples.count - loud >= 256 else {
                throw fail("\(path): no speech in the clip")
            }
            let probe = Array(clip.samples[loud..<loud + 256])
            var found: Int?
            var i = max(from, loud)
            while i + 256 <= samples.count {
                if samples[i] == probe[0] && samples[i..<i + 256].elementsEqual(probe) { found = i - loud; break }
                i += 1
            }
            guard let offset = found else {
                lines.append("\(name) not found")
                missing += 1
                continue
            }
            var same = 0
            for (j, value) in clip.samples.enumerated() where offset + j < samples.count && samples[offset + j] == value { same += 1 }
            let fraction = Double(same) / Double(clip.samples.count)
            lines.append(String(format: "%@ at %.2f s (%.0f%% of its samples)", name, Double(offset) / Double(capture.sampleRate), fraction * 100))
            if fraction < 0.95 { missing += 1 }
            from = offset + clip.samples.count
        }
        print(lines.joined(separator: ", ") + String(format: "; capture RMS %.3f", rms))
        if missing > 0 { throw ExitCode(1) }
    }

    private func load(_ path: String) throws -> WAVClip {
        guard let data = FileManager.default.contents(atPath: path) else { throw fail("\(path): cannot read") }
        do { return try WAVClip.parse([UInt8](data)) } catch { throw fail("\(path): \(error)") }
    }
}
