/// Timings and rules the controller runs with. Durations in milliseconds.
public struct ControllerSettings: Sendable, Equatable {
    public var rules: VenueRules
    public var relayPulseMilliseconds: Int
    /// How long the admitted signal stays before the gate is ready again (at least the pulse).
    public var admittedHoldMilliseconds: Int
    /// How long a refusal is shown.
    public var refusedHoldMilliseconds: Int
    /// Delay before the one re-measurement after a fever or a no-person reading.
    public var remeasureDelayMilliseconds: Int
    /// What an entry-log failure does to the decision (the refusing default loses no admission record).
    public var logFailurePolicy: LogFailurePolicy
    /// Calibration of the thermometer: raw object readings become body temperatures here, next to the threshold.
    public var temperatureModel: BodyTemperatureModel
    /// Anti-passback: the same code admitted again within this window is refused `replayed`.
    public var replayWindowSeconds: Int
    /// A code held in view for many frames is one presentation; it counts again after this long out of view.
    public var presentationAbsenceMilliseconds: Int

    /// The time budget of an online (platform) verification: past it, `platformUnavailablePolicy` decides.
    public var platformBudgetMilliseconds: Int = 1500
    public var platformUnavailablePolicy: PlatformUnavailablePolicy = .refuse

    public enum LogFailurePolicy: String, Sendable, CaseIterable {
        /// Refuse everyone while the log cannot be written (a row always exists before the relay opens).
        case refuse
        /// Admit and keep the rows in memory until the log can be written again.
        case admitAndBuffer = "admit_and_buffer"
    }

    public init(rules: VenueRules = VenueRules(), relayPulseMilliseconds: Int = 1500, admittedHoldMilliseconds: Int = 2000,
                refusedHoldMilliseconds: Int = 2500, remeasureDelayMilliseconds: Int = 2000,
                logFailurePolicy: LogFailurePolicy = .refuse, temperatureModel: BodyTemperatureModel = BodyTemperatureModel(),
                replayWindowSeconds: Int = 600, presentationAbsenceMilliseconds: Int = 1500) {
        self.rules = rules
        self.relayPulseMilliseconds = relayPulseMilliseconds
        self.admittedHoldMilliseconds = max(admittedHoldMilliseconds, relayPulseMilliseconds)
        self.refusedHoldMilliseconds = refusedHoldMilliseconds
        self.remeasureDelayMilliseconds = remeasureDelayMilliseconds
        self.logFailurePolicy = logFailurePolicy
        self.temperatureModel = temperatureModel
        self.replayWindowSeconds = replayWindowSeconds
        self.presentationAbsenceMilliseconds = presentationAbsenceMilliseconds
    }
}

/// `[platform] on_unavailable`: what the gate does while the health-code platform cannot answer.
public enum PlatformUnavailablePolicy: String, Sendable, CaseIterable {
    /// Refuse every code, offline-signed ones too: the venue's orders require the platform's live answer.
    case refuse
    /// Refuse platform tokens with `platform_unavailable`; codes verified offline (HG1, HC1) still pass.
    case offlineCodesOnly = "offline_codes_only"
    /// 实名登记: admit a platform token on a normal temperature (and capacity), the row marked `unverified`
    /// with the token's fingerprint for later checking; offline codes pass as usual.
    case registerAndAdmit = "register_and_admit"
}

public enum GateState: String, Sendable, Equatable, Codable {
    case ready, measuring, admitted, refused, fault
    /// A platform token is being checked online, within the time budget (the frame loop keeps running).
    case verifying
    case emergencyOpen = "emergency_open"
    /// Never a controller state: the status file's last word once the daemon has stopped.
    case stopped
}

/// The gate as a state machine with no I/O: events in, commands out, one log record per attempt.
/// Every decision is here: which code reads are presentations, anti-passback, the body-temperature model,
/// the rules, what an entry-log failure does. Time arrives with every event (`clock`), so tests run it on a
/// virtual clock.
public struct GateController: Sendable {
    public private(set) var settings: ControllerSettings
    public private(set) var state: GateState = .ready
    public private(set) var occupancy: Int
    public private(set) var faults: [FaultSource: String] = [:]
    public private(set) var fireAlarm = false
    /// The last decision about a person (for the status file).
    public private(set) var lastDecision: GateStatus.LastDecision?
    /// That decision's row, for the announcement's details (masked name, temperature…).
    private var lastDecisionRow: EntryRecord?

    /// The attempt being measured.
    private struct PendingAttempt: Sendable {
        var verdict: CodeVerdict
        var rules: [RuleResult]
        var firstSample: TemperatureSample?
        /// Monotonic seconds (`ClockReading.monotonic`).
        var remeasureAt: Double?
        /// The row's detail when nothing more specific comes up (why a registered admission was not verified).
        var note: String? = nil
    }
    private var pending: PendingAttempt?
    /// When the admitted/refused hold ends, in monotonic seconds.
    private var holdUntil: Double?
    /// An admission (or override) whose row is not yet committed, and the actuation that waits for it.
    private var admissionAwaitingLog: (row: EntryRecord, actuation: [GateCommand])?
    private var replayGuard: ReplayGuard
    private var presentations: PresentationFilter
    /// The rules as configured; `settings.rules` is these with the applied bundle's overrides on top.
    private var configuredRules: VenueRules
    public private(set) var ruleOverrides = RuleOverrides()
    /// The online lookup being waited for (state `verifying`) and its deadline, in monotonic seconds.
    private var lookup: (verdict: CodeVerdict, deadline: Double)?
    /// Whether the platform answered last time it was asked; changes are `platform_unavailable` /
    /// `platform_recovered` rows. `platformProblem` is the last failure, for the status file.
    public private(set) var platformAvailable = true
    public private(set) var platformProblem: String?

    /// `recentAdmissions` (from the entry log) keeps anti-passback across a restart.
    public init(settings: ControllerSettings, occupancy: Int = 0,
                recentAdmissions: [(fingerprint: String, time: EpochSeconds)] = []) {
        self.settings = settings
        self.configuredRules = settings.rules
        self.occupancy = max(0, occupancy)
        replayGuard = ReplayGuard(windowSeconds: Double(settings.replayWindowSeconds))
        presentations = PresentationFilter(absenceSeconds: Double(settings.presentationAbsenceMilliseconds) / 1000)
        for admission in recentAdmissions { replayGuard.recordAdmission(admission.fingerprint, at: admission.time) }
    }

    /// New presentations are taken when nobody is being handled, and while a refusal is shown (no blind hold:
    /// the visitor who first showed the wrong app shows the right one at once).
    public var acceptsCodes: Bool { state == .ready || state == .fault || state == .refused }

    /// Applies new rules (config reload). The attempt in progress keeps its evaluation.
    public mutating func update(settings: ControllerSettings) {
        self.settings = settings
        configuredRules = settings.rules
        self.settings.rules = ruleOverrides.applied(to: configuredRules)
        replayGuard.windowSeconds = Double(settings.replayWindowSeconds)
        presentations.absenceSeconds = Double(settings.presentationAbsenceMilliseconds) / 1000
    }

    public mutating func handle(_ event: GateEvent, clock: ClockReading) -> [GateCommand] {
        // Two statements: `announced` must read the state `react` leaves, not a copy taken before it ran.
        let commands = react(event, clock: clock)
        return announced(commands)
    }

    /// Puts an `.announce` after every `.indicate`, so the screen and voice follow the lamps in one place.
    private func announced(_ commands: [GateCommand]) -> [GateCommand] {
        var result: [GateCommand] = []
        result.reserveCapacity(commands.count + 1)
        for command in commands {
            result.append(command)
            guard case .indicate(let signal) = command else { continue }
            result.append(.announce(Announcement.make(
                signal: signal, row: lastDecisionRow, reasons: lastDecision?.reasons ?? [], occupancy: occupancy,
                maximumOccupancy: settings.rules.maximumOccupancy, faults: Array(faults.keys))))
        }
        return result
    }

    private mutating func react(_ event: GateEvent, clock: ClockReading) -> [GateCommand] {
        let now = clock.now
        switch event {
        case .tick:
            return tick(clock: clock)

        case .codeRead(let payload):
            return codeRead(payload, now: clock.monotonic)

        case .codePresented(let verdict):
            guard acceptsCodes else { return [] }
            return presented(verdict, clock: clock)

        case .platformAnswered(let verdict):
            // Only the answer to the lookup being waited for; a late answer to an abandoned one is dropped.
            guard state == .verifying, let waiting = lookup, waiting.verdict.fingerprint == verdict.fingerprint else { return [] }
            lookup = nil
            // An ID card the platform refused still leaves its masked identity in the row (who tried to enter).
            var answered = verdict
            if answered.registration == nil { answered.registration = waiting.verdict.registration }
            return presented(answered, clock: clock)


        case .verificationPending(let verdict):
            guard acceptsCodes else { return [] }
            holdUntil = nil
            lookup = (verdict, clock.monotonic + Double(settings.platformBudgetMilliseconds) / 1000)
            state = .verifying
            return [.indicate(.verifying)]

        case .platformUnavailable(let fingerprint, let reason):
            var commands = platformChanged(available: false, reason: reason, clock: clock)
            if state == .verifying, let waiting = lookup, fingerprint == waiting.verdict.fingerprint {
                lookup = nil
                commands += platformFallback(waiting.verdict, clock: clock)
            }
            return commands

        case .platformAvailable:
            return platformChanged(available: true, reason: nil, clock: clock)
        case .temperatureRead(let objectCelsius):
            guard state == .measuring, var attempt = pending, attempt.remeasureAt == nil else { return [] }
            return temperatureTaken(settings.temperatureModel.sample(objectCelsius: objectCelsius), attempt: &attempt, clock: clock)

        case .temperatureFailed(let message):
            guard state == .measuring, var attempt = pending, attempt.remeasureAt == nil else { return [] }
            return temperatureTaken(.fault(message), attempt: &attempt, clock: clock)

        case .exitCounted:
            occupancy = max(0, occupancy - 1)
            return [.log(eventRecord("exit", clock: clock))]

        case .occupancyReset:
            occupancy = 0
            return [.log(eventRecord("occupancy_reset", clock: clock))]

        case .configurationReloaded:
            return [.log(eventRecord("config_reload", clock: clock))]

        case .bundleApplied(let version, let digest, let overrides):
            ruleOverrides = overrides
            settings.rules = overrides.applied(to: configuredRules)
            return [.log(eventRecord("bundle_applied", clock: clock, detail: "version \(version) sha256 \(digest)"))]

        case .bundleRefused(let reason):
            return [.log(eventRecord("bundle_refused", clock: clock, detail: reason))]

        case .fireAlarm(let active):
            guard active != fireAlarm else { return [] }
            fireAlarm = active
            if active {
                // The gate opens first; the row of an attempt it cuts short comes after.
                let interrupted = abandonPending("fire alarm", clock: clock)
                holdUntil = nil
                state = .emergencyOpen
                return [.log(eventRecord("fire_alarm_on", clock: clock)), .holdRelay(true),
                        .indicate(.emergencyOpen), .buzz(.alarm)] + interrupted
            }
            state = faults.isEmpty ? .ready : .fault
            return [.log(eventRecord("fire_alarm_off", clock: clock)), .holdRelay(false),
                    .indicate(idleSignal), .buzz(.silent)]

        case .staffOverride(let who, let why):
            if state == .emergencyOpen {
                return [.log(eventRecord("override_ignored", clock: clock, detail: "by \(who): \(why) (gate already open: fire alarm)"))]
            }
            let interrupted = abandonPending("staff override", clock: clock)
            occupancy += 1
            var record = eventRecord("override", clock: clock, detail: "by \(who): \(why)")
            record.kind = .attempt
            record.decision = .override
            record.occupancyAfter = occupancy
            state = .admitted
            holdUntil = clock.monotonic + Double(settings.admittedHoldMilliseconds) / 1000
            lastDecision = GateStatus.LastDecision(time: now, decision: .override, reasons: [])
            lastDecisionRow = record
            admissionAwaitingLog = (record, [.pulseRelay(milliseconds: settings.relayPulseMilliseconds),
                                             .indicate(.admitted), .buzz(.admit)])
            return interrupted + [.log(record)]

        case .deviceFault(let source, let message):
            let isNew = faults[source] == nil
            faults[source] = message
            var commands: [GateCommand] = isNew
                ? [.log(eventRecord("fault", clock: clock, detail: "\(source.rawValue): \(message)"))] : []
            if source == .thermometer, state == .measuring, var attempt = pending {
                // Never wait on a dead sensor: the attempt in progress is refused now, not when (if) a reading comes.
                attempt.rules.append(RuleResult("temperature", .fail, .sensorFault))
                return commands + decide(attempt, admitted: false, clock: clock, detail: message)
            }
            guard isNew else { return [] }
            if state == .ready {
                state = .fault
                commands.append(.indicate(.fault))
            }
            return commands

        case .deviceRecovered(let source):
            guard faults.removeValue(forKey: source) != nil else { return [] }
            var commands: [GateCommand] = [.log(eventRecord("recovered", clock: clock, detail: source.rawValue))]
            if state == .fault && faults.isEmpty {
                state = .ready
                commands.append(.indicate(.ready))
            }
            return commands

        case .logCommitted(let record):
            var commands = admitted(record)
            if faults.removeValue(forKey: .log) != nil {
                // A committed row is the write that proves the log works again.
                commands.append(.log(eventRecord("recovered", clock: clock, detail: FaultSource.log.rawValue)))
                if state == .fault && faults.isEmpty {
                    state = .ready
                    commands.append(.indicate(.ready))
                }
            }
            return commands

        case .logFailed(let record, let message):
            faults[.log] = message
            if settings.logFailurePolicy == .admitAndBuffer {
                // The row waits in memory and everything it stands for goes ahead.
                return [.bufferUnwritten(record)] + admitted(record)
            }
            // By default the decision stands only if its row exists: an admission without a row becomes a refusal.
            if let awaiting = admissionAwaitingLog, awaiting.row == record {
                admissionAwaitingLog = nil
                occupancy = max(0, occupancy - 1)
                lastDecision = GateStatus.LastDecision(time: now, decision: .refused, reasons: [.logFault])
                state = .refused
                holdUntil = clock.monotonic + Double(settings.refusedHoldMilliseconds) / 1000
                return [.indicate(.refused), .buzz(.refuse)]
            }
            // A refusal or an event without its row still happened (its batch ran on). An idle gate whose log
            // just failed is in fault.
            if state == .ready {
                state = .fault
                return [.indicate(.fault)]
            }
            return []

        case .started(let detail):
            return [.log(eventRecord("start", clock: clock, detail: detail)), .holdRelay(false), .indicate(idleSignal)]

        case .stopping:
            return abandonPending("stopping", clock: clock)
                + [.log(eventRecord("stop", clock: clock)), .holdRelay(false), .indicate(.ready), .buzz(.silent)]
        }
    }

    /// A verdict on a presentation (offline, cached or the platform's): the rules, then the measurement.
    private mutating func presented(_ verdict: CodeVerdict, clock: ClockReading) -> [GateCommand] {
        let now = clock.now
        holdUntil = nil
        let replayed = verdict.isValid && replayGuard.isReplay(verdict.fingerprint, now: now)
        var rules = CodePolicy.evaluate(verdict: verdict, replayed: replayed, rules: settings.rules,
                                        occupancy: occupancy, now: now)
        if !platformAvailable && settings.platformUnavailablePolicy == .refuse && verdict.format != .platform && verdict.format != .idCard {
            rules.append(RuleResult("platform", .fail, .platformUnavailable))
        }
        if rules.contains(where: { $0.outcome == .fail }) {
            return decide(PendingAttempt(verdict: verdict, rules: rules), admitted: false, clock: clock)
        }
        return beginMeasuring(PendingAttempt(verdict: verdict, rules: rules), clock: clock)
    }

    /// An attempt whose code passed: refused at once when a device it needs has failed, else measured.
    private mutating func beginMeasuring(_ attempt: PendingAttempt, clock: ClockReading) -> [GateCommand] {
        var attempt = attempt
        if let fault = faults[.gpio] {
            // An admission is a relay that opens: with the outputs failing it would be a row and no gate.
            attempt.rules.append(RuleResult("outputs", .fail, .gpioFault))
            return decide(attempt, admitted: false, clock: clock, detail: fault)
        }
        if let fault = faults[.trust] {
            // A stale county bundle under the `refuse` policy: the keys and lists may no longer be the county's.
            attempt.rules.append(RuleResult("trust", .fail, .staleBundle))
            return decide(attempt, admitted: false, clock: clock, detail: fault)
        }
        if let fault = faults[.thermometer] {
            // Never admit without a temperature: refuse at once rather than wait on a dead sensor.
            attempt.rules.append(RuleResult("temperature", .fail, .sensorFault))
            return decide(attempt, admitted: false, clock: clock, detail: fault)
        }
        pending = attempt
        state = .measuring
        return [.indicate(.measuring), .measureTemperature]
    }

    /// The platform's availability as the last lookup or probe found it: a change is an event row.
    private mutating func platformChanged(available: Bool, reason: String?, clock: ClockReading) -> [GateCommand] {
        if !available { platformProblem = reason }
        guard available != platformAvailable else { return [] }
        platformAvailable = available
        if available {
            platformProblem = nil
            return [.log(eventRecord("platform_recovered", clock: clock))]
        }
        return [.log(eventRecord("platform_unavailable", clock: clock,
                                 detail: "\(reason ?? "no answer"); on_unavailable = \(settings.platformUnavailablePolicy.rawValue)"))]
    }

    /// `on_unavailable` for a lookup the platform did not answer in time (or could not answer).
    private mutating func platformFallback(_ verdict: CodeVerdict, clock: ClockReading) -> [GateCommand] {
        let detail = "platform: \(platformProblem ?? "no answer")"
        guard settings.platformUnavailablePolicy == .registerAndAdmit else {
            return decide(PendingAttempt(verdict: verdict, rules: [RuleResult("platform", .fail, .platformUnavailable)]),
                          admitted: false, clock: clock, detail: detail)
        }
        // Registered, not verified: nothing is known of colour or tests, so only what the gate measures itself
        // (temperature, capacity) and anti-passback on the token decide.
        var rules = [RuleResult("platform", .pass, .unverified)]
        var attempt = PendingAttempt(verdict: verdict, rules: [])
        attempt.note = detail
        rules.append(replayGuard.isReplay(verdict.fingerprint, now: clock.now)
                     ? RuleResult("anti_passback", .fail, .replayed) : RuleResult("anti_passback", .pass))
        rules.append(CodePolicy.capacityRule(rules: settings.rules, occupancy: occupancy))
        attempt.rules = rules
        if rules.contains(where: { $0.outcome == .fail }) {
            return decide(attempt, admitted: false, clock: clock)
        }
        return beginMeasuring(attempt, clock: clock)
    }

    /// Drops the attempt being measured, if any, and returns its row: every presented code gets one, and a person
    /// whose code was read before the gate was opened for other reasons matters to contact tracing. The gate
    /// decided nothing about them, so the row's decision is `none`.
    private mutating func abandonPending(_ cause: String, clock: ClockReading) -> [GateCommand] {
        if let waiting = lookup {
            // A platform lookup cut short: the code was presented, so it gets its row (the late answer is dropped).
            lookup = nil
            pending = PendingAttempt(verdict: waiting.verdict, rules: [RuleResult("platform", .skip)])
        }
        guard let attempt = pending else { return [] }
        pending = nil
        var record = attemptRecord(attempt, clock: clock, admitted: false, reasons: [])
        record.decision = .none
        record.temperature = attempt.firstSample.flatMap(Self.celsius)
        record.detail = "interrupted: \(cause)"
        return [.log(record)]
    }

    private var idleSignal: Signal { faults.isEmpty ? .ready : .fault }

    /// Presentation filtering: a code in view for many frames is one presentation. While someone is being
    /// handled codes only stay "in view". While a refusal is shown the refused code, still held up, is not new
    /// (it counts again once away for `presentation_absence_ms`), but a different code is read at once.
    /// `now` is monotonic: a wall-clock step back would otherwise make a code look "still in view" for the step.
    private mutating func codeRead(_ payload: [UInt8], now: Double) -> [GateCommand] {
        guard acceptsCodes else {
            presentations.notePresent(payload, now: now)
            return []
        }
        return presentations.isNewPresentation(payload, now: now) ? [.verifyCode(payload)] : []
    }

    /// The actuation an admission's row was waiting for (and anti-passback's record of it), once the row is
    /// in the log or, under `admit_and_buffer`, in memory.
    private mutating func admitted(_ record: EntryRecord) -> [GateCommand] {
        if record.kind == .attempt && record.decision == .admitted, let fingerprint = record.codeFingerprint {
            replayGuard.recordAdmission(fingerprint, at: record.time)
        }
        guard let awaiting = admissionAwaitingLog, awaiting.row == record else { return [] }
        admissionAwaitingLog = nil
        return awaiting.actuation
    }

    private mutating func tick(clock: ClockReading) -> [GateCommand] {
        // Deadlines are monotonic: NTP stepping the wall clock (a board that booted ahead) moves neither.
        let now = clock.monotonic
        if state == .verifying, let waiting = lookup, now >= waiting.deadline {
            lookup = nil
            let budget = "no answer within \(settings.platformBudgetMilliseconds) ms"
            return platformChanged(available: false, reason: budget, clock: clock) + platformFallback(waiting.verdict, clock: clock)
        }
        if var attempt = pending, let remeasureAt = attempt.remeasureAt, now >= remeasureAt {
            attempt.remeasureAt = nil
            pending = attempt
            return [.measureTemperature]
        }
        if let until = holdUntil, now >= until, state == .admitted || state == .refused {
            holdUntil = nil
            state = faults.isEmpty ? .ready : .fault
            return [.indicate(idleSignal), .buzz(.silent)]
        }
        return []
    }

    private mutating func temperatureTaken(_ sample: TemperatureSample, attempt: inout PendingAttempt,
                                           clock: ClockReading) -> [GateCommand] {
        let isRemeasure = attempt.firstSample != nil
        switch sample {
        case .fault(let message):
            // Not yet in faults: a reported fault refuses the attempt at once (`.deviceFault`).
            faults[.thermometer] = message
            attempt.rules.append(RuleResult("temperature", .fail, .sensorFault))
            var commands = decide(attempt, admitted: false, clock: clock, sample: sample, detail: message)
            commands.insert(.log(eventRecord("fault", clock: clock, detail: "thermometer: \(message)")), at: 0)
            return commands

        case .noPerson:
            if !isRemeasure {
                return scheduleRemeasure(sample, attempt: &attempt, clock: clock)
            }
            attempt.rules.append(RuleResult("temperature", .fail, .noReading))
            return decide(attempt, admitted: false, clock: clock, sample: sample)

        case .body(let celsius):
            if celsius < settings.rules.feverThresholdCelsius {
                attempt.rules.append(RuleResult("temperature", .pass))
                return decide(attempt, admitted: true, clock: clock, sample: sample)
            }
            if !isRemeasure {
                // Sun and reflections cause false fevers: measure once more before refusing.
                return scheduleRemeasure(sample, attempt: &attempt, clock: clock)
            }
            attempt.rules.append(RuleResult("temperature", .fail, .fever))
            return decide(attempt, admitted: false, clock: clock, sample: sample)
        }
    }

    private mutating func scheduleRemeasure(_ sample: TemperatureSample, attempt: inout PendingAttempt,
                                            clock: ClockReading) -> [GateCommand] {
        attempt.firstSample = sample
        attempt.remeasureAt = clock.monotonic + Double(settings.remeasureDelayMilliseconds) / 1000
        pending = attempt
        return [.indicate(.measuring)]
    }

    /// Ends an attempt: builds its log row (first), then the actuation.
    private mutating func decide(_ attempt: PendingAttempt, admitted: Bool, clock: ClockReading,
                                 sample: TemperatureSample? = nil, detail: String? = nil) -> [GateCommand] {
        let now = clock.now
        pending = nil
        let failed = attempt.rules.compactMap { $0.outcome == .fail ? $0.reason : nil }
        let notes = attempt.rules.compactMap { $0.outcome == .pass ? $0.reason : nil }
        if admitted { occupancy += 1 }

        // A refusal lists only what failed; a prompt note belongs to an admission.
        var record = attemptRecord(attempt, clock: clock, admitted: admitted, reasons: admitted ? notes : failed)
        let samples = [attempt.firstSample, sample].compactMap { $0 }
        record.temperature = samples.first.flatMap(Self.celsius)
        record.remeasuredTemperature = samples.count > 1 ? Self.celsius(samples[1]) : nil
        if let detail = detail ?? attempt.note { record.detail = detail }

        lastDecision = GateStatus.LastDecision(time: now, decision: record.decision, reasons: record.reasons)
        lastDecisionRow = record
        holdUntil = clock.monotonic + Double(admitted ? settings.admittedHoldMilliseconds : settings.refusedHoldMilliseconds) / 1000
        state = admitted ? .admitted : .refused

        if admitted {
            let prompt = notes.contains(.vaccinationPrompt)
            admissionAwaitingLog = (record, [.pulseRelay(milliseconds: settings.relayPulseMilliseconds),
                                             .indicate(prompt ? .admittedPrompt : .admitted), .buzz(prompt ? .prompt : .admit)])
            return [.log(record)]
        }
        let (signal, buzz) = refusalSignal(failed)
        return [.log(record), .indicate(signal), .buzz(buzz)]
    }

    private func refusalSignal(_ reasons: [Reason]) -> (Signal, BuzzerPattern) {
        if reasons.contains(.fever) && settings.rules.feverClinicReferral { return (.feverClinic, .feverClinic) }
        if reasons == [.capacityFull] { return (.capacityFull, .capacityFull) }
        if reasons == [.yellowCode] { return (.refusedYellow, .refuse) }
        return (.refused, .refuse)
    }

    private static func celsius(_ sample: TemperatureSample) -> Double? {
        switch sample {
        case .body(let c): return c
        case .noPerson(let object): return object
        case .fault: return nil
        }
    }

    private func attemptRecord(_ attempt: PendingAttempt, clock: ClockReading, admitted: Bool, reasons: [Reason]) -> EntryRecord {
        let verdict = attempt.verdict
        let credential = verdict.credential
        var details: [String] = []
        if !verdict.reasons.isEmpty && !verdict.detail.isEmpty { details.append(verdict.detail) }
        // Staff need the key id to ask the issuer for the missing key.
        if verdict.reasons.contains(.unknownIssuer), let keyID = verdict.keyID,
           !details.contains(where: { $0.contains(keyID) }) {
            details.append("kid \(keyID)")
        }
        let natAge = credential?.nucleicAcidTest.map { (clock.now - $0.sampledAt) / 3600 }
        return EntryRecord(
            time: clock.now, kind: .attempt, decision: admitted ? .admitted : .refused, reasons: reasons,
            format: verdict.format, issuer: credential?.issuer, colour: credential?.colour,
            maskedName: credential?.maskedName ?? verdict.registration?.maskedName,
            maskedIDNumber: credential?.maskedIDNumber ?? verdict.registration?.maskedIDNumber,
            subjectID: credential?.subjectID ?? verdict.registration?.subjectID,
            nucleicAcidAgeHours: natAge.flatMap { $0.isFinite ? ($0 * 10).rounded() / 10 : nil },
            vaccinationDoses: credential?.vaccination?.doses,
            occupancyAfter: occupancy, clockSynchronised: clock.synchronised,
            codeFingerprint: verdict.fingerprint, rules: attempt.rules.map(\.summary),
            detail: details.isEmpty ? nil : details.joined(separator: "; "))
    }

    private func eventRecord(_ name: String, clock: ClockReading, detail: String? = nil) -> EntryRecord {
        EntryRecord(time: clock.now, kind: .event, decision: .none, event: name, occupancyAfter: occupancy,
                    clockSynchronised: clock.synchronised, detail: detail)
    }
}
