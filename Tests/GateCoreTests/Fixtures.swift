import GateCore

/// Builders for verdicts and a gate driven on a `VirtualClock`. GateCore has no I/O, so nothing here fakes a
/// kernel interface: the tests feed the controller the same events the daemon would.
enum Fixture {
    /// 2025-11-29T07:06:40Z, an arbitrary fixed start so rows have stable times.
    static let start: EpochSeconds = 1_764_400_000
    static let hour: EpochSeconds = 3600

    static func credential(colour: CodeColour = .green, nucleicAcidTest: NucleicAcidTest? = nil,
                           vaccination: Vaccination? = nil, outsideProvince: Bool = false) -> HealthCredential {
        HealthCredential(format: .hg1, issuer: "330100", keyID: "0a1b2c3d", issuedAt: start - hour,
                         expiresAt: start + 24 * hour, colour: colour, subjectID: "subj-7f3e",
                         maskedName: "张*", maskedIDNumber: "3301**********1234",
                         nucleicAcidTest: nucleicAcidTest, vaccination: vaccination,
                         arrivedFromOutsideProvince: outsideProvince)
    }

    static func verdict(_ credential: HealthCredential? = credential(), reasons: [Reason] = [],
                        format: CodeFormat = .hg1, keyID: String? = "0a1b2c3d", detail: String = "",
                        fingerprint: String = "fp-0001") -> CodeVerdict {
        CodeVerdict(format: format, credential: credential, reasons: reasons, keyID: keyID, detail: detail,
                    fingerprint: fingerprint)
    }

    /// Negative test sampled `hours` before `start` (negative: in the future).
    static func negativeTest(hoursOld hours: Double) -> NucleicAcidTest {
        NucleicAcidTest(sampledAt: start - hours * hour, result: .negative)
    }

    static let vaccinated = Vaccination(doses: 2, seriesDoses: 2)
}

/// A controller and the virtual clock its events are stamped with. A class so `#expect(gate.send(…) == …)`
/// can drive it (the macro cannot call mutating members).
final class TestGate {
    let clock = VirtualClock(now: Fixture.start)
    var controller: GateController

    convenience init(rules: VenueRules, occupancy: Int = 0) {
        self.init(ControllerSettings(rules: rules), occupancy: occupancy)
    }

    init(_ settings: ControllerSettings = ControllerSettings(), occupancy: Int = 0) {
        controller = GateController(settings: settings, occupancy: occupancy)
    }

    var state: GateState { controller.state }
    var now: EpochSeconds { clock.now }

    /// Whether the log takes every row: `send` then answers each `.log` with `.logCommitted`, as the executor
    /// does, and returns what the controller issued in answer too. False: rows are left unanswered, for the
    /// tests of log failures to answer.
    var logCommits = true

    /// Every `.announce` the controller issued, in order. `send` takes them out of the batches it returns, so
    /// the tests of lamps and rows read as before; AnnouncementTests check that each follows its `.indicate`.
    private(set) var announcements: [Announcement] = []

    @discardableResult
    func send(_ event: GateEvent) -> [GateCommand] {
        let issued = controller.handle(event, clock: clock.read())
        let commands = issued.filter { command in
            guard case .announce(let announcement) = command else { return true }
            announcements.append(announcement)
            return false
        }
        guard logCommits else { return commands }
        var answered = commands
        for case .log(let row) in commands { answered += send(.logCommitted(row)) }
        return answered
    }

    /// Advances the clock, then delivers one `.tick`.
    @discardableResult
    func tick(after milliseconds: Int) -> [GateCommand] {
        clock.advance(milliseconds: milliseconds)
        return send(.tick)
    }

    /// Makes the controller know `verdict`'s code as admitted a moment ago (as the log's row would).
    func admittedBefore(_ verdict: CodeVerdict) {
        let row = EntryRecord(time: clock.now - 1, kind: .attempt, decision: .admitted, clockSynchronised: true,
                              codeFingerprint: verdict.fingerprint)
        _ = controller.handle(.logCommitted(row), clock: clock.read())
    }

    /// Presents a code and feeds the temperature when the controller asks for one; returns the final batch.
    func attempt(_ verdict: CodeVerdict = Fixture.verdict(), replayed: Bool = false,
                 temperature: Double = 36.6) -> [GateCommand] {
        if replayed { admittedBefore(verdict) }
        let first = send(.codePresented(verdict))
        guard first.contains(.measureTemperature) else { return first }
        return send(.temperatureRead(objectCelsius: temperature))
    }

    /// Runs the admitted or refused hold to its end so the gate is idle again.
    func finishHold() {
        tick(after: max(controller.settings.admittedHoldMilliseconds, controller.settings.refusedHoldMilliseconds))
    }
}

/// The log rows in a batch, in order.
func rows(_ commands: [GateCommand]) -> [EntryRecord] {
    commands.compactMap { if case .log(let record) = $0 { record } else { nil } }
}

/// Everything in a batch but its log rows: what the visitor sees and the relay does.
func actuation(_ commands: [GateCommand]) -> [GateCommand] {
    commands.filter { if case .log = $0 { false } else { true } }
}

func opensRelay(_ commands: [GateCommand]) -> Bool {
    commands.contains { command in
        switch command {
        case .pulseRelay: true
        case .holdRelay(let on): on
        default: false
        }
    }
}
