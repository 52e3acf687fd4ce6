import GateCore
import Testing

/// Issue 15: the `verifying` state, its deadline and `on_unavailable`, on a virtual clock.
@Suite("Platform verification in the controller")
struct PlatformVerificationTests {
    static func settings(_ policy: PlatformUnavailablePolicy, budget: Int = 1500) -> ControllerSettings {
        var settings = ControllerSettings(relayPulseMilliseconds: 1500, admittedHoldMilliseconds: 2000,
                                          refusedHoldMilliseconds: 2500, remeasureDelayMilliseconds: 2000)
        settings.platformBudgetMilliseconds = budget
        settings.platformUnavailablePolicy = policy
        return settings
    }

    static let pending = CodeVerdict(format: .platform, credential: nil, reasons: [], keyID: nil, detail: "", fingerprint: "fp-token-1")

    static func answer(colour: CodeColour = .green, fingerprint: String = "fp-token-1") -> CodeVerdict {
        let credential = HealthCredential(format: .platform, issuer: "440300", keyID: "", issuedAt: nil,
                                          expiresAt: Fixture.start + 60, colour: colour, subjectID: "p-5f1c0a9e",
                                          maskedName: "张*", maskedIDNumber: "4403**********1234")
        return CodeVerdict(format: .platform, credential: credential, reasons: [], keyID: nil, detail: "", fingerprint: fingerprint)
    }

    static func attemptRows(_ commands: [GateCommand]) -> [EntryRecord] {
        commands.compactMap { if case .log(let row) = $0, row.kind == .attempt { row } else { nil } }
    }

    static func events(_ commands: [GateCommand]) -> [String] {
        commands.compactMap { if case .log(let row) = $0, row.kind == .event { row.event } else { nil } }
    }

    @Test("a pending lookup puts the gate in verifying; the answer in time is measured and admitted")
    func answerInTime() {
        let gate = TestGate(Self.settings(.refuse))
        #expect(gate.send(.verificationPending(Self.pending)) == [.indicate(.verifying)])
        #expect(gate.state == .verifying)
        #expect(!gate.controller.acceptsCodes)
        // The frame loop runs on: ticks before the deadline change nothing.
        #expect(gate.tick(after: 1400) == [])
        #expect(gate.send(.platformAnswered(Self.answer())) == [.indicate(.measuring), .measureTemperature])
        let rows = Self.attemptRows(gate.send(.temperatureRead(objectCelsius: 36.5)))
        #expect(rows.map(\.decision) == [.admitted])
        #expect(rows.first?.format == .platform)
        #expect(rows.first?.maskedIDNumber == "4403**********1234")
        #expect(gate.controller.platformAvailable)
        // The deadline that would have passed now is gone with the lookup.
        #expect(gate.tick(after: 200).allSatisfy { if case .log = $0 { false } else { true } })
    }

    @Test("a red answer is refused red_code")
    func redAnswer() {
        let gate = TestGate(Self.settings(.registerAndAdmit))
        gate.send(.verificationPending(Self.pending))
        let rows = Self.attemptRows(gate.send(.platformAnswered(Self.answer(colour: .red))))
        #expect(rows.map(\.reasons) == [[.redCode]])
        #expect(gate.state == .refused)
    }

    @Test("an answer to another lookup is dropped while verifying")
    func strayAnswer() {
        let gate = TestGate(Self.settings(.refuse))
        gate.send(.verificationPending(Self.pending))
        #expect(gate.send(.platformAnswered(Self.answer(fingerprint: "fp-other"))) == [])
        #expect(gate.state == .verifying)
    }

    @Test("refuse: the deadline passes → platform_unavailable row, then the refusal; offline codes refused too")
    func deadlineRefuses() {
        let gate = TestGate(Self.settings(.refuse, budget: 800))
        gate.send(.verificationPending(Self.pending))
        #expect(gate.tick(after: 799) == [])
        let commands = gate.tick(after: 1)
        #expect(Self.events(commands) == ["platform_unavailable"])
        let rows = Self.attemptRows(commands)
        #expect(rows.map(\.decision) == [.refused])
        #expect(rows.map(\.reasons) == [[.platformUnavailable]])
        #expect(rows.first?.detail == "platform: no answer within 800 ms")
        #expect(!gate.controller.platformAvailable)
        #expect(gate.state == .refused)
        // While the platform is down, `refuse` refuses an offline-verified green code as well.
        gate.tick(after: 2500)
        let offline = Self.attemptRows(gate.send(.codePresented(Fixture.verdict())))
        #expect(offline.map(\.reasons) == [[.platformUnavailable]])
        // A late answer to the abandoned lookup, arriving once the gate is ready again, is not a presentation.
        gate.tick(after: 2500)
        #expect(gate.state == .ready)
        #expect(gate.send(.platformAnswered(Self.answer())) == [])
    }

    @Test("offline_codes_only: platform token refused at once on a reported failure; HG1 still admitted")
    func offlineCodesOnly() {
        let gate = TestGate(Self.settings(.offlineCodesOnly))
        gate.send(.verificationPending(Self.pending))
        let commands = gate.send(.platformUnavailable(fingerprint: "fp-token-1", reason: "HTTP 503"))
        #expect(Self.events(commands) == ["platform_unavailable"])
        #expect(Self.attemptRows(commands).map(\.reasons) == [[.platformUnavailable]])
        gate.tick(after: 2500)
        gate.send(.codePresented(Fixture.verdict()))
        #expect(Self.attemptRows(gate.send(.temperatureRead(objectCelsius: 36.6))).map(\.decision) == [.admitted])
    }

    @Test("register_and_admit: normal temperature admits, row marked unverified; fever refuses")
    func registerAndAdmit() {
        let gate = TestGate(Self.settings(.registerAndAdmit))
        gate.send(.verificationPending(Self.pending))
        #expect(gate.send(.platformUnavailable(fingerprint: "fp-token-1", reason: "connection refused"))
            .contains(.measureTemperature))
        #expect(gate.state == .measuring)
        let admitted = Self.attemptRows(gate.send(.temperatureRead(objectCelsius: 36.4)))
        #expect(admitted.map(\.decision) == [.admitted])
        #expect(admitted.first?.reasons == [.unverified])
        #expect(admitted.first?.codeFingerprint == "fp-token-1")
        #expect(admitted.first?.colour == nil)
        #expect(admitted.first?.rules.first == "platform=pass")

        gate.tick(after: 2000)
        let second = CodeVerdict(format: .platform, credential: nil, reasons: [], keyID: nil, detail: "", fingerprint: "fp-token-2")
        gate.send(.verificationPending(second))
        gate.tick(after: 1500)  // the deadline
        #expect(gate.state == .measuring)
        gate.send(.temperatureRead(objectCelsius: 38.2))
        let fever = Self.attemptRows(gate.tick(after: 2000) + gate.send(.temperatureRead(objectCelsius: 38.3)))
        #expect(fever.map(\.decision) == [.refused])
        #expect(fever.first?.reasons == [.fever])
    }

    @Test("register_and_admit still applies capacity and anti-passback")
    func registerRespectsCapacity() {
        var rules = VenueRules()
        rules.approvedCapacity = 4
        rules.occupancyPercent = 75
        var settings = Self.settings(.registerAndAdmit)
        settings.rules = rules
        let gate = TestGate(settings, occupancy: 3)
        gate.send(.verificationPending(Self.pending))
        let rows = Self.attemptRows(gate.send(.platformUnavailable(fingerprint: "fp-token-1", reason: "HTTP 500")))
        #expect(rows.map(\.reasons) == [[.capacityFull]])
    }

    @Test("availability changes are rows once each, and the platform recovers by itself")
    func availabilityRows() {
        let gate = TestGate(Self.settings(.offlineCodesOnly))
        #expect(Self.events(gate.send(.platformUnavailable(fingerprint: nil, reason: "HTTP 503"))) == ["platform_unavailable"])
        #expect(gate.send(.platformUnavailable(fingerprint: nil, reason: "HTTP 503")) == [])
        #expect(gate.controller.platformProblem == "HTTP 503")
        #expect(gate.state == .ready)  // not a device fault: offline codes still work
        #expect(Self.events(gate.send(.platformAvailable)) == ["platform_recovered"])
        #expect(gate.send(.platformAvailable) == [])
        #expect(gate.controller.platformAvailable)
        #expect(gate.controller.platformProblem == nil)
    }

    @Test("a fire alarm during a lookup gives the presented code its row, undecided")
    func fireAlarmDuringLookup() {
        let gate = TestGate(Self.settings(.refuse))
        gate.send(.verificationPending(Self.pending))
        let rows = Self.attemptRows(gate.send(.fireAlarm(active: true)))
        #expect(rows.map(\.decision) == [EntryRecord.Decision.none])
        #expect(rows.first?.detail == "interrupted: fire alarm")
        #expect(gate.state == .emergencyOpen)
        // The deadline no longer fires.
        #expect(Self.attemptRows(gate.tick(after: 5000)).isEmpty)
    }
}
