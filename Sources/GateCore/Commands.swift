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
    /// 正在核验: the code is being checked online (platform token, ID card), within the time budget.
    case verifying
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

/// Commands the controller returns. The executor runs them in order and answers each `.log` with
/// `.logCommitted` or `.logFailed`; an admission's relay command is only issued in answer to its
/// `.logCommitted` (or to the `.logFailed` that `admit_and_buffer` accepts), so a row exists before the relay opens.
public enum GateCommand: Sendable, Equatable {
    case log(EntryRecord)
    /// Keep this uncommitted row in memory and write it, in order, once the log works (`admit_and_buffer`).
    case bufferUnwritten(EntryRecord)
    /// Verify this payload and feed the verdict back as `.codePresented`.
    case verifyCode([UInt8])
    /// Read the thermometer now and feed the raw reading back as `.temperatureRead` (or `.temperatureFailed`).
    case measureTemperature
    /// Energise the relay for this long, then release it.
    case pulseRelay(milliseconds: Int)
    /// Hold the relay energised (true) until told otherwise (fire alarm).
    case holdRelay(Bool)
    case indicate(Signal)
    /// What the screen shows and the voice says; always right after the `.indicate` it explains.
    case announce(Announcement)
    case buzz(BuzzerPattern)
}

/// Devices whose failure puts the gate in `fault`.
public enum FaultSource: String, Sendable, CaseIterable, Codable, Comparable {
    case camera, thermometer, gpio, clock, log
    /// The county's signed bundle is stale (or none was ever applied) under the `refuse` policy.
    case trust
    public static func < (a: FaultSource, b: FaultSource) -> Bool { a.rawValue < b.rawValue }
}

/// Inputs to the controller.
public enum GateEvent: Sendable, Equatable {
    /// The scanner read this payload in a frame (every frame it is in view). The controller decides whether it
    /// is a new presentation to verify (`.verifyCode`).
    case codeRead([UInt8])
    /// The verdict on a presentation the controller asked to verify. Anti-passback is the controller's.
    case codePresented(CodeVerdict)
    /// The thermometer's object temperature, before calibration (the controller applies the body model).
    case temperatureRead(objectCelsius: Double)
    /// The thermometer could not be read; the text names bus and address.
    case temperatureFailed(String)
    case exitCounted
    case fireAlarm(active: Bool)
    /// Staff admitted one person: the button (`by: "button"`) or `gatectl open` (the SSH user).
    case staffOverride(by: String, reason: String)
    case deviceFault(FaultSource, String)
    case deviceRecovered(FaultSource)
    /// A `.log` row is durably committed.
    case logCommitted(EntryRecord)
    /// A `.log` row could not be committed (the rest of its batch was executed: nothing in a batch depends on
    /// an earlier row except an admission's relay, which waits for this answer).
    case logFailed(EntryRecord, String)
    /// The daemon applied a new configuration (after `update(settings:)`), logged as an event row.
    case configurationReloaded
    /// The daemon applied a signed county bundle (docs/codes.md, "Bundles"): logged as a `bundle_applied` row,
    /// and its venue-rule overrides replace the previous bundle's on top of the configured rules.
    case bundleApplied(version: Int, digest: String, overrides: RuleOverrides)
    /// A bundle in the spool was refused (bad signature, not newer, malformed): logged as `bundle_refused`.
    case bundleRefused(String)
    /// The daily occupancy reset time passed.
    case occupancyReset
    /// The executor started an online lookup for the presentation just asked about (`.verifyCode`): the
    /// controller waits in `verifying` for its `.codePresented` until `platform.budget_ms` has passed. The verdict
    /// holds what is known offline (format, fingerprint) and no credential.
    case verificationPending(CodeVerdict)
    /// The platform's verdict on the lookup being waited for (`verifying`); dropped when it is not that lookup's.
    case platformAnswered(CodeVerdict)
    /// The platform could not answer (connection refused, 5xx, malformed, budget exceeded); `fingerprint` names
    /// the lookup that failed (nil: a background probe). Logged as `platform_unavailable` when it was available.
    case platformUnavailable(fingerprint: String?, reason: String)
    /// The platform answered (a lookup or a probe): logged as `platform_recovered` when it was unavailable.
    case platformAvailable
    /// Time passed; the controller releases holds and runs re-measurements.
    case tick
    /// The daemon starts or stops (logged as event rows).
    case started(String)
    case stopping
}
