import CAlsa
import GateCore
import GateHardware
import Foundation  // Thread and NSCondition: the playback thread
#if canImport(Glibc)
import Glibc
#endif

/// When the voice speaks and how loud: the `[voice]` keys the outputs need (GateVoice does not read config).
public struct VoicePolicy: Sendable, Equatable {
    public var language: VisitorLanguage
    public var volumePercent: Int
    public var mute: Bool
    /// Local minutes after midnight; a range may wrap midnight.
    public var quietFromMinute: Int?
    public var quietUntilMinute: Int?

    public init(language: VisitorLanguage = .both, volumePercent: Int = 80, mute: Bool = false,
                quietFromMinute: Int? = nil, quietUntilMinute: Int? = nil) {
        self.language = language
        self.volumePercent = volumePercent
        self.mute = mute
        self.quietFromMinute = quietFromMinute
        self.quietUntilMinute = quietUntilMinute
    }

    public func isQuiet(minuteOfDay: Int) -> Bool {
        guard let from = quietFromMinute, let until = quietUntilMinute, from != until else { return false }
        return from < until ? (minuteOfDay >= from && minuteOfDay < until) : (minuteOfDay >= from || minuteOfDay < until)
    }

    /// The clip files to play for an announcement now (`zh/NAME`), none when muted or in quiet hours.
    public func clips(for announcement: Announcement, minuteOfDay: Int) -> [String] {
        guard !mute, volumePercent > 0, !isQuiet(minuteOfDay: minuteOfDay) else { return [] }
        let names = VisitorWords.clips(announcement)
        return language.languages.flatMap { language in names.map { "\(language.rawValue)/\($0)" } }
    }
}

/// Minutes after local midnight now (for the quiet hours).
public func localMinuteOfDay() -> Int {
    var seconds = time(nil)
    var parts = tm()
    localtime_r(&seconds, &parts)
    return Int(parts.tm_hour) * 60 + Int(parts.tm_min)
}

/// Spoken prompts through ALSA. `announce` only queues: a thread of its own opens the PCM, plays and
/// closes it, so the hot path never waits on audio. A newer announcement replaces clips not yet started
/// (the visitor needs the latest decision, not a backlog). A missing card or clip is a fault for the log,
/// reported once, and retried with the next prompt; the gate never stops for it.
public final class AlsaVoice: VisitorOutput, @unchecked Sendable {
    public var path: String { "alsa:\(device)" }
    public let device: String
    private let clipsDirectory: String
    private let policy: VoicePolicy
    private let minuteOfDay: () -> Int
    // Guarded by `condition`.
    private let condition = NSCondition()
    private var queue: [WAVClip] = []
    private var fault: String?
    private var lastFault: String?
    private var stopping = false
    private var thread: Thread?
    /// Loaded (and volume-scaled) clips by name; only the loop thread's `announce` touches it.
    private var clips: [String: WAVClip] = [:]
    /// Clips played to the end (tests and the VM suite read it to know playback happened).
    public var played: Int {
        condition.lock()
        defer { condition.unlock() }
        return playedCount
    }
    private var playedCount = 0

    public init(device: String, clipsDirectory: String, policy: VoicePolicy, minuteOfDay: @escaping () -> Int = localMinuteOfDay) {
        self.device = device
        self.clipsDirectory = clipsDirectory
        self.policy = policy
        self.minuteOfDay = minuteOfDay
        let thread = Thread { [weak self] in self?.run() }
        thread.name = "healthgate-voice"
        self.thread = thread
        thread.start()
    }

    deinit { stop() }

    public func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    public func announce(_ announcement: Announcement) {
        let names = policy.clips(for: announcement, minuteOfDay: minuteOfDay())
        guard !names.isEmpty else { return }
        condition.lock()
        // The same prompt again while it is being spoken (a visitor showing the refused code once more) is not
        // restarted mid-sentence: it is already being said.
        let repeating = names == currentPrompt && (busy || !queue.isEmpty)
        if !repeating { currentPrompt = names }
        condition.unlock()
        guard !repeating else { return }
        var loaded: [WAVClip] = []
        for name in names {
            if let clip = clips[name] { loaded.append(clip); continue }
            let file = clipsDirectory + "/" + name + ".wav"
            guard let data = FileManager.default.contents(atPath: file) else { report("\(file): missing clip"); continue }
            do {
                let clip = try WAVClip.parse([UInt8](data)).scaled(percent: policy.volumePercent)
                clips[name] = clip
                loaded.append(clip)
            } catch {
                report("\(file): \(error.description)")
            }
        }
        condition.lock()
        queue = loaded
        condition.signal()
        condition.unlock()
    }

    public func takeFault() -> String? {
        condition.lock()
        defer { fault = nil; condition.unlock() }
        return fault
    }

    /// Nothing waiting or playing.
    public var isIdle: Bool {
        condition.lock()
        defer { condition.unlock() }
        return queue.isEmpty && !busy
    }
    private var busy = false
    /// The clip names of the prompt queued or playing (guarded by `condition`).
    private var currentPrompt: [String] = []

    private func report(_ message: String) {
        condition.lock()
        // The first problem since the last `takeFault()` is kept; a repeat of the last one is not news.
        if fault == nil && message != lastFault { fault = message }
        lastFault = message
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            while queue.isEmpty && !stopping { condition.wait() }
            if stopping { condition.unlock(); return }
            let clip = queue.removeFirst()
            busy = true
            condition.unlock()
            let failure = play(clip)
            condition.lock()
            busy = false
            if let failure {
                if fault == nil && failure != lastFault { fault = failure }
                lastFault = failure
            } else {
                lastFault = nil
                playedCount += 1
            }
            condition.unlock()
        }
    }

    /// Opens the PCM for this clip's format, writes it and drains: the device is held only while speaking,
    /// so another program (or a card plugged in later) is never locked out.
    private func play(_ clip: WAVClip) -> String? {
        var pcm: OpaquePointer?
        var status = snd_pcm_open(&pcm, device, SND_PCM_STREAM_PLAYBACK, 0)
        guard status >= 0, let pcm else { return "alsa \(device): cannot open: \(String(cString: snd_strerror(status)))" }
        defer { snd_pcm_close(pcm) }
        status = snd_pcm_set_params(pcm, SND_PCM_FORMAT_S16_LE, SND_PCM_ACCESS_RW_INTERLEAVED,
                                    UInt32(clip.channels), UInt32(clip.sampleRate), 1, 200_000)
        guard status >= 0 else { return "alsa \(device): \(clip.channels) ch at \(clip.sampleRate) Hz refused: \(String(cString: snd_strerror(status)))" }
        let frames = clip.samples.count / clip.channels
        var written = 0
        let result: String? = clip.samples.withUnsafeBufferPointer { samples in
            while written < frames {
                let n = snd_pcm_writei(pcm, samples.baseAddress! + written * clip.channels, snd_pcm_uframes_t(frames - written))
                if n < 0 {
                    // An underrun (or a suspend) is recovered and the write retried; anything else ends the clip.
                    if snd_pcm_recover(pcm, Int32(n), 1) < 0 { return "alsa \(device): write failed: \(String(cString: snd_strerror(Int32(n))))" }
                    continue
                }
                written += Int(n)
            }
            return nil
        }
        if result == nil { snd_pcm_drain(pcm) }
        return result
    }
}

/// The simulated board's voice: each prompt's clip names go to the transcript (`voice zh/signal-admitted …`),
/// with the same mute and quiet hours as the real one.
public final class TranscriptVoice: VisitorOutput {
    public var path: String { "transcript" }
    private let policy: VoicePolicy
    private let printer: (@Sendable (String) -> Void)?
    private let minuteOfDay: () -> Int
    public private(set) var spoken: [[String]] = []

    public init(policy: VoicePolicy, printer: (@Sendable (String) -> Void)?, minuteOfDay: @escaping () -> Int = localMinuteOfDay) {
        self.policy = policy
        self.printer = printer
        self.minuteOfDay = minuteOfDay
    }

    public func announce(_ announcement: Announcement) {
        let names = policy.clips(for: announcement, minuteOfDay: minuteOfDay())
        guard !names.isEmpty else { return }
        spoken.append(names)
        printer?("voice " + names.joined(separator: " "))
    }

    public func takeFault() -> String? { nil }
}
