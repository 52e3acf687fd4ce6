import GateCore
import GateHardware

/// Turns the controller's signals, buzzer patterns and relay commands into line levels over time:
/// blinking lamps, beep sequences and the relay pulse's release. The lamp table is in
/// docs/decisions.md; keep the two in step.
final class Actuator {
    private enum Lamp { case off, on, blink }

    private let io: GateIO
    /// The screen and the speaker: they queue or draw and return at once.
    private let visitorOutputs: [VisitorOutput]
    private var lamps: [OutputLine: Lamp] = [:]
    private var relayReleaseAt: Double?
    private var relayHeld = false
    /// Remaining buzzer steps: (sound on?, until).
    private var buzzerSteps: [(on: Bool, milliseconds: Int)] = []
    private var buzzerStepEndsAt: Double = 0
    private var buzzerRepeats = false
    private var buzzerPattern: [(on: Bool, milliseconds: Int)] = []
    /// The first line that could not be driven since the last `takeFault()`. Kept, not reported on the spot:
    /// the executor hands it to the controller after the batch, so a fault never re-enters the batch running.
    private var fault: DeviceError?

    static let blinkPeriod = 0.5

    init(io: GateIO, visitorOutputs: [VisitorOutput] = []) {
        self.io = io
        self.visitorOutputs = visitorOutputs
    }

    func execute(_ command: GateCommand, now: Double) {
        switch command {
        case .pulseRelay(let milliseconds):
            drive(.relay, true)
            if !relayHeld { relayReleaseAt = now + Double(milliseconds) / 1000 }
        case .holdRelay(let held):
            relayHeld = held
            relayReleaseAt = nil
            drive(.relay, held)
        case .indicate(let signal):
            lamps = Self.lamps(for: signal)
            updateLamps(now: now)
        case .announce(let announcement):
            for output in visitorOutputs { output.announce(announcement) }
        case .buzz(let pattern):
            startBuzzer(pattern, now: now)
        case .log, .bufferUnwritten, .verifyCode, .measureTemperature:
            break  // not outputs: the pipeline handles them
        }
    }

    /// Advances blinking, beeping and the relay pulse. Called every loop iteration.
    func tick(now: Double) {
        if let release = relayReleaseAt, now >= release {
            relayReleaseAt = nil
            if !relayHeld { drive(.relay, false) }
        }
        updateLamps(now: now)
        if !buzzerSteps.isEmpty && now >= buzzerStepEndsAt {
            buzzerSteps.removeFirst()
            if buzzerSteps.isEmpty && buzzerRepeats { buzzerSteps = buzzerPattern }
            applyBuzzerStep(now: now)
        }
    }

    /// The output fault since the last call, if any.
    func takeFault() -> DeviceError? {
        defer { fault = nil }
        return fault
    }

    /// Each visitor output's failure since the last call (device, message).
    func takeVisitorFaults() -> [(String, String)] {
        visitorOutputs.compactMap { output in output.takeFault().map { (output.path, $0) } }
    }

    /// Relay released, lamps and buzzer off.
    func safeState() {
        relayHeld = false
        relayReleaseAt = nil
        buzzerSteps = []
        lamps = [:]
        io.safeState()
    }

    private static func lamps(for signal: Signal) -> [OutputLine: Lamp] {
        switch signal {
        case .ready: return [:]
        case .measuring: return [.green: .blink]
        case .verifying: return [.green: .blink, .yellow: .blink]
        case .admitted: return [.green: .on]
        case .admittedPrompt: return [.green: .on, .yellow: .on]
        case .refused: return [.red: .on]
        case .refusedYellow: return [.yellow: .on]
        case .capacityFull: return [.yellow: .blink]
        case .feverClinic: return [.red: .blink, .yellow: .on]
        case .fault: return [.red: .blink]
        case .emergencyOpen: return [.green: .blink]
        }
    }

    private static func steps(for pattern: BuzzerPattern) -> (steps: [(on: Bool, milliseconds: Int)], repeats: Bool) {
        switch pattern {
        case .silent: return ([], false)
        case .admit: return ([(true, 120)], false)
        case .prompt: return ([(true, 120), (false, 120), (true, 120)], false)
        case .refuse: return ([(true, 600)], false)
        case .capacityFull: return ([(true, 120), (false, 120), (true, 120), (false, 120), (true, 120)], false)
        case .feverClinic: return ([(true, 500), (false, 150), (true, 150), (false, 150), (true, 500)], false)
        case .alarm: return ([(true, 300), (false, 300)], true)
        }
    }

    private func startBuzzer(_ pattern: BuzzerPattern, now: Double) {
        let (steps, repeats) = Self.steps(for: pattern)
        buzzerPattern = steps
        buzzerSteps = steps
        buzzerRepeats = repeats
        applyBuzzerStep(now: now)
    }

    private func applyBuzzerStep(now: Double) {
        guard let step = buzzerSteps.first else {
            drive(.buzzer, false)
            return
        }
        drive(.buzzer, step.on)
        buzzerStepEndsAt = now + Double(step.milliseconds) / 1000
    }

    private func updateLamps(now: Double) {
        let blinkOn = now.truncatingRemainder(dividingBy: Self.blinkPeriod) < Self.blinkPeriod / 2
        for line in [OutputLine.green, .yellow, .red] {
            switch lamps[line, default: .off] {
            case .off: drive(line, false)
            case .on: drive(line, true)
            case .blink: drive(line, blinkOn)
            }
        }
    }

    private func drive(_ line: OutputLine, _ active: Bool) {
        do {
            try io.set(line, active)
        } catch {
            if fault == nil { fault = error }
        }
    }
}
