/// What the gate shows a visitor. The outputs adapter maps each signal to lamps (docs/decisions.md),
/// so the controller never names a GPIO line.
public enum Signal: String, Sendable, CaseIterable, Codable {
    case ready
    /// Code accepted, temperature being taken (or re-taken).
    case measuring
    case admitted
    /// Admitted, with the vaccination prompt (双码联查 in prompt mode).
    case admittedPrompt = "admitted_prompt"
    /// Refused: red code, fever, forged, expired, replayed, unreadable…
    case refused
    /// Refused because the code is yellow.
    case refusedYellow = "refused_yellow"
    case capacityFull = "capacity_full"
    /// 预检分诊: fever at a hospital, go to the fever clinic.
    case feverClinic = "fever_clinic"
    case fault
    /// Fire alarm: gate held open.
    case emergencyOpen = "emergency_open"
}

public enum BuzzerPattern: String, Sendable, CaseIterable, Codable {
    case silent
    /// One short beep.
    case admit
    /// Two short beeps.
    case prompt
    /// One long beep.
    case refuse
    /// Three short beeps.
    case capacityFull = "capacity_full"
    /// Long-short-long.
    case feverClinic = "fever_clinic"
    /// Continuous pulses until the alarm clears.
    case alarm
}

/// Commands the controller returns. The daemon executes them in order; a `.log` is committed
/// before anything after it in the same batch runs, so a row exists before the relay opens.
public enum GateCommand: Sendable, Equatable {
    case log(EntryRecord)
    /// Read the thermometer now and feed the result back as `.temperature`.
    case measureTemperature
    /// Energise the relay for this long, then release it.
    case pulseRelay(milliseconds: Int)
    /// Hold the relay energised (true) until told otherwise (fire alarm).
    case holdRelay(Bool)
    case indicate(Signal)
    case buzz(BuzzerPattern)
}

/// Devices whose failure puts the gate in `fault`.
public enum FaultSource: String, Sendable, CaseIterable, Codable, Comparable {
    case camera, thermometer, gpio, clock, log
    public static func < (a: FaultSource, b: FaultSource) -> Bool { a.rawValue < b.rawValue }
}

/// Inputs to the controller.
public enum GateEvent: Sendable, Equatable {
    /// A new code was presented (after verification and the anti-passback check).
    case codePresented(CodeVerdict, replayed: Bool)
    case temperature(TemperatureSample)
    case exitCounted
    case fireAlarm(active: Bool)
    /// Staff admitted one person: the button (`by: "button"`) or `gatectl open` (the SSH user).
    case staffOverride(by: String, reason: String)
    case deviceFault(FaultSource, String)
    case deviceRecovered(FaultSource)
    /// The `.log` command at the head of the last batch could not be committed; the rest of that
    /// batch was not executed.
    case logFailed(EntryRecord, String)
    /// The daily occupancy reset time passed.
    case occupancyReset
    /// Time passed; the controller releases holds and runs re-measurements.
    case tick
    /// The daemon starts or stops (logged as event rows).
    case started(String)
    case stopping
}
