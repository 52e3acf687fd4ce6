import GateCore
import Testing

/// Every transition of the gate controller, on a virtual clock (issue 2).
@Suite("Gate controller transitions")
struct GateControllerTests {
    static let settings = ControllerSettings(relayPulseMilliseconds: 1500, admittedHoldMilliseconds: 2000,
                                             refusedHoldMilliseconds: 2500, remeasureDelayMilliseconds: 2000)

    @Test("ready → measuring on a valid green code")
    func validCodeStartsMeasuring() {
        let gate = TestGate(Self.settings)
        #expect(gate.state == .ready)
        #expect(gate.controller.acceptsCodes)
        let commands = gate.send(.codePresented(Fixture.verdict()))
        #expect(commands == [.indicate(.measuring), .measureTemperature])
        #expect(gate.state == .measuring)
        #expect(!gate.controller.acceptsCodes)
        // A second code while someone is being measured is not taken.
        #expect(gate.send(.codePresented(Fixture.verdict(fingerprint: "fp-other"))) == [])
    }

    @Test("measuring → admitted on a normal temperature: the row first, then the relay")
    func normalTemperatureAdmits() throws {
        let gate = TestGate(Self.settings, occupancy: 4)
        let credential = Fixture.credential(nucleicAcidTest: Fixture.negativeTest(hoursOld: 10),
                                            vaccination: Fixture.vaccinated)
        gate.send(.codePresented(Fixture.verdict(credential)))
        let commands = gate.send(.temperatureRead(objectCelsius: 36.6))

        let expectedRow = EntryRecord(
            time: Fixture.start, kind: .attempt, decision: .admitted, reasons: [], format: .hg1, issuer: "330100",
            colour: .green, maskedName: "张*", maskedIDNumber: "3301**********1234", subjectID: "subj-7f3e",
            nucleicAcidAgeHours: 10, vaccinationDoses: 2, temperature: 36.6, remeasuredTemperature: nil,
            occupancyAfter: 5, clockSynchronised: true, codeFingerprint: "fp-0001",
            rules: ["code=pass", "anti_passback=pass", "colour=pass", "nucleic_acid=skip", "vaccination=skip",
                    "capacity=skip", "temperature=pass"])
        #expect(commands == [.log(expectedRow), .pulseRelay(milliseconds: 1500), .indicate(.admitted), .buzz(.admit)])
        #expect(gate.state == .admitted)
        #expect(gate.controller.occupancy == 5)
        #expect(gate.controller.lastDecision == GateStatus.LastDecision(time: Fixture.start, decision: .admitted, reasons: []))
    }

    @Test("admitted → ready when the hold ends, not before")
    func admittedHoldEnds() {
        let gate = TestGate(Self.settings)
        _ = gate.attempt()
        #expect(gate.state == .admitted)
        #expect(gate.tick(after: 1999) == [])
        #expect(gate.state == .admitted)
        #expect(gate.tick(after: 1) == [.indicate(.ready), .buzz(.silent)])
        #expect(gate.state == .ready)
        #expect(gate.tick(after: 5000) == [])
    }

    @Test("the admitted hold is never shorter than the relay pulse")
    func admittedHoldCoversPulse() {
        let settings = ControllerSettings(relayPulseMilliseconds: 3000, admittedHoldMilliseconds: 1000)
        #expect(settings.admittedHoldMilliseconds == 3000)
    }

    struct RefusalCase: Sendable, CustomTestStringConvertible {
        var name: String
        var verdict: CodeVerdict
        var replayed = false
        var synchronised = true
        var reasons: [Reason]
        var signal: Signal = .refused
        var testDescription: String { name }
    }

    static let refusalCases: [RefusalCase] = [
        RefusalCase(name: "red", verdict: Fixture.verdict(Fixture.credential(colour: .red)), reasons: [.redCode]),
        RefusalCase(name: "yellow", verdict: Fixture.verdict(Fixture.credential(colour: .yellow)),
                    reasons: [.yellowCode], signal: .refusedYellow),
        RefusalCase(name: "expired", verdict: Fixture.verdict(reasons: [.expired], detail: "expired 3 h ago"),
                    reasons: [.expired]),
        RefusalCase(name: "not yet valid", verdict: Fixture.verdict(reasons: [.notYetValid]), reasons: [.notYetValid]),
        RefusalCase(name: "bad signature", verdict: Fixture.verdict(nil, reasons: [.badSignature]),
                    reasons: [.badSignature]),
        RefusalCase(name: "unknown issuer",
                    verdict: Fixture.verdict(reasons: [.unknownIssuer], keyID: "5a6b7c8d", detail: "no key for issuer 330100"),
                    reasons: [.unknownIssuer]),
        RefusalCase(name: "replayed", verdict: Fixture.verdict(), replayed: true, reasons: [.replayed]),
        RefusalCase(name: "unreadable", verdict: Fixture.verdict(nil, reasons: [.unreadable], format: .unknown, keyID: nil),
                    reasons: [.unreadable]),
        RefusalCase(name: "unsupported format",
                    verdict: Fixture.verdict(nil, reasons: [.unsupportedFormat], format: .unknown, keyID: nil),
                    reasons: [.unsupportedFormat]),
        RefusalCase(name: "clock unsynced", verdict: Fixture.verdict(reasons: [.clockUnsynced]), synchronised: false,
                    reasons: [.clockUnsynced]),
    ]

    @Test("a refused code never opens the relay and the gate is ready after the refused hold",
          arguments: refusalCases)
    func refusal(_ refusal: RefusalCase) throws {
        let gate = TestGate(Self.settings)
        gate.clock.synchronised = refusal.synchronised
        if refusal.replayed { gate.admittedBefore(refusal.verdict) }
        let commands = gate.send(.codePresented(refusal.verdict))

        let row = try #require(rows(commands).first)
        #expect(commands == [.log(row), .indicate(refusal.signal), .buzz(.refuse)])
        #expect(row.kind == .attempt)
        #expect(row.decision == .refused)
        #expect(row.reasons == refusal.reasons)
        #expect(row.clockSynchronised == refusal.synchronised)
        #expect(row.codeFingerprint == refusal.verdict.fingerprint)
        #expect(row.temperature == nil)
        #expect(row.occupancyAfter == 0)
        #expect(gate.state == .refused)
        #expect(gate.controller.lastDecision?.reasons == refusal.reasons)

        #expect(gate.tick(after: 2499) == [])
        #expect(gate.tick(after: 1) == [.indicate(.ready), .buzz(.silent)])
        #expect(gate.state == .ready)
        #expect(gate.controller.occupancy == 0)
    }

    @Test("a refusal by the code itself is explained by the verifier's detail")
    func verifierDetailIsLogged() throws {
        let gate = TestGate(Self.settings)
        let commands = gate.send(.codePresented(Fixture.verdict(reasons: [.expired], detail: "expired 3 h ago")))
        let row = try #require(rows(commands).first)
        #expect(row.detail == "expired 3 h ago")
        #expect(row.rules.first == "code=fail")
    }

    @Test("an unknown issuer's row names the key id")
    func unknownIssuerNamesKeyID() throws {
        let gate = TestGate(Self.settings)
        let verdict = Fixture.verdict(reasons: [.unknownIssuer], keyID: "5a6b7c8d", detail: "no key for issuer 330100")
        let row = try #require(rows(gate.send(.codePresented(verdict))).first)
        #expect(row.reasons == [.unknownIssuer])
        #expect(row.detail?.contains("5a6b7c8d") == true)
        #expect(row.detail?.contains("no key for issuer 330100") == true)
    }

    // MARK: Fever and re-measurement

    @Test("fever: one re-measure after the delay, then refused with both readings")
    func feverConfirmedIsRefused() throws {
        let gate = TestGate(Self.settings)
        gate.send(.codePresented(Fixture.verdict()))
        #expect(gate.send(.temperatureRead(objectCelsius: 38.2)) == [.indicate(.measuring)])
        #expect(gate.state == .measuring)
        // Nothing happens before the delay; a stray reading in the meantime is not taken.
        #expect(gate.tick(after: 1000) == [])
        #expect(gate.send(.temperatureRead(objectCelsius: 36.5)) == [])
        #expect(gate.tick(after: 999) == [])
        #expect(gate.tick(after: 1) == [.measureTemperature])
        #expect(gate.tick(after: 10) == [])

        let commands = gate.send(.temperatureRead(objectCelsius: 38.0))
        let row = try #require(rows(commands).first)
        #expect(commands == [.log(row), .indicate(.refused), .buzz(.refuse)])
        #expect(row.decision == .refused)
        #expect(row.reasons == [.fever])
        #expect(row.temperature == 38.2)
        #expect(row.remeasuredTemperature == 38.0)
        #expect(row.rules.last == "temperature=fail")
        #expect(gate.state == .refused)
        #expect(gate.controller.occupancy == 0)
    }

    @Test("fever then a normal re-measure admits, both readings logged")
    func feverThenNormalAdmits() throws {
        let gate = TestGate(Self.settings)
        gate.send(.codePresented(Fixture.verdict()))
        gate.send(.temperatureRead(objectCelsius: 37.5))
        #expect(gate.tick(after: 2000) == [.measureTemperature])
        let commands = gate.send(.temperatureRead(objectCelsius: 36.8))
        let row = try #require(rows(commands).first)
        #expect(commands == [.log(row), .pulseRelay(milliseconds: 1500), .indicate(.admitted), .buzz(.admit)])
        #expect(row.decision == .admitted)
        #expect(row.temperature == 37.5)
        #expect(row.remeasuredTemperature == 36.8)
        #expect(gate.controller.occupancy == 1)
    }

    @Test("the fever threshold is inclusive", arguments: [(37.2, true), (37.3, false), (37.4, false)])
    func feverThreshold(celsius: Double, admittedAtOnce: Bool) {
        let gate = TestGate(Self.settings)
        let commands = gate.attempt(temperature: celsius)
        #expect(opensRelay(commands) == admittedAtOnce)
        #expect(gate.state == (admittedAtOnce ? .admitted : .measuring))
    }

    @Test("no person twice is refused no_reading; no person then a reading admits")
    func noPerson() throws {
        let gate = TestGate(Self.settings)
        gate.send(.codePresented(Fixture.verdict()))
        #expect(gate.send(.temperatureRead(objectCelsius: 24.0)) == [.indicate(.measuring)])
        #expect(gate.tick(after: 2000) == [.measureTemperature])
        let refused = gate.send(.temperatureRead(objectCelsius: 23.5))
        let row = try #require(rows(refused).first)
        #expect(refused == [.log(row), .indicate(.refused), .buzz(.refuse)])
        #expect(row.reasons == [.noReading])
        #expect(row.temperature == 24.0)
        #expect(row.remeasuredTemperature == 23.5)

        let second = TestGate(Self.settings)
        second.send(.codePresented(Fixture.verdict()))
        second.send(.temperatureRead(objectCelsius: 24.0))
        second.tick(after: 2000)
        #expect(opensRelay(second.send(.temperatureRead(objectCelsius: 36.4))))
        #expect(second.state == .admitted)
    }

    // MARK: Faults

    @Test("thermometer fault while measuring: refused sensor_fault, later codes refused at once until recovery")
    func thermometerFault() throws {
        let gate = TestGate(Self.settings)
        gate.send(.codePresented(Fixture.verdict()))
        let commands = gate.send(.temperatureFailed("/dev/i2c-1@0x5a: NACK"))
        let logged = rows(commands)
        try #require(logged.count == 2)
        #expect(actuation(commands) == [.indicate(.refused), .buzz(.refuse)])
        #expect(logged[0].kind == .event)
        #expect(logged[0].event == "fault")
        #expect(logged[0].detail == "thermometer: /dev/i2c-1@0x5a: NACK")
        #expect(logged[1].decision == .refused)
        #expect(logged[1].reasons == [.sensorFault])
        #expect(logged[1].detail == "/dev/i2c-1@0x5a: NACK")
        #expect(gate.controller.faults == [.thermometer: "/dev/i2c-1@0x5a: NACK"])

        // After the refusal the gate shows the fault, and still takes codes (to refuse them with a row).
        #expect(gate.tick(after: 2500) == [.indicate(.fault), .buzz(.silent)])
        #expect(gate.state == .fault)
        #expect(gate.controller.acceptsCodes)
        let next = gate.send(.codePresented(Fixture.verdict(fingerprint: "fp-0002")))
        let nextRow = try #require(rows(next).first)
        #expect(next == [.log(nextRow), .indicate(.refused), .buzz(.refuse)])
        #expect(nextRow.reasons == [.sensorFault])
        #expect(gate.tick(after: 2500) == [.indicate(.fault), .buzz(.silent)])

        let recovered = gate.send(.deviceRecovered(.thermometer))
        #expect(rows(recovered).map(\.event) == ["recovered"])
        #expect(actuation(recovered) == [.indicate(.ready)])
        #expect(gate.state == .ready)
        #expect(gate.send(.codePresented(Fixture.verdict(fingerprint: "fp-0003")))
                == [.indicate(.measuring), .measureTemperature])
    }

    @Test("a thermometer fault reported while measuring refuses at once; the late reading is ignored")
    func thermometerFaultReportedWhileMeasuring() throws {
        let gate = TestGate(Self.settings)
        gate.send(.codePresented(Fixture.verdict()))
        let commands = gate.send(.deviceFault(.thermometer, "EIO"))
        let logged = rows(commands)
        try #require(logged.count == 2)
        #expect(commands == [.log(logged[0]), .log(logged[1]), .indicate(.refused), .buzz(.refuse)])
        #expect(logged[0].event == "fault")
        #expect(logged[1].reasons == [.sensorFault])
        #expect(logged[1].detail == "EIO")
        #expect(gate.state == .refused)
        #expect(gate.send(.temperatureFailed("EIO")) == [])
        #expect(gate.send(.temperatureRead(objectCelsius: 36.6)) == [])
        #expect(gate.tick(after: 2500) == [.indicate(.fault), .buzz(.silent)])
    }

    @Test("a thermometer fault during the re-measure wait refuses with the first reading logged")
    func thermometerFaultDuringRemeasureWait() throws {
        let gate = TestGate(Self.settings)
        gate.send(.codePresented(Fixture.verdict()))
        gate.send(.temperatureRead(objectCelsius: 38.0))
        gate.tick(after: 500)
        let row = try #require(rows(gate.send(.deviceFault(.thermometer, "EIO"))).last)
        #expect(row.reasons == [.sensorFault])
        #expect(row.temperature == 38.0)
        #expect(row.remeasuredTemperature == nil)
        // The re-measure it was waiting for is not asked for any more.
        #expect(gate.tick(after: 1500) == [])
    }

    @Test("device faults put a ready gate in fault; recovery of the last one returns it")
    func deviceFaults() throws {
        let gate = TestGate(Self.settings)
        let cameraDown = gate.send(.deviceFault(.camera, "/dev/video0: ENODEV"))
        let row = try #require(rows(cameraDown).first)
        #expect(cameraDown == [.log(row), .indicate(.fault)])
        #expect(row.kind == .event)
        #expect(row.event == "fault")
        #expect(row.decision == EntryRecord.Decision.none)
        #expect(row.detail == "camera: /dev/video0: ENODEV")
        #expect(gate.state == .fault)

        // The same fault again is not news.
        #expect(gate.send(.deviceFault(.camera, "/dev/video0: ENODEV")) == [])
        let gpioDown = gate.send(.deviceFault(.gpio, "gpiochip0: EBUSY"))
        #expect(actuation(gpioDown) == [])
        #expect(rows(gpioDown).map(\.event) == ["fault"])

        let cameraBack = gate.send(.deviceRecovered(.camera))
        #expect(actuation(cameraBack) == [])
        #expect(rows(cameraBack).map(\.detail) == ["camera"])
        #expect(gate.state == .fault)
        #expect(gate.send(.deviceRecovered(.camera)) == [])

        let gpioBack = gate.send(.deviceRecovered(.gpio))
        #expect(actuation(gpioBack) == [.indicate(.ready)])
        #expect(gate.state == .ready)
        #expect(gate.controller.faults.isEmpty)
    }

    @Test("a fault during an admission shows once the hold ends")
    func faultDuringHold() {
        let gate = TestGate(Self.settings)
        _ = gate.attempt()
        #expect(actuation(gate.send(.deviceFault(.clock, "not synchronised"))) == [])
        #expect(gate.state == .admitted)
        #expect(gate.tick(after: 2000) == [.indicate(.fault), .buzz(.silent)])
        #expect(gate.state == .fault)
    }

    // MARK: Fire alarm

    @Test("fire alarm holds the gate open, ignores codes, and releases it when cleared")
    func fireAlarm() throws {
        let gate = TestGate(Self.settings)
        let on = gate.send(.fireAlarm(active: true))
        let onRow = try #require(rows(on).first)
        #expect(on == [.log(onRow), .holdRelay(true), .indicate(.emergencyOpen), .buzz(.alarm)])
        #expect(onRow.event == "fire_alarm_on")
        #expect(gate.state == .emergencyOpen)
        #expect(gate.controller.fireAlarm)
        #expect(!gate.controller.acceptsCodes)
        #expect(gate.send(.codePresented(Fixture.verdict())) == [])
        #expect(gate.send(.fireAlarm(active: true)) == [])
        #expect(gate.tick(after: 60_000) == [])

        let off = gate.send(.fireAlarm(active: false))
        let offRow = try #require(rows(off).first)
        #expect(off == [.log(offRow), .holdRelay(false), .indicate(.ready), .buzz(.silent)])
        #expect(offRow.event == "fire_alarm_off")
        #expect(gate.state == .ready)
        #expect(gate.send(.fireAlarm(active: false)) == [])
    }

    @Test("fire alarm during a measurement opens the gate first, then logs the attempt as undecided")
    func fireAlarmInterruptsMeasurement() throws {
        let gate = TestGate(Self.settings)
        gate.send(.codePresented(Fixture.verdict()))
        gate.send(.temperatureRead(objectCelsius: 37.8))
        let commands = gate.send(.fireAlarm(active: true))
        let logged = rows(commands)
        try #require(logged.count == 2)
        #expect(commands == [.log(logged[0]), .holdRelay(true), .indicate(.emergencyOpen), .buzz(.alarm), .log(logged[1])])
        #expect(logged[0].event == "fire_alarm_on")
        let interrupted = logged[1]
        #expect(interrupted.kind == .attempt)
        #expect(interrupted.decision == EntryRecord.Decision.none)
        #expect(interrupted.detail == "interrupted: fire alarm")
        #expect(interrupted.codeFingerprint == "fp-0001")
        #expect(interrupted.maskedName == "张*")
        #expect(interrupted.temperature == 37.8)
        #expect(interrupted.reasons == [])
        // The re-measure it was waiting for is not asked for, and a late reading is ignored.
        #expect(gate.tick(after: 2000) == [])
        #expect(gate.send(.temperatureRead(objectCelsius: 36.6)) == [])
        #expect(gate.state == .emergencyOpen)
        gate.send(.fireAlarm(active: false))
        #expect(gate.state == .ready)
    }

    @Test("fire alarm cleared while a device is down returns to fault")
    func fireAlarmClearsToFault() {
        let gate = TestGate(Self.settings)
        gate.send(.fireAlarm(active: true))
        gate.send(.deviceFault(.camera, "gone"))
        #expect(gate.state == .emergencyOpen)
        let off = gate.send(.fireAlarm(active: false))
        #expect(actuation(off) == [.holdRelay(false), .indicate(.fault), .buzz(.silent)])
        #expect(gate.state == .fault)
    }

    // MARK: Staff override

    @Test("staff override admits one person, logged with who and why")
    func staffOverride() throws {
        let gate = TestGate(Self.settings, occupancy: 2)
        let commands = gate.send(.staffOverride(by: "guard2", reason: "delivery"))
        let row = try #require(rows(commands).first)
        #expect(commands == [.log(row), .pulseRelay(milliseconds: 1500), .indicate(.admitted), .buzz(.admit)])
        #expect(row.kind == .attempt)
        #expect(row.decision == .override)
        #expect(row.detail == "by guard2: delivery")
        #expect(row.occupancyAfter == 3)
        #expect(gate.controller.occupancy == 3)
        #expect(gate.state == .admitted)
        #expect(gate.controller.lastDecision?.decision == .override)
        #expect(gate.tick(after: 2000) == [.indicate(.ready), .buzz(.silent)])
    }

    @Test("staff override while someone is measured logs that attempt as undecided, then the override")
    func overrideInterruptsMeasurement() throws {
        let gate = TestGate(Self.settings)
        gate.send(.codePresented(Fixture.verdict()))
        let commands = gate.send(.staffOverride(by: "guard2", reason: "thermometer slow"))
        let logged = rows(commands)
        try #require(logged.count == 2)
        #expect(commands == [.log(logged[0]), .log(logged[1]), .pulseRelay(milliseconds: 1500), .indicate(.admitted),
                             .buzz(.admit)])
        #expect(logged[0].decision == EntryRecord.Decision.none)
        #expect(logged[0].detail == "interrupted: staff override")
        #expect(logged[1].decision == .override)
        #expect(gate.controller.occupancy == 1)
        #expect(gate.send(.temperatureRead(objectCelsius: 36.6)) == [])
    }

    @Test("staff override during the fire alarm is logged and does nothing else")
    func overrideDuringFireAlarm() throws {
        let gate = TestGate(Self.settings)
        gate.send(.fireAlarm(active: true))
        let commands = gate.send(.staffOverride(by: "button", reason: "visitor"))
        let row = try #require(rows(commands).first)
        #expect(commands == [.log(row)])
        #expect(row.event == "override_ignored")
        #expect(row.detail?.contains("by button: visitor") == true)
        #expect(gate.state == .emergencyOpen)
        #expect(gate.controller.occupancy == 0)
    }

    // MARK: Occupancy

    @Test("exits count down, never below zero; the reset empties the venue")
    func exitsAndReset() throws {
        let gate = TestGate(Self.settings, occupancy: 2)
        let first = gate.send(.exitCounted)
        #expect(rows(first).map(\.event) == ["exit"])
        #expect(rows(first).map(\.occupancyAfter) == [1])
        gate.send(.exitCounted)
        let extra = gate.send(.exitCounted)
        #expect(rows(extra).map(\.occupancyAfter) == [0])
        #expect(gate.controller.occupancy == 0)
        #expect(actuation(extra) == [])

        let busy = TestGate(Self.settings, occupancy: 40)
        let reset = busy.send(.occupancyReset)
        #expect(rows(reset).map(\.event) == ["occupancy_reset"])
        #expect(rows(reset).map(\.occupancyAfter) == [0])
        #expect(busy.controller.occupancy == 0)
        #expect(GateController(settings: Self.settings, occupancy: -3).occupancy == 0)
    }

    // MARK: Entry log failures

    @Test("an admission whose row cannot be written becomes a refusal and a log fault")
    func logFailureRevertsAdmission() throws {
        let gate = TestGate(Self.settings, occupancy: 1)
        gate.logCommits = false
        let admitted = gate.attempt()
        let row = try #require(rows(admitted).first)
        #expect(admitted == [.log(row)], "nothing opens before the row is in the log")
        #expect(gate.controller.occupancy == 2)

        let commands = gate.send(.logFailed(row, "disk full"))
        #expect(commands == [.indicate(.refused), .buzz(.refuse)])
        #expect(gate.controller.occupancy == 1)
        #expect(gate.controller.faults[.log] == "disk full")
        #expect(gate.state == .refused)
        #expect(gate.controller.lastDecision == GateStatus.LastDecision(time: Fixture.start, decision: .refused,
                                                                         reasons: [.logFault]))
        #expect(gate.tick(after: 2500) == [.indicate(.fault), .buzz(.silent)])
        #expect(gate.state == .fault)
    }

    @Test("an admission opens the relay once its row is committed")
    func admissionWaitsForItsRow() throws {
        let gate = TestGate(Self.settings)
        gate.logCommits = false
        let row = try #require(rows(gate.attempt()).first)
        #expect(gate.send(.logCommitted(row)) == [.pulseRelay(milliseconds: 1500), .indicate(.admitted), .buzz(.admit)])
        // Answered once: a second answer for the same row opens nothing.
        #expect(gate.send(.logCommitted(row)) == [])
    }

    @Test("a committed row ends a log fault with a recovered row")
    func committedRowRecoversTheLog() throws {
        let gate = TestGate(Self.settings)
        gate.logCommits = false
        let exitRow = try #require(rows(gate.send(.exitCounted)).first)
        #expect(gate.send(.logFailed(exitRow, "disk full")) == [.indicate(.fault)], "an idle gate without a log is in fault")
        #expect(gate.state == .fault)
        let next = try #require(rows(gate.send(.exitCounted)).first)
        let answer = gate.send(.logCommitted(next))
        #expect(rows(answer).map(\.event) == ["recovered"])
        #expect(rows(answer).first?.detail == "log")
        #expect(answer.last == .indicate(.ready))
        #expect(gate.controller.faults.isEmpty)
        #expect(gate.state == .ready)
    }

    @Test("with admit_and_buffer an admission whose row cannot be written still opens the gate")
    func logFailureAdmitAndBuffer() throws {
        let gate = TestGate(ControllerSettings(relayPulseMilliseconds: 1500, logFailurePolicy: .admitAndBuffer))
        gate.logCommits = false
        let row = try #require(rows(gate.attempt()).first)
        let commands = gate.send(.logFailed(row, "disk full"))
        #expect(commands == [.bufferUnwritten(row), .pulseRelay(milliseconds: 1500), .indicate(.admitted), .buzz(.admit)])
        #expect(gate.controller.occupancy == 1)
        #expect(gate.controller.faults[.log] == "disk full")
        #expect(gate.state == .admitted)
        #expect(gate.controller.lastDecision?.decision == .admitted)
        // The buffered admission counts for anti-passback.
        gate.finishHold()
        gate.logCommits = true
        #expect(gate.attempt().contains(.pulseRelay(milliseconds: 1500)) == false)
        #expect(gate.controller.lastDecision?.reasons == [.replayed])
    }

    @Test("an override whose row cannot be written is reverted too")
    func logFailureRevertsOverride() throws {
        let gate = TestGate(Self.settings)
        gate.logCommits = false
        let batch = gate.send(.staffOverride(by: "guard2", reason: "delivery"))
        let row = try #require(rows(batch).first)
        #expect(batch == [.log(row)])
        #expect(gate.send(.logFailed(row, "disk full")) == [.indicate(.refused), .buzz(.refuse)])
        #expect(gate.controller.occupancy == 0)
    }

    @Test("a refusal whose row cannot be written is still shown as a refusal")
    func logFailureOnRefusal() throws {
        let gate = TestGate(Self.settings)
        gate.logCommits = false
        let batch = gate.attempt(Fixture.verdict(Fixture.credential(colour: .red)))
        let row = try #require(rows(batch).first)
        #expect(batch == [.log(row), .indicate(.refused), .buzz(.refuse)], "the refusal does not wait for its row")
        #expect(gate.send(.logFailed(row, "disk full")) == [], "and nothing takes it back")
        #expect(gate.controller.faults[.log] == "disk full")
        #expect(gate.state == .refused)
    }

    @Test("the fire alarm opens the gate even when its row cannot be written")
    func fireAlarmSurvivesLogFailure() throws {
        let gate = TestGate(Self.settings)
        gate.logCommits = false
        let batch = gate.send(.fireAlarm(active: true))
        let row = try #require(rows(batch).first)
        // The executor runs the whole batch whatever becomes of the row: the hold never waits for the log.
        #expect(batch == [.log(row), .holdRelay(true), .indicate(.emergencyOpen), .buzz(.alarm)])
        #expect(gate.send(.logFailed(row, "disk full")) == [])
        #expect(gate.controller.faults[.log] == "disk full")
        #expect(gate.state == .emergencyOpen)

        let offBatch = gate.send(.fireAlarm(active: false))
        let offRow = try #require(rows(offBatch).first)
        #expect(offBatch == [.log(offRow), .holdRelay(false), .indicate(.fault), .buzz(.silent)])
        #expect(gate.send(.logFailed(offRow, "disk full")) == [])
        #expect(gate.state == .fault)
    }

    @Test("a fault row that cannot be written does not cancel the refusal behind it")
    func faultRowFailureKeepsRefusal() throws {
        let gate = TestGate(Self.settings)
        gate.logCommits = false
        gate.send(.codePresented(Fixture.verdict()))
        let batch = gate.send(.temperatureFailed("EIO"))
        let logged = rows(batch)
        try #require(logged.count == 2)
        #expect(batch == [.log(logged[0]), .log(logged[1]), .indicate(.refused), .buzz(.refuse)])
        #expect(gate.send(.logFailed(logged[0], "disk full")) == [])
        #expect(gate.state == .refused)
        #expect(Set(gate.controller.faults.keys) == [.thermometer, .log])
    }

    // MARK: Start and stop

    @Test("start and stop are event rows and leave the relay released")
    func startAndStop() throws {
        let gate = TestGate(Self.settings)
        let start = gate.send(.started("healthgate 0.1, board sim"))
        let startRow = try #require(rows(start).first)
        #expect(start == [.log(startRow), .holdRelay(false), .indicate(.ready)])
        #expect(startRow.event == "start")
        #expect(startRow.kind == .event)
        #expect(startRow.detail == "healthgate 0.1, board sim")

        let stop = gate.send(.stopping)
        let stopRow = try #require(rows(stop).first)
        #expect(stop == [.log(stopRow), .holdRelay(false), .indicate(.ready), .buzz(.silent)])
        #expect(stopRow.event == "stop")
    }

    @Test("stopping while someone is measured logs that attempt as undecided before the stop row")
    func stopInterruptsMeasurement() throws {
        let gate = TestGate(Self.settings)
        gate.send(.codePresented(Fixture.verdict()))
        let stop = gate.send(.stopping)
        let logged = rows(stop)
        #expect(logged.map(\.detail) == ["interrupted: stopping", nil])
        #expect(logged.map(\.event) == [nil, "stop"])
        #expect(actuation(stop) == [.holdRelay(false), .indicate(.ready), .buzz(.silent)])
        #expect(gate.send(.temperatureRead(objectCelsius: 36.6)) == [])
    }

    @Test("a config reload applies to the next attempt")
    func reloadRules() {
        let gate = TestGate(Self.settings)
        gate.controller.update(settings: ControllerSettings(rules: VenueRules(vaccination: .require)))
        let reloaded = rows(gate.send(.configurationReloaded))
        #expect(reloaded.map(\.event) == ["config_reload"])
        #expect(reloaded.first?.kind == .event)
        let commands = gate.attempt()
        #expect(rows(commands).first?.reasons == [.notVaccinated])
        #expect(!opensRelay(commands))
    }
}

/// Holds, re-measure delays and presentation gaps run on the monotonic clock (issue 12, item 11): an NTP step
/// of the wall clock moves none of them.
@Suite("Wall-clock steps")
struct ClockStepTests {
    @Test("a clock stepped back an hour during the admitted hold: the hold ends on time, the gate is not deaf")
    func holdEndsAfterABackwardStep() {
        let gate = TestGate()
        _ = gate.attempt()
        #expect(gate.state == .admitted)
        gate.clock.now -= 3600  // NTP corrects a board that booted an hour ahead
        #expect(gate.tick(after: 1_900).isEmpty, "still the admitted hold")
        #expect(gate.tick(after: 100) == [.indicate(.ready), .buzz(.silent)])
        #expect(gate.controller.acceptsCodes)
    }

    @Test("a clock stepped forward an hour does not cut the hold short")
    func holdIsNotCutByAForwardStep() {
        let gate = TestGate()
        _ = gate.attempt()
        gate.clock.now += 3600
        #expect(gate.tick(after: 10).isEmpty)
        #expect(gate.state == .admitted)
    }

    @Test("a re-measure is taken after its delay whichever way the wall clock steps")
    func remeasureAfterABackwardStep() {
        for step in [-3600.0, 3600.0] {
            let gate = TestGate()
            _ = gate.send(.codePresented(Fixture.verdict()))
            _ = gate.send(.temperatureRead(objectCelsius: 38.5))
            gate.clock.now += step
            #expect(gate.tick(after: 10).isEmpty, "step \(step)")
            #expect(gate.tick(after: 2_000) == [.measureTemperature], "step \(step)")
        }
    }

    @Test("a code shown again after a backward step is a new presentation, not dropped")
    func presentationAfterABackwardStep() {
        let gate = TestGate()
        let code = Array("code-A".utf8)
        #expect(gate.send(.codeRead(code)) == [.verifyCode(code)])
        gate.clock.now -= 3600
        gate.clock.advance(milliseconds: 2_000)  // away longer than presentation_absence_ms
        #expect(gate.send(.codeRead(code)) == [.verifyCode(code)])
    }

    @Test("a hold is not cut short by ordinary ticks")
    func holdStillRunsItsLength() {
        let gate = TestGate()
        _ = gate.attempt()
        #expect(gate.tick(after: 100).isEmpty)
        #expect(gate.state == .admitted)
    }
}

@Suite("Output faults")
struct OutputFaultTests {
    @Test("a code that passes every rule is refused while the outputs are in fault, and admitted after recovery")
    func gpioFaultRefusesUntilRecovered() {
        let gate = TestGate()
        gate.send(.deviceFault(.gpio, "gpiochip0: GPIO17: request failed"))
        #expect(gate.state == .fault)
        let refused = gate.send(.codePresented(Fixture.verdict()))
        guard case .log(let row)? = refused.first else { Issue.record("no row: \(refused)"); return }
        #expect(row.decision == .refused && row.reasons == [.gpioFault])
        #expect(!refused.contains(.pulseRelay(milliseconds: gate.controller.settings.relayPulseMilliseconds)))
        gate.finishHold()
        gate.send(.deviceRecovered(.gpio))
        #expect(gate.state == .ready)
        #expect(gate.attempt().contains(.pulseRelay(milliseconds: gate.controller.settings.relayPulseMilliseconds)))
    }

    @Test("a bundle's rule overrides sit on top of the configured rules, also after a config reload")
    func bundleOverrides() {
        let gate = TestGate(ControllerSettings())
        let applied = rows(gate.send(.bundleApplied(version: 7, digest: "ab12", overrides: RuleOverrides(vaccination: .require))))
        #expect(applied.map(\.event) == ["bundle_applied"])
        #expect(applied.first?.detail == "version 7 sha256 ab12")
        #expect(rows(gate.attempt()).first?.reasons == [.notVaccinated])
        // A reload replaces the configured rules; the bundle's override stays on top of them.
        gate.controller.update(settings: ControllerSettings(rules: VenueRules(approvedCapacity: 100)))
        #expect(gate.controller.settings.rules.vaccination == .require)
        #expect(gate.controller.settings.rules.approvedCapacity == 100)
        // The next bundle's overrides replace this one's.
        _ = gate.send(.bundleApplied(version: 8, digest: "cd34", overrides: RuleOverrides()))
        #expect(gate.controller.settings.rules.vaccination == .off)
        #expect(rows(gate.send(.bundleRefused("b.hgb: bad signature"))).map(\.event) == ["bundle_refused"])
    }

    @Test("a stale bundle under refuse: a code that passes every rule is refused with stale_bundle")
    func staleBundleFault() {
        let gate = TestGate(ControllerSettings())
        _ = gate.send(.deviceFault(.trust, "bundle version 3 is 30 h old (max_bundle_age_h 24)"))
        #expect(gate.controller.state == .fault)
        let commands = gate.attempt()
        #expect(rows(commands).first?.reasons == [.staleBundle])
        #expect(!opensRelay(commands))
        gate.finishHold()
        #expect(gate.controller.state == .fault)
        _ = gate.send(.deviceRecovered(.trust))
        #expect(gate.controller.state == .ready)
    }
}
