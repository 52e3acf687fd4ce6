import Foundation
import GateCore
import GateVoice
import Testing

/// A 16-bit PCM WAV file's bytes, as espeak-ng writes them.
func wavBytes(rate: Int, channels: Int, samples: [Int16], extraChunk: Bool = false) -> [UInt8] {
    func le32(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF), UInt8((v >> 16) & 0xFF), UInt8((v >> 24) & 0xFF)] }
    func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF)] }
    let data = samples.flatMap { le16(Int(UInt16(bitPattern: $0))) }
    let fmt = le16(1) + le16(channels) + le32(rate) + le32(rate * channels * 2) + le16(channels * 2) + le16(16)
    let list: [UInt8] = extraChunk ? Array("LIST".utf8) + le32(3) + [1, 2, 3, 0] : []
    let body = Array("WAVE".utf8) + Array("fmt ".utf8) + le32(16) + fmt + list + Array("data".utf8) + le32(data.count) + data
    return Array("RIFF".utf8) + le32(body.count) + body
}

@Suite struct VoiceTests {
    @Test func wavClipsParseAndScale() throws {
        let clip = try WAVClip.parse(wavBytes(rate: 22050, channels: 1, samples: [0, 1000, -1000, 32767], extraChunk: true))
        #expect(clip.sampleRate == 22050 && clip.channels == 1 && clip.samples == [0, 1000, -1000, 32767])
        #expect(clip.scaled(percent: 50).samples == [0, 500, -500, 16383])
        #expect(throws: WAVClip.FormatError.self) { try WAVClip.parse(Array("RIFF0000WAVE".utf8)) }
        #expect(throws: WAVClip.FormatError.self) { try WAVClip.parse([1, 2, 3]) }
    }

    @Test func quietHoursMayWrapMidnightAndMuteSilencesEverything() {
        let refusal = Announcement(signal: .refused, reasons: [.redCode])
        let night = VoicePolicy(language: .both, quietFromMinute: 22 * 60, quietUntilMinute: 7 * 60)
        #expect(night.clips(for: refusal, minuteOfDay: 23 * 60).isEmpty)
        #expect(night.clips(for: refusal, minuteOfDay: 6 * 60 + 59).isEmpty)
        #expect(night.clips(for: refusal, minuteOfDay: 7 * 60) == ["zh/reason-red_code", "zh/signal-refused", "en/reason-red_code", "en/signal-refused"])
        let day = VoicePolicy(language: .en, quietFromMinute: 12 * 60, quietUntilMinute: 13 * 60)
        #expect(day.clips(for: refusal, minuteOfDay: 12 * 60 + 30).isEmpty)
        #expect(day.clips(for: refusal, minuteOfDay: 11 * 60) == ["en/reason-red_code", "en/signal-refused"])
        #expect(VoicePolicy(mute: true).clips(for: refusal, minuteOfDay: 600).isEmpty)
        #expect(VoicePolicy(volumePercent: 0).clips(for: refusal, minuteOfDay: 600).isEmpty)
    }

    /// Real libasound: a PCM name that does not exist. The prompt is queued at once and the failure comes
    /// back as a fault for the log, never a wait or a stop.
    @Test func aMissingSoundCardIsAFaultNotAStop() throws {
        let directory = NSTemporaryDirectory() + "healthgate voice \(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory + "/en", withIntermediateDirectories: true)
        let tone = (0..<4410).map { Int16(8000 * sin(Double($0) * 2 * .pi * 440 / 22050)) }
        FileManager.default.createFile(atPath: directory + "/en/signal-admitted.wav",
                                       contents: Data(wavBytes(rate: 22050, channels: 1, samples: tone)))
        let voice = AlsaVoice(device: "hw:CARD=NoSuchCard,DEV=0", clipsDirectory: directory, policy: VoicePolicy(language: .en))
        defer { voice.stop() }
        let started = Date()
        voice.announce(Announcement(signal: .admitted))
        #expect(Date().timeIntervalSince(started) < 0.05)  // queued, not played here
        var fault: String?
        for _ in 0..<200 where fault == nil {
            fault = voice.takeFault()
            if fault == nil { Thread.sleep(forTimeInterval: 0.01) }
        }
        #expect(fault?.contains("hw:CARD=NoSuchCard") == true, "\(fault ?? "no fault")")
        // A missing clip is reported too, by file.
        voice.announce(Announcement(signal: .refused, reasons: [.redCode]))
        #expect(voice.takeFault()?.contains("reason-red_code.wav: missing clip") == true)
    }
}
