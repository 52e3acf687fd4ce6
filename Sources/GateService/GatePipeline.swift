import EntryLog
import GateBoard
import GateConfig
import GateCore
import GateHardware
import LinuxSystem
import Logging

extension GateEvent {
    var isPending: Bool { if case .verificationPending = self { true } else { false } }
}

/// The one path for data: frame → code read → controller → commands (verify, measure, log, outputs).
/// It decides nothing: events go to the controller and its commands are executed, the answers (a verdict,
/// a reading, a committed or failed row, an output fault) going back as events after the batch. Beside it,
/// one job each: `DeviceSupervisor`, `LogSink`, `Housekeeping`, `Actuator`.
/// Single-threaded: the daemon calls `step()` in a loop; nothing here blocks longer than one frame
/// wait or one thermometer read.
public final class GatePipeline {
    public private(set) var configuration: GateConfiguration
    public let clock: GateClock
    private let board: Board
    private let verifier: CodeVerifying
    /// Online verification of platform tokens; nil without `[platform]`.
    private let platform: PlatformVerifying?
    /// The resident-ID-card reader's poller; nil without `[id_reader]`.
    private let idCards: IDCardPoller?
    /// The card last put on the reader, offered to the controller as a presentation once it takes codes; kept
    /// in memory only, for at most `cardWaitSeconds`, and dropped as soon as its lookup has started.
    private var waitingCard: (card: IDCard, handle: String, until: Double)?
    private static let cardWaitSeconds = 10.0
    private let log: EntryLogging
    private let logger: Logger
    private let actuator: Actuator
    private let devices: DeviceSupervisor
    private let sink: LogSink
    private let housekeeping: Housekeeping
    private var nextHousekeeping: Double = 0

    public private(set) var controller: GateController
    public private(set) var framesProcessed: UInt64 = 0
    public private(set) var startedAt: EpochSeconds = 0
    /// Observers for metrics: every finished attempt, and each frame's scan time in seconds.
    public var onDecision: ((EntryRecord) -> Void)?
    public var onFrameScanned: ((Double) -> Void)?
    public var onDecisionLatency: ((Double) -> Void)?

    public init(configuration: GateConfiguration, board: Board, verifier: CodeVerifying, log: EntryLogging,
                clock: GateClock, logger: Logger, platform: PlatformVerifying? = nil, idCards: IDCardPoller? = nil) {
        self.configuration = configuration
        self.board = board
        self.verifier = verifier
        self.platform = platform
        self.idCards = idCards
        self.log = log
        self.clock = clock
        self.logger = logger
        actuator = Actuator(io: board.io, visitorOutputs: board.visitorOutputs)
        devices = DeviceSupervisor(board: board, clock: clock, logger: logger)
        sink = LogSink(log: log, database: configuration.log.database, logger: logger)
        housekeeping = Housekeeping(configuration: configuration, verifier: verifier, log: log, logger: logger)
        controller = GateController(settings: configuration.controller)
    }

    /// Restores what must survive a restart (occupancy, anti-passback), opens the devices and logs the start.
    /// Device failures do not stop the start: the gate comes up in `fault` and keeps retrying.
    public func start() {
        let now = clock.read().now
        startedAt = now
        let config = configuration
        var occupancy = 0
        var admissions: [(fingerprint: String, time: EpochSeconds)] = []
        do {
            if let last = try log.lastOccupancy() {
                let lastReset = LocalTime.previous(hour: config.occupancy.resetHour, minute: config.occupancy.resetMinute, atOrBefore: now)
                occupancy = last.time >= lastReset ? last.occupancy : 0
            }
            admissions = try log.recentAdmissions(since: now - Double(config.controller.replayWindowSeconds))
        } catch {
            logger.error("entry log unreadable at start; occupancy and anti-passback start empty", metadata: ["error": "\(error)"])
        }
        controller = GateController(settings: config.controller, occupancy: occupancy, recentAdmissions: admissions)
        let faults = devices.openAll()
        let kept = housekeeping.reset(config, now: now)
        run(faults + kept + [.started("gate \(config.gate.id), venue \(config.gate.venue.rawValue), board \(config.board.profile), occupancy \(occupancy)")])
        if let alarm = try? board.io.level(.fireAlarm), alarm { fireAlarm(active: true) }
        logger.info("gate started", metadata: ["gate": "\(config.gate.id)", "occupancy": "\(occupancy)",
                                               "state": "\(controller.state.rawValue)"])
    }

    /// One iteration: outputs' timing, inputs, housekeeping, one frame.
    public func step() {
        let now = clock.monotonic()
        actuator.tick(now: now)
        run(.tick)
        if let platform {
            platform.tick(monotonic: now)
            run(platform.takeEvents())
            takeIDCards(now: now)
        }
        pollInputs()
        if now >= nextHousekeeping {
            nextHousekeeping = now + 1
            var events = housekeeping.run(clock.read(), faults: controller.faults)
            events += devices.retry(gateIdle: controller.state == .ready || controller.state == .fault)
            if controller.faults[.log] != nil && sink.retry() { events.append(.deviceRecovered(.log)) }
            run(events)
        }
        captureFrame()
    }

    /// Leaves the outputs safe and logs the stop. Idempotent.
    public func shutdown() {
        run(.stopping)
        actuator.safeState()
        devices.closeAll()
        sink.close()
        idCards?.stop()
        waitingCard = nil
        platform?.shutdown()
        // The last head leaves with the stop, so a log lost while the gate was off is caught at the next start.
        do { try log.writeAnchor(now: clock.read().now, force: true) } catch {
            logger.error("entry log anchor not written", metadata: ["error": "\(error)"])
        }
        logger.info("gate stopped", metadata: ["gate": "\(configuration.gate.id)"])
    }

    /// Applies a new configuration (SIGHUP). Devices keep running; rules, timings and paths take effect.
    public func reload(_ newConfiguration: GateConfiguration) {
        configuration = newConfiguration
        controller.update(settings: newConfiguration.controller)
        verifier.reconfigure(newConfiguration.codes)
        let kept = housekeeping.reset(newConfiguration, now: clock.read().now)
        run(kept + [.configurationReloaded])
    }

    public func staffOverride(by who: String, reason: String) {
        // Staff type free text: an ID number typed into a reason must reach neither the journal nor the log.
        let reason = Privacy.redactingIDNumbers(reason)
        logger.notice("staff override", metadata: ["by": "\(who)", "reason": "\(reason)"])
        run(.staffOverride(by: who, reason: reason))
    }

    /// True when the board has played a finite script to its end (a simulated board told to stop there)
    /// and the gate is idle again, its last hold played out.
    public var finished: Bool {
        board.scriptEnded() && (controller.state == .ready || controller.state == .fault)
    }

    public func status(pid: Int32) -> GateStatus {
        let now = clock.read()
        var status = GateStatus(
            gateID: configuration.gate.id, pid: pid, state: controller.state, occupancy: controller.occupancy,
            occupancyLimit: configuration.controller.rules.maximumOccupancy,
            faults: controller.faults.sorted { $0.key < $1.key }.map { GateStatus.Fault(source: $0.key, message: $0.value) },
            clockSynchronised: now.synchronised, fireAlarm: controller.fireAlarm, lastDecision: controller.lastDecision,
            startedAt: startedAt, updatedAt: now.now, framesProcessed: framesProcessed,
            trustKeys: verifier.trustKeyCount, nearestKeyExpiry: verifier.nearestKeyExpiry)
        status.bundle = housekeeping.bundles.status(now)
        if platform != nil {
            status.platform = GateStatus.PlatformStatus(available: controller.platformAvailable, problem: controller.platformProblem,
                                                        policy: configuration.controller.platformUnavailablePolicy.rawValue)
        }
        return status
    }

    // MARK: - The path

    private func captureFrame() {
        let (available, reopened) = devices.cameraAvailable()
        run(reopened)
        guard available else {
            // Keep the loop (and the watchdog) alive while the camera is away.
            clock.sleep(seconds: 0.05)
            return
        }
        do {
            var scanSeconds = 0.0
            let codes = try board.camera.withNextFrame(timeoutMilliseconds: 200) { frame in
                let started = clock.monotonic()
                let found = board.scanner.scan(frame)
                scanSeconds = clock.monotonic() - started
                return found
            }
            guard let codes else { return }
            run(devices.frameArrived())
            framesProcessed += 1
            onFrameScanned?(scanSeconds)
            for code in codes {
                let started = clock.monotonic()
                let decided = run(.codeRead(code.payload))
                if decided { onDecisionLatency?(clock.monotonic() - started) }
            }
        } catch {
            let failure = error as? DeviceError
                ?? DeviceError(device: .camera, path: board.camera.path, operation: "capture", message: "\(error)")
            run(devices.failed(failure))
        }
    }

    /// Cards from the reader's thread become presentations; reader trouble goes to the journal (the gate still
    /// works for codes, so it is not a gate fault).
    private func takeIDCards(now: Double) {
        guard let idCards, let platform else { return }
        for report in idCards.take() {
            switch report {
            case .card(let card):
                waitingCard = (card, platform.presentationHandle(for: card), now + Self.cardWaitSeconds)
                logger.info("ID card on the reader", metadata: ["card": "\(card)"])  // masked by IDCard itself
            case .failed(let message):
                logger.warning("ID-card reader failed; retrying", metadata: ["error": "\(message)"])
            case .recovered:
                logger.notice("ID-card reader answers again", metadata: ["device": "\(idCards.path)"])
            }
        }
        guard let waiting = waitingCard else { return }
        if now > waiting.until {
            waitingCard = nil
        } else if controller.acceptsCodes {
            run(.codeRead(Array(waiting.handle.utf8)))
            waitingCard = nil
        }
    }

    private func pollInputs() {
        let inputs: [InputEvent]
        do {
            inputs = try board.io.pendingEvents()
        } catch {
            run(devices.failed(error))
            return
        }
        for input in inputs {
            switch input.line {
            case .exitSensor where input.active: run(.exitCounted)
            case .fireAlarm: fireAlarm(active: input.active)
            case .staffButton where input.active: staffOverride(by: "button", reason: "staff button")
            default: break
            }
        }
    }

    private func fireAlarm(active: Bool) {
        guard active != controller.fireAlarm else { return }
        // As faults do, the alarm goes to the journal: staff asking why the gate stood open find it there.
        if active { logger.critical("fire alarm: gate held open until it clears") } else { logger.notice("fire alarm cleared") }
        run(.fireAlarm(active: active))
    }

    // MARK: - Controller and commands

    /// Feeds an event to the controller and executes its commands; every answer (a verdict, a reading, a
    /// committed or failed row, an output fault) is queued and fed after the batch that caused it.
    /// Returns whether a presentation was verified (for the decision-latency metric). An event without
    /// answers allocates nothing (the empty frame's path).
    @discardableResult
    private func run(_ first: GateEvent) -> Bool {
        let logWasFaulted = controller.faults[.log] != nil
        var answers: [GateEvent] = []
        var nextAnswer = 0
        var event = first
        var verified = false
        while true {
            let commands = controller.handle(event, clock: clock.read())
            if case .logFailed(let row, _) = event, row.kind == .attempt, row.decision == .admitted || row.decision == .override,
               !commands.contains(.bufferUnwritten(row)) {
                logger.critical("decision: refused (log_fault): the admission's row could not be written")
            }
            for command in commands {
                if case .verifyCode = command { verified = true }
                answers.append(contentsOf: execute(command))
            }
            if let fault = actuator.takeFault() { answers.append(contentsOf: devices.failed(fault)) }
            for (output, fault) in actuator.takeVisitorFaults() {
                // A screen or speaker fault is the staff's to fix; it never changes a decision.
                logger.error("visitor output failed", metadata: ["device": "\(output)", "error": "\(fault)"])
            }
            guard nextAnswer < answers.count else { break }
            event = answers[nextAnswer]
            nextAnswer += 1
        }
        if logWasFaulted && controller.faults[.log] == nil { logger.notice("entry log writable again") }
        return verified
    }

    private func run(_ events: [GateEvent]) {
        for event in events { run(event) }
    }

    /// Runs one command; returns the events that answer it.
    private func execute(_ command: GateCommand) -> [GateEvent] {
        switch command {
        case .log(let record):
            if record.event == "platform_unavailable" {
                // Staff see it in the journal as well as in the log and the status: the fallback is in force.
                logger.warning("platform unavailable", metadata: ["detail": "\(record.detail ?? "")"])
            } else if record.event == "platform_recovered" {
                logger.notice("platform answers again")
            }
            guard let failure = sink.commit(record) else {
                if record.kind == .attempt { decided(record) }
                return [.logCommitted(record)]
            }
            return [.logFailed(record, failure)]
        case .bufferUnwritten(let record):
            sink.keep(record)
            if record.kind == .attempt { decided(record) }
            return []
        case .verifyCode(let payload):
            let reading = clock.read()
            if let platform, let waiting = waitingCard, payload.elementsEqual(waiting.handle.utf8) {
                waitingCard = nil
                logger.info("code presented", metadata: ["format": "id_card", "lookup": "started"])
                return [platform.lookup(card: waiting.card, clock: reading)]
            }
            if let platform, let answer = platform.lookup(payload: payload, clock: reading) {
                // The lookup runs in the background: the frame loop goes on, the answer comes through takeEvents().
                logger.info("code presented", metadata: ["format": "platform", "lookup": "\(answer.isPending ? "started" : "cached")"])
                return [answer]
            }
            let verdict = verifier.verify(payload: payload, clock: reading)
            logger.info("code presented", metadata: [
                "format": "\(verdict.format.rawValue)",
                "valid": "\(verdict.isValid)",
                "reasons": "\(verdict.reasons.map(\.rawValue).joined(separator: ","))",
                "kid": "\(verdict.keyID ?? "-")",
            ])
            return [.codePresented(verdict)]
        case .measureTemperature:
            do {
                // The reading is a visitor's health data: it goes to the entry log only, never the journal.
                return [.temperatureRead(objectCelsius: try board.thermometer.read().objectCelsius)]
            } catch {
                devices.thermometerReadFailed(error)
                return [.temperatureFailed(error.description)]
            }
        case .pulseRelay, .holdRelay, .indicate, .announce, .buzz:
            actuator.execute(command, now: clock.monotonic())
            return []
        }
    }

    /// One line per attempt for the system log: the decision and why, never personal or health data
    /// (the masked identity and the temperatures are in the entry log only).
    private func decided(_ record: EntryRecord) {
        var metadata: Logger.Metadata = ["occupancy": "\(record.occupancyAfter ?? 0)"]
        if !record.reasons.isEmpty { metadata["reasons"] = "\(record.reasons.map(\.rawValue).joined(separator: ","))" }
        if let format = record.format { metadata["format"] = "\(format.rawValue)" }
        if let colour = record.colour { metadata["colour"] = "\(colour.rawValue)" }
        if record.remeasuredTemperature != nil { metadata["remeasured"] = "yes" }
        if let detail = record.detail { metadata["detail"] = "\(detail)" }
        logger.notice("decision: \(record.decision.rawValue)", metadata: metadata)
        onDecision?(record)
    }
}
