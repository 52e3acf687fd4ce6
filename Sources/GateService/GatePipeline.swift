#if canImport(Glibc)
import Glibc
#endif
import EntryLog
import GateBoard
import GateConfig
import GateCore
import GateHardware
import LinuxSystem
import Logging

/// The one path for data: frame → code → verification → measurement → decision → actuation → log.
/// Single-threaded: the daemon calls `step()` in a loop; nothing here blocks longer than one frame
/// wait or one thermometer read.
public final class GatePipeline {
    public private(set) var configuration: GateConfiguration
    private let board: Board
    private let verifier: CodeVerifying
    private let log: EntryLogging
    private let clock: GateClock
    private let logger: Logger
    private let actuator: Actuator

    public private(set) var controller: GateController
    private var replayGuard: ReplayGuard
    private var presentations: PresentationFilter

    // Device health: when to try a failed device again.
    private var cameraOpen = false
    private var cameraRetry = Backoff()
    private var thermometerRetry = Backoff()
    private var gpioRetry = Backoff()
    private var nextHousekeeping: Double = 0
    private var nextOccupancyReset: EpochSeconds = 0
    private var nextPurge: EpochSeconds = 0
    /// Rows kept in memory while the log cannot be written (`log.on_failure = "admit_and_buffer"`).
    private var unwrittenRows: [EntryRecord] = []

    public private(set) var framesProcessed: UInt64 = 0
    public private(set) var startedAt: EpochSeconds = 0
    /// Observers for metrics: every finished attempt, and each frame's scan time in seconds.
    public var onDecision: ((EntryRecord) -> Void)?
    public var onFrameScanned: ((Double) -> Void)?
    public var onDecisionLatency: ((Double) -> Void)?

    public init(configuration: GateConfiguration, board: Board, verifier: CodeVerifying, log: EntryLogging,
                clock: GateClock, logger: Logger) {
        self.configuration = configuration
        self.board = board
        self.verifier = verifier
        self.log = log
        self.clock = clock
        self.logger = logger
        self.actuator = Actuator(io: board.io)
        self.controller = GateController(settings: configuration.controller)
        self.replayGuard = ReplayGuard(windowSeconds: Double(configuration.codes.replayWindowSeconds))
        self.presentations = PresentationFilter(absenceSeconds: Double(configuration.codes.presentationAbsenceMilliseconds) / 1000)
        actuator.onFault = { [weak self] error in self?.deviceFailed(.gpio, error) }
    }

    /// Restores what must survive a restart (occupancy, anti-passback), opens the devices and logs the start.
    /// Device failures do not stop the start: the gate comes up in `fault` and keeps retrying.
    public func start() {
        let now = clock.read()
        startedAt = now.now
        let config = configuration
        nextOccupancyReset = LocalTime.next(hour: config.occupancy.resetHour, minute: config.occupancy.resetMinute, after: now.now)
        var occupancy = 0
        do {
            if let last = try log.lastOccupancy() {
                let lastReset = LocalTime.previous(hour: config.occupancy.resetHour, minute: config.occupancy.resetMinute, atOrBefore: now.now)
                occupancy = last.time >= lastReset ? last.occupancy : 0
            }
            for admission in try log.recentAdmissions(since: now.now - Double(config.codes.replayWindowSeconds)) {
                replayGuard.recordAdmission(admission.fingerprint, at: admission.time)
            }
        } catch {
            logger.error("entry log unreadable at start; occupancy and anti-passback start empty", metadata: ["error": "\(error)"])
        }
        controller = GateController(settings: config.controller, occupancy: occupancy)

        do {
            try board.io.open()
        } catch {
            deviceFailed(.gpio, error)
        }
        board.io.safeState()
        openCamera()
        do {
            try board.thermometer.open()
        } catch {
            deviceFailed(.thermometer, error)
        }
        let trustProblems = verifier.reloadTrustIfChanged(force: true)
        for problem in trustProblems { logger.warning("trust store", metadata: ["problem": "\(problem)"]) }

        run(.started("gate \(config.gate.id), venue \(config.gate.venue.rawValue), board \(config.board.profile), occupancy \(occupancy)"))
        if let alarm = try? board.io.level(.fireAlarm), alarm { run(.fireAlarm(active: true)) }
        logger.info("gate started", metadata: ["gate": "\(config.gate.id)", "occupancy": "\(occupancy)",
                                               "state": "\(controller.state.rawValue)"])
    }

    /// One iteration: inputs, housekeeping, one frame.
    public func step() {
        let now = SystemClock.monotonic()
        actuator.tick(now: now)
        run(.tick)
        pollInputs()
        if now >= nextHousekeeping {
            nextHousekeeping = now + 1
            housekeeping()
        }
        captureFrame()
    }

    /// Leaves the outputs safe and logs the stop. Idempotent.
    public func shutdown() {
        run(.stopping)
        actuator.safeState()
        board.camera.close()
        board.thermometer.close()
        board.io.close()
        if !unwrittenRows.isEmpty {
            // admit_and_buffer: a last try, and if the log still fails, say exactly what is lost.
            do {
                try flushUnwritten()
            } catch {
                logger.critical("stopping with rows the entry log never took: they are lost",
                                metadata: ["rows": "\(unwrittenRows.count)", "error": "\(error)"])
            }
        }
        logger.info("gate stopped", metadata: ["gate": "\(configuration.gate.id)"])
    }

    /// Applies a new configuration (SIGHUP). Devices keep running; rules, timings and paths take effect.
    public func reload(_ newConfiguration: GateConfiguration) {
        configuration = newConfiguration
        controller.update(settings: newConfiguration.controller)
        replayGuard.windowSeconds = Double(newConfiguration.codes.replayWindowSeconds)
        presentations.absenceSeconds = Double(newConfiguration.codes.presentationAbsenceMilliseconds) / 1000
        verifier.reconfigure(newConfiguration.codes)
        nextOccupancyReset = LocalTime.next(hour: newConfiguration.occupancy.resetHour,
                                            minute: newConfiguration.occupancy.resetMinute, after: clock.read().now)
        let problems = verifier.reloadTrustIfChanged(force: true)
        for problem in problems { logger.warning("trust store", metadata: ["problem": "\(problem)"]) }
        _ = commit(EntryRecord(time: clock.read().now, kind: .event, decision: .none, event: "config_reload",
                           occupancyAfter: controller.occupancy, clockSynchronised: clock.read().synchronised))
    }

    public func staffOverride(by who: String, reason: String) {
        // Staff type free text: an ID number typed into a reason must reach neither the journal nor the log.
        let reason = Privacy.redactingIDNumbers(reason)
        logger.notice("staff override", metadata: ["by": "\(who)", "reason": "\(reason)"])
        run(.staffOverride(by: who, reason: reason))
    }

    /// True when a simulated board has played its whole scenario.
    public var scenarioFinished: Bool { board.simulation?.finished ?? false }

    public func status(pid: Int32) -> GateStatus {
        let now = clock.read()
        return GateStatus(
            gateID: configuration.gate.id, pid: pid, state: controller.state.rawValue, occupancy: controller.occupancy,
            occupancyLimit: configuration.controller.rules.maximumOccupancy,
            faults: controller.faults.sorted { $0.key < $1.key }.map { "\($0.key.rawValue): \($0.value)" },
            clockSynchronised: now.synchronised, fireAlarm: controller.fireAlarm, lastDecision: controller.lastDecision,
            startedAt: startedAt, updatedAt: now.now, framesProcessed: framesProcessed,
            trustKeys: verifier.trustKeyCount, nearestKeyExpiry: verifier.nearestKeyExpiry)
    }

    // MARK: - The path

    private func captureFrame() {
        guard cameraOpen else {
            // Keep the loop (and the watchdog) alive while the camera is away.
            if !cameraRetry.due(now: SystemClock.monotonic()) { sleepBriefly() } else { openCamera() }
            return
        }
        do {
            var scanSeconds = 0.0
            let codes = try board.camera.withNextFrame(timeoutMilliseconds: 200) { frame in
                let started = SystemClock.monotonic()
                let found = board.scanner.scan(frame)
                scanSeconds = SystemClock.monotonic() - started
                return found
            }
            guard let codes else { return }
            if controller.faults[.camera] != nil {
                // Recovered when frames flow again, not when open() succeeds: a wedged camera opens fine.
                cameraRetry.succeeded()
                logger.notice("camera recovered", metadata: ["path": "\(board.camera.path)"])
                run(.deviceRecovered(.camera))
            }
            framesProcessed += 1
            onFrameScanned?(scanSeconds)
            for code in codes { presented(code.payload) }
        } catch let error as DeviceError {
            cameraOpen = false
            board.camera.close()
            deviceFailed(.camera, error)
            cameraRetry.failed(now: SystemClock.monotonic())
        } catch {
            cameraOpen = false
            board.camera.close()
            deviceFailed(.camera, DeviceError(device: .camera, path: board.camera.path, operation: "capture", message: "\(error)"))
            cameraRetry.failed(now: SystemClock.monotonic())
        }
    }

    private func presented(_ payload: [UInt8]) {
        let reading = clock.read()
        guard controller.acceptsCodes else {
            presentations.notePresent(payload, now: reading.now)
            return
        }
        guard presentations.isNewPresentation(payload, now: reading.now) else { return }
        let started = SystemClock.monotonic()
        let verdict = verifier.verify(payload: payload, clock: reading)
        let replayed = verdict.isValid && replayGuard.isReplay(verdict.fingerprint, now: reading.now)
        logger.info("code presented", metadata: [
            "format": "\(verdict.format.rawValue)",
            "valid": "\(verdict.isValid)",
            "reasons": "\(verdict.reasons.map(\.rawValue).joined(separator: ","))",
            "kid": "\(verdict.keyID ?? "-")",
            "replayed": "\(replayed)",
        ])
        run(.codePresented(verdict, replayed: replayed))
        onDecisionLatency?(SystemClock.monotonic() - started)
    }

    private func measure() -> GateCore.TemperatureSample {
        do {
            let reading = try board.thermometer.read()
            // The reading is a visitor's health data: it goes to the entry log only, never the journal.
            return configuration.temperatureModel.sample(objectCelsius: reading.objectCelsius)
        } catch {
            thermometerRetry.failed(now: SystemClock.monotonic())
            logger.error("thermometer failed", metadata: ["error": "\(error)"])
            return .fault(error.description)
        }
    }

    // MARK: - Controller and commands

    private func run(_ event: GateEvent) {
        execute(controller.handle(event, clock: clock.read()))
    }

    private func execute(_ commands: [GateCommand]) {
        for command in commands {
            switch command {
            case .log(let record):
                if let failure = commit(record) {
                    // Nothing after an uncommitted row runs as it was: the controller says what still happens
                    // (a refusal instead of an admission, or, when buffering, the rest of the batch).
                    execute(controller.handle(.logFailed(record, failure), clock: clock.read()))
                    return
                }
            case .measureTemperature:
                execute(controller.handle(.temperature(measure()), clock: clock.read()))
            default:
                actuator.execute(command, now: SystemClock.monotonic())
            }
        }
    }

    /// Commits a row. Returns nil when it is durable, or why it is not (then, under
    /// `log.on_failure = "admit_and_buffer"`, the row waits in memory to be written in order).
    private func commit(_ record: EntryRecord) -> String? {
        let failure = append(record)
        let buffered = failure != nil && configuration.controller.logFailurePolicy == .admitAndBuffer
        if buffered {
            unwrittenRows.append(record)
            logger.critical("entry log unavailable: row kept in memory only", metadata: ["buffered": "\(unwrittenRows.count)"])
        }
        if record.kind == .attempt {
            if failure == nil || buffered {
                logDecision(record)
            } else if record.decision == .admitted || record.decision == .override {
                logger.critical("decision: refused (log_fault): the admission's row could not be written")
            }
        }
        if failure == nil || buffered {
            if record.kind == .attempt && record.decision == .admitted, let fingerprint = record.codeFingerprint {
                replayGuard.recordAdmission(fingerprint, at: record.time)
            }
            if record.kind == .attempt { onDecision?(record) }
        }
        return failure
    }

    /// Writes a row (after any buffered ones, in order). Returns nil on success, else the error.
    private func append(_ record: EntryRecord) -> String? {
        do {
            try flushUnwritten()
            try log.append(record, utcOffsetSeconds: LocalTime.utcOffset(at: record.time))
            logRecovered()
            return nil
        } catch {
            logger.critical("entry log write failed", metadata: ["error": "\(error)", "database": "\(configuration.log.database)"])
            return "\(error)"
        }
    }

    /// One line per attempt for the system log: the decision and why, never personal or health data
    /// (the masked identity and the temperatures are in the entry log only).
    private func logDecision(_ record: EntryRecord) {
        var metadata: Logger.Metadata = ["occupancy": "\(record.occupancyAfter ?? 0)"]
        if !record.reasons.isEmpty { metadata["reasons"] = "\(record.reasons.map(\.rawValue).joined(separator: ","))" }
        if let format = record.format { metadata["format"] = "\(format.rawValue)" }
        if let colour = record.colour { metadata["colour"] = "\(colour.rawValue)" }
        if record.remeasuredTemperature != nil { metadata["remeasured"] = "yes" }
        if let detail = record.detail { metadata["detail"] = "\(detail)" }
        logger.notice("decision: \(record.decision.rawValue)", metadata: metadata)
    }

    private func flushUnwritten() throws {
        while let first = unwrittenRows.first {
            try log.append(first, utcOffsetSeconds: LocalTime.utcOffset(at: first.time))
            unwrittenRows.removeFirst()
        }
    }

    /// Housekeeping's retry while the log is in fault: writes the buffered rows, then the "recovered"
    /// event row, which is the write that proves the log works again (a read would not).
    private func retryLog() {
        do {
            try flushUnwritten()
            logRecovered()
        } catch {
            logger.error("entry log still failing", metadata: ["error": "\(error)", "buffered": "\(unwrittenRows.count)"])
        }
    }

    private func logRecovered() {
        guard controller.faults[.log] != nil else { return }
        // The controller's "recovered" row is the write that proves it; say so only once it is in.
        execute(controller.handle(.deviceRecovered(.log), clock: clock.read()))
        if controller.faults[.log] == nil { logger.notice("entry log writable again") }
    }

    private func deviceFailed(_ source: FaultSource, _ error: Error) {
        // Once per fault: a broken output line fails on every loop turn.
        guard controller.faults[source] == nil else { return }
        logger.error("device fault", metadata: ["device": "\(source.rawValue)", "error": "\(error)"])
        if source == .gpio { gpioRetry.failed(now: SystemClock.monotonic()) }
        run(.deviceFault(source, "\(error)"))
    }

    private func openCamera() {
        do {
            try board.camera.open()
            cameraOpen = true
        } catch {
            cameraRetry.failed(now: SystemClock.monotonic())
            if controller.faults[.camera] == nil { deviceFailed(.camera, error) }
        }
    }

    private func pollInputs() {
        let events: [InputEvent]
        do {
            events = try board.io.pendingEvents()
        } catch {
            deviceFailed(.gpio, error)
            return
        }
        for event in events {
            switch event.line {
            case .exitSensor where event.active: run(.exitCounted)
            case .fireAlarm: run(.fireAlarm(active: event.active))
            case .staffButton where event.active: staffOverride(by: "button", reason: "staff button")
            default: break
            }
        }
    }

    /// Once a second: clock state, device retries, trust store, occupancy reset, retention.
    private func housekeeping() {
        let reading = clock.read()
        let clockFault = !reading.synchronised && configuration.codes.unsyncedClock == .refuse
        if clockFault && controller.faults[.clock] == nil {
            logger.warning("clock not synchronised: codes are refused with clock_unsynced until it is")
            run(.deviceFault(.clock, "system clock not synchronised (adjtimex)"))
        } else if !clockFault && controller.faults[.clock] != nil {
            run(.deviceRecovered(.clock))
        }

        if controller.faults[.thermometer] != nil && thermometerRetry.due(now: SystemClock.monotonic()) {
            board.thermometer.close()
            do {
                try board.thermometer.open()
                _ = try board.thermometer.read()
                thermometerRetry.succeeded()
                logger.notice("thermometer recovered", metadata: ["path": "\(board.thermometer.path)"])
                run(.deviceRecovered(.thermometer))
            } catch {
                thermometerRetry.failed(now: SystemClock.monotonic())
            }
        }
        if controller.faults[.log] != nil {
            retryLog()
        }
        if controller.faults[.gpio] != nil && gpioRetry.due(now: SystemClock.monotonic()) {
            board.io.close()
            do {
                try board.io.open()
                board.io.safeState()
                gpioRetry.succeeded()
                logger.notice("GPIO recovered", metadata: ["path": "\(board.io.path)"])
                run(.deviceRecovered(.gpio))
            } catch {
                gpioRetry.failed(now: SystemClock.monotonic())
            }
        }

        for problem in verifier.reloadTrustIfChanged(force: false) {
            logger.warning("trust store", metadata: ["problem": "\(problem)"])
        }

        // A reset more than a day away means the clock stepped back since it was planned: plan again.
        if nextOccupancyReset - reading.now > 86_400 + 3_600 {
            nextOccupancyReset = LocalTime.next(hour: configuration.occupancy.resetHour, minute: configuration.occupancy.resetMinute,
                                                after: reading.now)
        }
        if reading.now >= nextOccupancyReset {
            nextOccupancyReset = LocalTime.next(hour: configuration.occupancy.resetHour, minute: configuration.occupancy.resetMinute,
                                                after: reading.now)
            run(.occupancyReset)
        }
        // Hourly, counted only on a synchronised clock: a purge skipped or planned on a wrong time is retried.
        if reading.synchronised && (reading.now >= nextPurge || nextPurge - reading.now > 3600) {
            nextPurge = reading.now + 3600
            purgeExpiredRows(now: reading)
        }
    }

    /// Only called on a synchronised clock: one years ahead could delete the whole log.
    private func purgeExpiredRows(now: ClockReading) {
        let cutoff = now.now - Double(configuration.log.retentionDays) * 86_400
        do {
            let removed = try log.purge(olderThan: cutoff, now: now.now, utcOffsetSeconds: LocalTime.utcOffset(at: now.now))
            if removed > 0 { logger.notice("retention purge", metadata: ["rows": "\(removed)", "days": "\(configuration.log.retentionDays)"]) }
        } catch {
            logger.error("retention purge failed", metadata: ["error": "\(error)"])
        }
    }

    private func sleepBriefly() {
        var request = timespec(tv_sec: 0, tv_nsec: 50_000_000)
        nanosleep(&request, nil)
    }
}

/// Retry delays for a failed device: 0.5 s doubling to 8 s, so a missing camera is retried
/// promptly but does not spin.
struct Backoff {
    private(set) var delay = 0.5
    private var nextAttempt: Double = 0

    func due(now: Double) -> Bool { now >= nextAttempt }

    mutating func failed(now: Double) {
        nextAttempt = now + delay
        delay = min(delay * 2, 8)
    }

    mutating func succeeded() {
        delay = 0.5
        nextAttempt = 0
    }
}
